export * from './shard-calculator';
export * from './stream';
