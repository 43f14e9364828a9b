export * from './config-error';
export * from './config.module';
export * from './config-file';
export * from './env.decorator';
export * from './load-config';
export * from './sections';
