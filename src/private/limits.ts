/** Kinesis's default shard limit per stream. */
export const MAX_SHARDS_PER_STREAM = 10_000;
/** Retention bounds of a Kinesis data stream, in hours. */
export const MIN_RETENTION_HOURS = 24;
export const MAX_RETENTION_HOURS = 8760;
/** Default namespace of the metrics the Kinesis Producer Library publishes. */
export const KPL_METRICS_NAMESPACE = 'KinesisProducerLibrary';
