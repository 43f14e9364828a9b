export * from './anonymizer';
export * from './anonymizer-rules';
export * from './field-paths';
export * from './ip';
export * from './pseudonym';
export * from './scrub';
