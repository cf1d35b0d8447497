export * from './shard-calculator';
export * from './stream';
export * from './autoscaler';
