export * from './shard-calculator';
export * from './stream';
export * from './autoscaler';
export * from './efo-consumer';
export * from './kcl-application';
export * from './lambda-consumer';
export * from './monitoring';
