/**
 * What the shard autoscaler's construct, its Lambda handler and the benchmark share: the
 * environment variable names, the alarm names and shapes, and the default policy settings.
 *
 * This module has no dependency on aws-cdk-lib so that the handler bundle stays small.
 */

/** Environment variable: JSON array of `StreamScalingConfig`, one per autoscaled stream. */
export const ENV_CONFIG = 'KINESIS_KIT_AUTOSCALER_CONFIG';
/** Environment variable: the DynamoDB table holding each stream's call history and lock. */
export const ENV_STATE_TABLE = 'KINESIS_KIT_AUTOSCALER_TABLE';
/** Namespace of the embedded-metric-format metrics the handler emits. */
export const METRICS_NAMESPACE = 'KinesisKit/Autoscaler';

/** The alarms that drive the autoscaler, one of each per stream. */
export type AlarmRole = 'ScaleUp' | 'ScaleDown' | 'Throttled';
export const ALARM_ROLES: AlarmRole[] = ['ScaleUp', 'ScaleDown', 'Throttled'];
export const ALARM_NAME_PREFIX = 'KinesisKitAutoscaler-';

/** The name of a stream's autoscaling alarm. Stream names are unique per account and region. */
export function alarmName(streamName: string, role: AlarmRole): string {
  return `${ALARM_NAME_PREFIX}${streamName}-${role}`;
}

/** Parses an alarm name made by `alarmName`. */
export function parseAlarmName(name: string): { streamName: string; role: AlarmRole } | undefined {
  const match = /^KinesisKitAutoscaler-(.+)-(ScaleUp|ScaleDown|Throttled)$/.exec(name);
  return match ? { streamName: match[1], role: match[2] as AlarmRole } : undefined;
}

/** Bytes a shard takes per minute: 1 MiB/s. */
export const SHARD_BYTES_PER_MINUTE = 60 * 1024 * 1024;
/** Records a shard takes per minute: 1,000/s. */
export const SHARD_RECORDS_PER_MINUTE = 60 * 1000;

/**
 * The metric math the ScaleUp and ScaleDown alarms watch: the shards' worth of writes in each
 * minute, the larger of bytes and records. `bytes` and `records` are the stream's IncomingBytes
 * and IncomingRecords, Sum over one minute. The alarm threshold is a utilization times the shard
 * count, and is the only part that depends on the shard count.
 */
export const USED_SHARDS_EXPRESSION =
  `MAX([FILL(bytes, 0) / ${SHARD_BYTES_PER_MINUTE}, FILL(records, 0) / ${SHARD_RECORDS_PER_MINUTE}])`;

/** How often the scheduled check for peaks that history or the recent trend expects soon runs (an EventBridge rule). */
export const SCHEDULE_MINUTES = 15;
/**
 * How far ahead the scheduled check looks: the time to the next check, plus a reshard, plus
 * margin. A scheduled check acts only on a peak that history, or the recent trend, expects
 * within these minutes.
 */
export const SCHEDULE_AHEAD_MINUTES = 20;

/** Kinesis's UpdateShardCount rule: at most this many calls per stream in any rolling 24 hours. */
export const MAX_CALLS_PER_24H = 10;
export const DAY_MS = 24 * 60 * 60 * 1000;
export const MINUTE_MS = 60 * 1000;

/** One autoscaled stream's settings, as the handler reads them. */
export interface StreamScalingConfig {
  /** The stream's name. */
  readonly streamName: string;
  readonly minShards: number;
  readonly maxShards: number;
  /** Utilization the stream is sized for after a scaling decision, against its peak minute. */
  readonly targetUtilization: number;
  /** The handler scales up when the peak seen or expected reaches this utilization. */
  readonly scaleUpThreshold: number;
  /**
   * ScaleUp alarm: a minute at or above this utilization invokes the handler, which then checks
   * the recent peak, the trend and the history against `scaleUpThreshold`. At most
   * `scaleUpThreshold`, so that a rise is checked before it reaches it.
   */
  readonly scaleUpAlarmThreshold: number;
  /** ScaleDown alarm: this many minutes in a row at or below `scaleDownThreshold`. */
  readonly scaleDownThreshold: number;
  readonly scaleDownMinutes: number;
  /** Minutes of history whose per-minute peak sizes the stream. */
  readonly lookbackMinutes: number;
  /** Whether to size ahead for what the same time yesterday and a week ago went on to need. */
  readonly predictive: boolean;
  /** Minutes ahead that the predictive look covers; scale-ups size for the peak within them. */
  readonly forecastMinutes: number;
  /** UpdateShardCount calls of the 10 per 24 h that scale-downs may never use. */
  readonly scaleUpReserve: number;
  /** A scale-down happens only if the target is at most this fraction of the current count. */
  readonly minScaleDownRatio: number;
}

