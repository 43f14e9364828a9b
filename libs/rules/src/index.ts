export * from './condition';
export * from './operations';
export * from './rule-engine';
export * from './rules.config';
