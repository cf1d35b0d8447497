import { MAX_SHARDS_PER_STREAM } from './private/limits';

/**
 * The expected traffic of a stream, used to size it.
 */
export interface ThroughputProps {
  /**
   * Records written per second, at the peak the stream must take without throttling.
   */
  readonly recordsPerSecond: number;

  /**
   * Average size of one record, in KiB (the data blob plus the partition key).
   */
  readonly averageRecordSizeKiB: number;

  /**
   * Number of consumer applications that read every record.
   *
   * @default 1
   */
  readonly consumers?: number;

  /**
   * Whether the consumers read with enhanced fan-out.
   *
   * Each enhanced fan-out consumer gets its own 2 MiB/s per shard, so such consumers add no
   * read shards. When false, all consumers share 2 MiB/s per shard.
   *
   * @default false
   * @see https://docs.aws.amazon.com/streams/latest/dev/enhanced-consumers.html
   */
  readonly enhancedFanOut?: boolean;
}

/**
 * The Kinesis limit that decides a stream's shard count.
 */
export enum ShardLimit {
  /** Writes: 1 MiB/s per shard. */
  WRITE_BYTES = 'WRITE_BYTES',
  /** Writes: 1,000 records/s per shard. */
  WRITE_RECORDS = 'WRITE_RECORDS',
  /** Shared-throughput reads: 2 MiB/s per shard, shared by all consumers. */
  READ_BYTES = 'READ_BYTES',
}

/**
 * The result of sizing a stream.
 */
export interface ShardEstimate {
  /** The number of shards the stream needs: the largest of the three requirements. */
  readonly shards: number;
  /** Which limit decides `shards`. On a tie, write bytes win over write records over read bytes. */
  readonly limitingFactor: ShardLimit;
  /** Shards needed for the write bandwidth (1 MiB/s each). */
  readonly writeBytesShards: number;
  /** Shards needed for the write record rate (1,000 records/s each). */
  readonly writeRecordsShards: number;
  /** Shards needed for the read bandwidth (2 MiB/s each, shared by shared-throughput consumers). */
  readonly readBytesShards: number;
  /** Incoming write bandwidth in KiB/s. */
  readonly incomingKiBPerSecond: number;
  /** Whether `shards` is above the default limit of 10,000 shards per stream. */
  readonly exceedsDefaultShardLimit: boolean;
}

/** A shard takes 1 MiB/s of writes. */
const WRITE_KIB_PER_SHARD = 1024;
/** A shard takes 1,000 records/s of writes. */
const WRITE_RECORDS_PER_SHARD = 1000;
/** A shard serves 2 MiB/s of shared-throughput reads. */
const READ_KIB_PER_SHARD = 2048;
/** Absorbs floating-point noise so that exactly 2.0 shards does not round up to 3. */
const EPSILON = 1e-9;

/**
 * Sizes a provisioned stream from its expected throughput.
 *
 * It applies the sizing method of the Kinesis documentation:
 * `write_MB = average_size_KB * records_per_second / 1024`,
 * `read_MB = average_size_KB * records_per_second * consumers / 2048`, and
 * `shards = ceil(max(write_MB, read_MB))`. It adds what that formula misses: the 1,000 records/s
 * write limit per shard, and enhanced fan-out consumers, which add no read shards.
 *
 * Pure: no construct, no side effect. The result also says whether the stream needs more than
 * the default 10,000 shards per stream.
 *
 * @see https://docs.aws.amazon.com/streams/latest/dev/amazon-kinesis-streams.html
 */
export class ShardCalculator {
  /**
   * Returns the problems with the given throughput, one sentence each; empty when valid.
   */
  public static validate(props: ThroughputProps): string[] {
    const problems: string[] = [];
    const positive = (name: string, value: number | undefined, integer: boolean) => {
      if (value === undefined) {
        return;
      }
      if (!Number.isFinite(value) || value <= 0) {
        problems.push(`${name} must be greater than 0, got ${value}`);
      } else if (integer && !Number.isInteger(value)) {
        problems.push(`${name} must be a whole number, got ${value}`);
      }
    };
    positive('recordsPerSecond', props.recordsPerSecond, false);
    positive('averageRecordSizeKiB', props.averageRecordSizeKiB, false);
    positive('consumers', props.consumers, true);
    if (Number.isFinite(props.averageRecordSizeKiB) && props.averageRecordSizeKiB > 1024) {
      problems.push(`averageRecordSizeKiB must be at most 1,024 (the 1 MiB record size limit), got ${props.averageRecordSizeKiB}`);
    }
    return problems;
  }

  /**
   * Computes the shard count for the given throughput.
   *
   * @throws if an input is zero, negative or not a number
   */
  public static calculate(props: ThroughputProps): ShardEstimate {
    const problems = ShardCalculator.validate(props);
    if (problems.length > 0) {
      throw new Error(`Invalid throughput: ${problems.join('; ')}`);
    }
    const consumers = props.consumers ?? 1;
    const incomingKiB = props.averageRecordSizeKiB * props.recordsPerSecond;

    const writeBytesShards = roundUp(incomingKiB / WRITE_KIB_PER_SHARD);
    const writeRecordsShards = roundUp(props.recordsPerSecond / WRITE_RECORDS_PER_SHARD);
    // Enhanced fan-out consumers each get a dedicated 2 MiB/s per shard: reading is never the
    // constraint for them. Shared-throughput consumers split one 2 MiB/s per shard.
    const readBytesShards = props.enhancedFanOut
      ? roundUp(incomingKiB / READ_KIB_PER_SHARD)
      : roundUp((incomingKiB * consumers) / READ_KIB_PER_SHARD);

    const shards = Math.max(1, writeBytesShards, writeRecordsShards, readBytesShards);
    let limitingFactor = ShardLimit.WRITE_BYTES;
    if (shards === writeBytesShards || shards === 1) {
      limitingFactor = ShardLimit.WRITE_BYTES;
    } else if (shards === writeRecordsShards) {
      limitingFactor = ShardLimit.WRITE_RECORDS;
    } else {
      limitingFactor = ShardLimit.READ_BYTES;
    }

    return {
      shards,
      limitingFactor,
      writeBytesShards,
      writeRecordsShards,
      readBytesShards,
      incomingKiBPerSecond: incomingKiB,
      exceedsDefaultShardLimit: shards > MAX_SHARDS_PER_STREAM,
    };
  }
}

function roundUp(value: number): number {
  return Math.ceil(value - EPSILON);
}