/** The fields of a `StreamScalingConfig`, in the order the environment variable lists them. */
const CONFIG_FIELDS = [
  'streamName', 'minShards', 'maxShards', 'targetUtilization', 'scaleUpThreshold', 'scaleDownThreshold',
  'scaleDownMinutes', 'lookbackMinutes', 'predictive', 'forecastMinutes', 'scaleUpReserve', 'minScaleDownRatio',
  'scaleUpAlarmThreshold',
] as const;

/**
 * The environment variable's value: one array of values per stream, without the keys, so that
 * a stack's autoscaled streams fit Lambda's 4 KB of environment.
 */
export function encodeConfigs(configs: StreamScalingConfig[]): unknown[][] {
  return configs.map((c) => CONFIG_FIELDS.map((f) => c[f]));
}

/** Reads what `encodeConfigs` wrote. */
export function decodeConfigs(json: string): StreamScalingConfig[] {
  const rows = JSON.parse(json) as unknown[][];
  return rows.map((row) => Object.fromEntries(CONFIG_FIELDS.map((f, i) => [f, row[i]])) as unknown as StreamScalingConfig);
}

/** Lambda's limit on a function's environment variables, keys and values together. */
export const LAMBDA_ENVIRONMENT_BYTES = 4096;

/**
 * The ScaleUp alarm's default utilization: 0.15 below `scaleUpThreshold` (rounded to 0.01), so
 * that the handler sees a rise, and can act on its trend, its pace (`surgePeak`) or on history,
 * before the stream reaches the threshold; but not below halfway from `scaleDownThreshold` to
 * `scaleUpThreshold`, so that it stays above the ScaleDown alarm's.
 */
export function defaultScaleUpAlarmThreshold(scaleUpThreshold: number, scaleDownThreshold: number): number {
  return Math.max(0.05, Math.round((scaleUpThreshold - 0.15) * 100) / 100, (scaleUpThreshold + scaleDownThreshold) / 2);
}

/**
 * Defaults for everything but the shard bounds; the construct and the benchmark use these.
 * Chosen with the benchmark (bench/autoscaler.ts): see the README's autoscaler section.
 */
export const DEFAULT_SCALING: Omit<StreamScalingConfig, 'streamName' | 'minShards' | 'maxShards'> = {
  targetUtilization: 0.95,
  scaleUpThreshold: 1,
  scaleUpAlarmThreshold: defaultScaleUpAlarmThreshold(1, 0.6),
  scaleDownThreshold: 0.6,
  scaleDownMinutes: 15,
  lookbackMinutes: 60,
  predictive: true,
  forecastMinutes: 240,
  scaleUpReserve: 2,
  minScaleDownRatio: 0.67,
};

/** The three alarms of a stream, as numbers both the construct and the benchmark use. */
export interface AlarmSpec {
  readonly role: AlarmRole;
  /** Evaluation periods of one minute. */
  readonly evaluationPeriods: number;
  readonly datapointsToAlarm: number;
  readonly threshold: number;
  readonly comparison: 'GreaterThanOrEqualToThreshold' | 'LessThanOrEqualToThreshold';
  /** No datapoint means no writes: quiet, so ScaleDown counts it as breaching; the others do not. */
  readonly treatMissingData: 'breaching' | 'notBreaching';
}

/** The alarms of a stream with `shards` shards. Only ScaleUp and ScaleDown depend on the count. */
export function alarmSpecs(config: Omit<StreamScalingConfig, 'streamName'>, shards: number): AlarmSpec[] {
  return [
    {
      role: 'ScaleUp',
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
      threshold: thresholdFor('ScaleUp', config, shards),
      comparison: 'GreaterThanOrEqualToThreshold',
      treatMissingData: 'notBreaching',
    },
    {
      role: 'ScaleDown',
      evaluationPeriods: config.scaleDownMinutes,
      datapointsToAlarm: config.scaleDownMinutes,
      threshold: thresholdFor('ScaleDown', config, shards),
      comparison: 'LessThanOrEqualToThreshold',
      treatMissingData: 'breaching',
    },
    {
      role: 'Throttled',
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
      threshold: 1,
      comparison: 'GreaterThanOrEqualToThreshold',
      treatMissingData: 'notBreaching',
    },
  ];
}

/** The threshold of one alarm for a stream with `shards` shards, rounded to 4 decimals. */
export function thresholdFor(role: AlarmRole, config: Pick<StreamScalingConfig, 'scaleUpAlarmThreshold' | 'scaleDownThreshold'>, shards: number): number {
  switch (role) {
    case 'ScaleUp':
      return round4(config.scaleUpAlarmThreshold * shards);
    case 'ScaleDown':
      return round4(config.scaleDownThreshold * shards);
    default:
      return 1;
  }
}

function round4(value: number): number {
  return Math.round(value * 10_000) / 10_000;
}
