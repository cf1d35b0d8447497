import * as path from 'path';
import { ArnFormat, Aws, Duration, Lazy, Names, RemovalPolicy, Stack, Token, TokenComparison, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import {
  ALARM_ROLES,
  AlarmRole,
  alarmName,
  alarmSpecs,
  DEFAULT_SCALING,
  defaultScaleUpAlarmThreshold,
  ENV_CONFIG,
  ENV_STATE_TABLE,
  encodeConfigs,
  LAMBDA_ENVIRONMENT_BYTES,
  MAX_CALLS_PER_24H,
  METRICS_NAMESPACE,
  SCHEDULE_AHEAD_MINUTES,
  SCHEDULE_MINUTES,
  SHARD_BYTES_PER_MINUTE,
  SHARD_RECORDS_PER_MINUTE,
  StreamScalingConfig,
  USED_SHARDS_EXPRESSION,
} from './private/autoscaler-config';
import { acknowledgeComplianceRule, allowCloudWatchLogs } from './private/compliance';
import { MAX_SHARDS_PER_STREAM } from './private/limits';
import { checkInteger, checkRange, KinesisKitValidationError } from './private/validation';
import { IKinesisStream, KinesisStream } from './stream';

/**
 * How a stream's shard count follows its traffic.
 */
export interface ShardAutoscalingOptions {
  /**
   * The fewest shards the autoscaler leaves the stream with: 1 to 10,000.
   */
  readonly minShards: number;

  /**
   * The most shards the autoscaler gives the stream: `minShards` to 10,000 (the default limit
   * per stream; your account's shard quota also applies).
   */
  readonly maxShards: number;

  /**
   * The utilization a scaling decision sizes the stream for, against the busiest minute of the
   * lookback window (bursts included): 0.1 to 0.95. Lower leaves more headroom.
   *
   * @default 0.95
   */
  readonly targetUtilization?: number;

  /**
   * The handler scales up when the busiest minute seen, or expected from the recent trend and
   * from history, reaches this fraction of the stream's capacity (bytes or records, whichever
   * is closer to its limit). On a rise that history does not foresee (none read, as on the
   * first day or without `predictive`; today rising well above it; or history scaled to
   * nothing), while demand is rising over the `lookback`, it scales up from halfway between
   * `targetUtilization` and this fraction, since such a rise is met late and noise comes on top.
   * When history does not foresee the rise, it also scales up at once if the last 9 minutes
   * climb fast enough to pass the point it scales up from (that halfway point while rising over
   * the `lookback`, otherwise this fraction) within 5 minutes: three groups of 3 minutes, each
   * read by its quietest minute, each above the one before, the last at least 1.1 times the
   * first and the median of the `lookback`. The new shards are then in place before demand
   * gets there. The handler decides only when
   * invoked: a ScaleUp alarm set above that halfway point delays it. Above `targetUtilization`,
   * at most 1.
   *
   * @default 1
   */
  readonly scaleUpThreshold?: number;

  /**
   * The ScaleUp alarm invokes the handler when one minute's writes reach this fraction of the
   * stream's capacity. It is below `scaleUpThreshold` so that the handler sees a rise coming and
   * can scale ahead of its trend, its pace, or what history says follows, before the stream is
   * full. Above `scaleDownThreshold`, at most `scaleUpThreshold`.
   *
   * @default - `scaleUpThreshold` minus 0.15 (0.85 with the defaults), or halfway from
   * `scaleDownThreshold` to `scaleUpThreshold` if that is higher
   */
  readonly scaleUpAlarmThreshold?: number;

  /**
   * The ScaleDown alarm fires when writes stay at or below this fraction of capacity for
   * `scaleDownEvaluationMinutes` minutes in a row; the handler then scales down if the peak
   * seen and expected allows a large enough cut, never below what a steady climb (with
   * `predictive`) or a fast rise (see `scaleUpThreshold`) under way needs, nor below the count
   * from which the calls left in the 24 hours, each at most doubling the stream, climb back to
   * what the day's busiest minute of writes needed. At least 0.01, below `targetUtilization`.
   *
   * @default 0.6
   */
  readonly scaleDownThreshold?: number;

  /**
   * Minutes in a row at or below `scaleDownThreshold` before the ScaleDown alarm fires; also the
   * minutes a scale-down waits after an UpdateShardCount call (unless the stream is above
   * `maxShards`), since right after a call most of the minutes the alarm judges were served by
   * the old shard count: 1 to 1,440.
   *
   * @default 15
   */
  readonly scaleDownEvaluationMinutes?: number;

  /**
   * The window whose busiest minute sizes the stream: 1 minute to 24 hours. A window that spans
   * a workload's recurring bursts (jobs on the hour, say) keeps capacity for them.
   *
   * @default Duration.hours(1)
   */
  readonly lookback?: Duration;

  /**
   * Whether to size ahead for known peaks: on each decision the handler also reads what the
   * stream took in the `forecastWindow` that followed the same time a week ago (or, in the first
   * week, a day ago) from CloudWatch's history (GetMetricData), and where the recent trend leads
   * in the next 15 minutes: the steeper of the rise over the `lookback` (its first and last
   * quarters' medians) and a steady climb over its last 28 minutes, if it is that long (each
   * quarter's median above the one before; a step change or a burst is not one). The next
   * `lookback` of that history counts like the recent peak, except that only its first 30
   * minutes call for a scale-up (so that a ScaleUp alarm early in a known rise does not meet
   * its peak sooner than the scheduled check would); a scale-up sizes for the busiest
   * minute of its first 3 hours (all of it, if shorter), so that a rising day takes few, large
   * steps, and no scale-down is made while any of it needs the current shards. History is levelled to today's traffic: when the mean demand of the last 30
   * minutes (or of the whole `lookback`, if shorter) is below 80% of the mean of the same clock
   * minutes then (a Saturday read from a Friday, a holiday), the whole forecast is multiplied by
   * that ratio. It is never scaled up; but when today runs at 1.25 times that level or more (or
   * history was quiet then) and is still rising over the `lookback` (of 12 minutes or more), as
   * on a Monday read from a Sunday or after a launch, history is taken to understate the rise,
   * and a scale-up is at least as large as without history (see `minScaleDownRatio`). An
   * EventBridge rule every 15 minutes also invokes the
   * function, which scales a predictive stream up when its levelled history expects a peak at
   * `scaleUpThreshold` or more within the next 20 minutes (or `forecastWindow`, if shorter), or
   * a steady climb (over the last 28 minutes, or over the whole `lookback` if its last quarter
   * has not levelled off, which is checked for lookbacks of 40 minutes or more) reaches it within 20
   * minutes, before the alarms could see it; no scale-down goes below what that climb needs.
   *
   * @default true
   */
  readonly predictive?: boolean;

  /**
   * How far ahead the predictive look goes: a scale-up sizes the stream for the first 3 hours
   * of it, and no scale-down is made while any of it needs the current shards. 1 minute to 24
   * hours.
   *
   * @default Duration.hours(4)
   */
  readonly forecastWindow?: Duration;

  /**
   * UpdateShardCount calls, of the 10 Kinesis allows per stream in any rolling 24 hours, that
   * scale-downs may never use, so that the stream can always scale up: 1 to 9. Two calls
   * take a stream from any size to four times it. When `predictive` history expects the
   * smaller count to take the whole forecast window (an evening), a scale-down may use one of
   * them, but never the last: it then need not wait for the day's calls to age out. Beyond
   * this reserve, a scale-down also leaves the calls to climb back to what the last 24 hours'
   * busiest minute of writes needed (see `scaleDownThreshold`).
   *
   * @default 2
   */
  readonly scaleUpReserve?: number;

  /**
   * A scale-down is made only if the new count is at most this fraction of the current one, and
   * without history (or with today rising well above it) a scale-up goes at least to the current
   * count divided by it, so that the daily budget of calls goes to large moves: 0.5 to 1.
   *
   * @default 0.67
   */
  readonly minScaleDownRatio?: number;
}

/**
 * Properties of a `ShardAutoscaler`.
 */
export interface ShardAutoscalerProps extends ShardAutoscalingOptions {
  /**
   * The provisioned stream to scale.
   */
  readonly stream: IKinesisStream;

  /**
   * The stream's shard count when deployed, which the alarms' first thresholds are computed
   * for. Required for an imported stream.
   *
   * @default - the `KinesisStream`'s `shardCount`
   */
  readonly initialShardCount?: number;
}

/**
 * Scales a provisioned Kinesis data stream's shard count with its traffic.
 *
 * Three CloudWatch alarms on the stream's own metrics (with its StreamName dimension) invoke a
 * Lambda function directly (a Lambda alarm action): ScaleUp (one busy minute), Throttled (any
 * WriteProvisionedThroughputExceeded) and ScaleDown (a quiet stretch). The function, one per stack
 * for all autoscaled streams, reads the stream's real state, decides with a pure policy, and calls
 * UpdateShardCount within Kinesis's rules and a planned 24-hour budget of calls. A rule every 15
 * minutes also invokes it, to scale predictive streams up ahead of peaks their history or their
 * recent trend expects.
 *
 * A later `cdk deploy` does not undo its work: the template keeps the initial shard count, which
 * CloudFormation only applies when it changes, and the function rewrites the alarms' thresholds
 * for the real shard count after every scaling, on every alarm, and after every deployment of the
 * stack (an EventBridge rule on the stack's status changes).
 */
export class ShardAutoscaler extends Construct {
  /**
   * Sets the reserved concurrency of the stack's autoscaler function (one per stack, shared by
   * all its autoscaled streams). By default it reserves 5, so that the autoscaler still runs
   * when other functions use all of the account's concurrency. Lambda keeps part of the account's
   * concurrency unreserved: with the default quota of 1,000, a function may reserve up to the
   * unreserved amount minus 100. In an account with a low quota, where the deployment fails with
   * "decreases account's UnreservedConcurrentExecution below its minimum value", pass
   * `undefined` to reserve none.
   *
   * @param scope any construct in the stack
   * @param reservedConcurrentExecutions 1 to 1,000, or undefined for none
   */
  public static setReservedConcurrency(scope: Construct, reservedConcurrentExecutions?: number): void {
    checkInteger(scope, 'reservedConcurrentExecutions', reservedConcurrentExecutions);
    checkRange(scope, 'reservedConcurrentExecutions', reservedConcurrentExecutions, 1, 1000);
    const fn = AutoscalerRuntime.of(scope).function;
    (fn.node.defaultChild as lambda.CfnFunction).reservedConcurrentExecutions = reservedConcurrentExecutions;
  }

  /** The alarm that scales up on a busy minute. */
  public readonly scaleUpAlarm: cloudwatch.Alarm;
  /** The alarm that scales up on throttled writes. */
  public readonly throttledAlarm: cloudwatch.Alarm;
  /** The alarm that scales down after a quiet stretch. */
  public readonly scaleDownAlarm: cloudwatch.Alarm;
  /** The Lambda function that makes the decisions, shared by all autoscaled streams of the stack. */
  public readonly handler: lambda.IFunction;
  /** Where failed asynchronous invocations of the handler go (encrypted SQS queue). */
  public readonly deadLetterQueue: sqs.IQueue;
  /** The stream being scaled. */
  public readonly stream: IKinesisStream;
  /** The settings the handler applies to this stream. */
  public readonly minShards: number;
  /** The most shards the autoscaler gives the stream. */
  public readonly maxShards: number;

  constructor(scope: Construct, id: string, props: ShardAutoscalerProps) {
    super(scope, id);
    this.stream = props.stream;
    const initialShards = validate(this, props);
    const config = resolveConfig(props);
    this.minShards = config.minShards;
    this.maxShards = config.maxShards;

    const runtime = AutoscalerRuntime.of(this);
    this.handler = runtime.function;
    this.deadLetterQueue = runtime.deadLetterQueue;

    const period = Duration.minutes(1);
    const usedShards = new cloudwatch.MathExpression({
      expression: USED_SHARDS_EXPRESSION,
      usingMetrics: {
        bytes: props.stream.metric('IncomingBytes', { statistic: 'Sum', period }),
        records: props.stream.metric('IncomingRecords', { statistic: 'Sum', period }),
      },
      period,
      label: 'Shards used (max of bytes and records)',
    });
    const throttled = props.stream.metricWriteProvisionedThroughputExceeded({ statistic: 'Sum', period });

    const specs = alarmSpecs(config, initialShards);
    const alarms: Partial<Record<AlarmRole, cloudwatch.Alarm>> = {};
    for (const spec of specs) {
      const alarm = new cloudwatch.Alarm(this, `${spec.role}Alarm`, {
        alarmName: alarmName(props.stream.streamName, spec.role),
        alarmDescription: describeAlarm(spec.role, config),
        metric: spec.role === 'Throttled' ? throttled : usedShards,
        threshold: spec.threshold,
        evaluationPeriods: spec.evaluationPeriods,
        datapointsToAlarm: spec.datapointsToAlarm,
        comparisonOperator: spec.comparison === 'GreaterThanOrEqualToThreshold'
          ? cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD
          : cloudwatch.ComparisonOperator.LESS_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: spec.treatMissingData === 'breaching' ? cloudwatch.TreatMissingData.BREACHING : cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      runtime.invokeFrom(alarm);
      alarms[spec.role] = alarm;
    }
    this.scaleUpAlarm = alarms.ScaleUp!;
    this.scaleDownAlarm = alarms.ScaleDown!;
    this.throttledAlarm = alarms.Throttled!;

    runtime.register(props.stream, config);
  }

  /**
   * A metric the autoscaler emits for this stream (namespace `KinesisKit/Autoscaler`, dimension
   * StreamName), from its embedded-metric-format log lines: `Decisions`, `ScalingActions`,
   * `ScaleUps`, `ScaleDowns`, `Failures`, `AtMaxShards`, `CurrentShards`, `TargetShards`,
   * `DesiredShards`.
   *
   * @default - Sum over 1 minute
   */
  public metric(metricName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: METRICS_NAMESPACE,
      metricName,
      dimensionsMap: { StreamName: this.stream.streamName },
      statistic: 'Sum',
      period: Duration.minutes(1),
      ...props,
    });
  }

  /**
   * UpdateShardCount calls the autoscaler made.
   *
   * @default - Sum over 1 minute
   */
  public metricScalingActions(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('ScalingActions', props);
  }

  /**
   * The shard count the autoscaler last asked for.
   *
   * @default - Maximum over 1 minute
   */
  public metricTargetShards(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('TargetShards', { statistic: 'Maximum', ...props });
  }

  /**
   * Decisions that found the stream at `maxShards` while demand asked for more.
   *
   * @default - Sum over 1 minute
   */
  public metricAtMaxShards(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('AtMaxShards', props);
  }

  /**
   * Decisions whose AWS calls failed (throttled, refused, or unexpected errors).
   *
   * @default - Sum over 1 minute
   */
  public metricFailures(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('Failures', props);
  }

  /**
   * A dashboard widget with the stream's traffic (left axis, shards' worth per minute) next to
   * the shard count the autoscaler asked for and its scaling actions (right axis).
   */
  public scalingWidget(props: ScalingWidgetOptions = {}): cloudwatch.GraphWidget {
    const period = Duration.minutes(1);
    return new cloudwatch.GraphWidget({
      title: props.title ?? 'Traffic and shard autoscaling',
      width: props.width ?? 12,
      height: props.height ?? 6,
      left: [
        new cloudwatch.MathExpression({
          expression: `FILL(bytes, 0) / ${SHARD_BYTES_PER_MINUTE}`,
          usingMetrics: { bytes: this.stream.metric('IncomingBytes', { statistic: 'Sum', period }) },
          period,
          label: 'Writes (MiB/s, 1 per shard)',
        }),
        new cloudwatch.MathExpression({
          expression: `FILL(records, 0) / ${SHARD_RECORDS_PER_MINUTE}`,
          usingMetrics: { records: this.stream.metric('IncomingRecords', { statistic: 'Sum', period }) },
          period,
          label: 'Writes (thousand records/s, 1 per shard)',
        }),
      ],
      right: [
        this.metricTargetShards({ label: 'Shards asked for' }),
        this.metricScalingActions({ label: 'Scaling actions' }),
      ],
      leftYAxis: { min: 0, label: 'shards\' worth' },
      rightYAxis: { min: 0, label: 'shards' },
    });
  }
}

/**
 * Options of `ShardAutoscaler.scalingWidget`.
 */
export interface ScalingWidgetOptions {
  /**
   * The widget's title.
   *
   * @default 'Traffic and shard autoscaling'
   */
  readonly title?: string;
  /**
   * Width in dashboard grid units (of 24).
   *
   * @default 12
   */
  readonly width?: number;
  /**
   * Height in dashboard grid units.
   *
   * @default 6
   */
  readonly height?: number;
}

function describeAlarm(role: AlarmRole, config: Omit<StreamScalingConfig, 'streamName'>): string {
  const pct = (v: number) => `${Math.round(v * 100)}%`;
  switch (role) {
    case 'ScaleUp':
      return `Shard autoscaler (cdk-kinesis-kit): a minute's writes reached ${pct(config.scaleUpAlarmThreshold)} of the stream's capacity; the handler scales up if the peak seen or expected reaches ${pct(config.scaleUpThreshold)}. The threshold is rewritten for the stream's real shard count.`;
    case 'ScaleDown':
      return `Shard autoscaler (cdk-kinesis-kit): writes stayed at or below ${pct(config.scaleDownThreshold)} of capacity for ${config.scaleDownMinutes} minutes. The threshold is rewritten for the stream's real shard count.`;
    default:
      return 'Shard autoscaler (cdk-kinesis-kit): writes were throttled (WriteProvisionedThroughputExceeded).';
  }
}

/** Checks the props; returns the initial shard count. */
function validate(scope: Construct, props: ShardAutoscalerProps): number {
  if (props.stream instanceof KinesisStream && props.stream.streamMode === kinesis.StreamMode.ON_DEMAND) {
    throw new KinesisKitValidationError(scope,
      'autoscaling needs a provisioned stream, got an ON_DEMAND stream: on-demand streams scale themselves');
  }
  // The function addresses streams by name, with its own account's credentials, in its region.
  const stack = Stack.of(scope);
  for (const [part, theirs, ours] of [['account', props.stream.env.account, stack.account], ['region', props.stream.env.region, stack.region]]) {
    if (Token.compareStrings(theirs, ours) === TokenComparison.DIFFERENT) {
      throw new KinesisKitValidationError(scope,
        `stream must be in the stack's ${part} (${ours}): the autoscaler reaches streams by name, got a stream in ${part} ${theirs}`);
    }
  }
  checkInteger(scope, 'minShards', props.minShards);
  checkInteger(scope, 'maxShards', props.maxShards);
  checkRange(scope, 'minShards', props.minShards, 1, MAX_SHARDS_PER_STREAM);
  checkRange(scope, 'maxShards', props.maxShards, 1, MAX_SHARDS_PER_STREAM);
  if (!Token.isUnresolved(props.minShards) && !Token.isUnresolved(props.maxShards) && props.minShards > props.maxShards) {
    throw new KinesisKitValidationError(scope,
      `minShards must be no greater than maxShards, got minShards ${props.minShards} and maxShards ${props.maxShards}`);
  }

  const initial = props.initialShardCount ?? (props.stream instanceof KinesisStream ? props.stream.shardCount : undefined);
  if (initial === undefined) {
    throw new KinesisKitValidationError(scope,
      'initialShardCount is required for a stream that is not a KinesisStream of this library, got none');
  }
  checkRange(scope, 'initialShardCount', initial, props.minShards, props.maxShards);

  const target = props.targetUtilization ?? DEFAULT_SCALING.targetUtilization;
  checkRange(scope, 'targetUtilization', target, 0.1, 0.95);
  const up = props.scaleUpThreshold ?? DEFAULT_SCALING.scaleUpThreshold;
  checkRange(scope, 'scaleUpThreshold', up, 0.1, 1);
  if (up <= target) {
    throw new KinesisKitValidationError(scope,
      `scaleUpThreshold must be above targetUtilization (${target}) and at most 1, got ${up}`);
  }
  const down = props.scaleDownThreshold ?? DEFAULT_SCALING.scaleDownThreshold;
  checkRange(scope, 'scaleDownThreshold', down, 0.01, 1);
  if (down >= target) {
    throw new KinesisKitValidationError(scope,
      `scaleDownThreshold must be at least 0.01 and below targetUtilization (${target}), got ${down}`);
  }
  checkRange(scope, 'scaleUpAlarmThreshold', props.scaleUpAlarmThreshold, 0.05, 1);
  // The default (defaultScaleUpAlarmThreshold) always lies in this range.
  const alarmAt = props.scaleUpAlarmThreshold;
  if (alarmAt !== undefined && !Token.isUnresolved(up) && !Token.isUnresolved(down) && !Token.isUnresolved(alarmAt)) {
    if (alarmAt <= down || alarmAt > up) {
      throw new KinesisKitValidationError(scope,
        `scaleUpAlarmThreshold must be above scaleDownThreshold (${down}) and at most scaleUpThreshold (${up}), got ${alarmAt}`);
    }
  }
  checkInteger(scope, 'scaleDownEvaluationMinutes', props.scaleDownEvaluationMinutes);
  checkRange(scope, 'scaleDownEvaluationMinutes', props.scaleDownEvaluationMinutes, 1, 1440);
  for (const [prop, value] of [['lookback', props.lookback], ['forecastWindow', props.forecastWindow]] as const) {
    const minutes = value?.toMinutes({ integral: false });
    checkRange(scope, prop, minutes, 1, 1440, ' minutes');
    if (minutes !== undefined && !Token.isUnresolved(minutes) && !Number.isInteger(minutes)) {
      throw new KinesisKitValidationError(scope, `${prop} must be a whole number of minutes, got ${minutes} minutes`);
    }
  }
  checkInteger(scope, 'scaleUpReserve', props.scaleUpReserve);
  checkRange(scope, 'scaleUpReserve', props.scaleUpReserve, 1, MAX_CALLS_PER_24H - 1);
  checkRange(scope, 'minScaleDownRatio', props.minScaleDownRatio, 0.5, 1);
  return initial;
}

function resolveConfig(props: ShardAutoscalerProps): Omit<StreamScalingConfig, 'streamName'> {
  const scaleUpThreshold = props.scaleUpThreshold ?? DEFAULT_SCALING.scaleUpThreshold;
  const scaleDownThreshold = props.scaleDownThreshold ?? DEFAULT_SCALING.scaleDownThreshold;
  return {
    minShards: props.minShards,
    maxShards: props.maxShards,
    targetUtilization: props.targetUtilization ?? DEFAULT_SCALING.targetUtilization,
    scaleUpThreshold,
    scaleUpAlarmThreshold: props.scaleUpAlarmThreshold ?? defaultScaleUpAlarmThreshold(scaleUpThreshold, scaleDownThreshold),
    scaleDownThreshold,
    scaleDownMinutes: props.scaleDownEvaluationMinutes ?? DEFAULT_SCALING.scaleDownMinutes,
    lookbackMinutes: props.lookback?.toMinutes() ?? DEFAULT_SCALING.lookbackMinutes,
    predictive: props.predictive ?? DEFAULT_SCALING.predictive,
    forecastMinutes: props.forecastWindow?.toMinutes() ?? DEFAULT_SCALING.forecastMinutes,
    scaleUpReserve: props.scaleUpReserve ?? DEFAULT_SCALING.scaleUpReserve,
    minScaleDownRatio: props.minScaleDownRatio ?? DEFAULT_SCALING.minScaleDownRatio,
  };
}

/**
 * The parts every autoscaled stream of a stack shares: one Lambda function, its dead-letter
 * queue, its state table (each stream's call history and lock) and the rule that re-checks the
 * alarms after each deployment of the stack.
 */
class AutoscalerRuntime extends Construct {
  /** The stack-level singleton, created on first use. */
  public static of(scope: Construct): AutoscalerRuntime {
    const stack = Stack.of(scope);
    const existing = stack.node.tryFindChild(AutoscalerRuntime.ID);
    return existing instanceof AutoscalerRuntime ? existing : new AutoscalerRuntime(stack, AutoscalerRuntime.ID);
  }

  private static readonly ID = 'KinesisKitShardAutoscaler';

  public readonly function: lambda.Function;
  public readonly deadLetterQueue: sqs.Queue;
  public readonly table: dynamodb.TableV2;
  private readonly configs: StreamScalingConfig[] = [];
  /** Each config's stream name as far as known at synth, for the environment size check. */
  private readonly knownNames: Array<string | undefined> = [];

  private constructor(scope: Construct, id: string) {
    super(scope, id);

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is the dead-letter queue of the autoscaler function\'s asynchronous invocations.',
    });

    this.table = new dynamodb.TableV2(this, 'State', {
      partitionKey: { name: 'streamName', type: dynamodb.AttributeType.STRING },
      billing: dynamodb.Billing.onDemand(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryptionV2.awsManagedKey(),
      // The table holds only each stream's recent UpdateShardCount calls and a lock.
      removalPolicy: RemovalPolicy.DESTROY,
    });

    const logKey = new kms.Key(this, 'LogsKey', {
      description: 'Encrypts the logs of the cdk-kinesis-kit shard autoscaler',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    allowCloudWatchLogs(logKey);
    const logGroup = new logs.LogGroup(this, 'Logs', {
      retention: logs.RetentionDays.THREE_MONTHS,
      encryptionKey: logKey,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    this.function = new lambda.Function(this, 'Function', {
      description: 'cdk-kinesis-kit shard autoscaler: reshards Kinesis streams when their alarms fire, and ahead of peaks their history expects',
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      handler: 'index.handler',
      code: lambda.Code.fromAsset(path.join(__dirname, '..', 'assets', 'autoscaler')),
      timeout: Duration.minutes(1),
      memorySize: 256,
      logGroup,
      deadLetterQueue: this.deadLetterQueue,
      // A per-stream lock serializes decisions; this caps the function's share of the account.
      reservedConcurrentExecutions: 5,
      environment: {
        [ENV_STATE_TABLE]: this.table.tableName,
        [ENV_CONFIG]: Lazy.string({ produce: () => Stack.of(this).toJsonString(encodeConfigs(this.configs)) }),
      },
    });
    this.table.grantReadWriteData(this.function);

    // GetMetricData has no resource-level permissions.
    this.function.addToRolePolicy(new iam.PolicyStatement({
      actions: ['cloudwatch:GetMetricData'],
      resources: ['*'],
    }));

    new events.Rule(this, 'AfterDeploy', {
      description: 'Re-checks the autoscaled streams\' alarm thresholds after each deployment of this stack',
      eventPattern: {
        source: ['aws.cloudformation'],
        detailType: ['CloudFormation Stack Status Change'],
        detail: {
          'stack-id': [Aws.STACK_ID],
          'status-details': { status: ['CREATE_COMPLETE', 'UPDATE_COMPLETE', 'UPDATE_ROLLBACK_COMPLETE'] },
        },
      },
      targets: [new targets.LambdaFunction(this.function, {
        event: events.RuleTargetInput.fromObject({ action: 'reconcile' }),
        retryAttempts: 2,
      })],
    });

    new events.Rule(this, 'Schedule', {
      description: `Checks the predictive autoscaled streams for peaks their history or recent trend expects within ${SCHEDULE_AHEAD_MINUTES} minutes`,
      schedule: events.Schedule.rate(Duration.minutes(SCHEDULE_MINUTES)),
      targets: [new targets.LambdaFunction(this.function, {
        event: events.RuleTargetInput.fromObject({ action: 'schedule' }),
        // EventBridge does not retry delivery: the next check comes within SCHEDULE_MINUTES.
        // Lambda's own retries of a failed invocation, and its dead-letter queue, still apply.
        retryAttempts: 0,
      })],
    });

    Validations.of(this.function).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason: 'The AWS-managed basic execution role only lets the function write its own CloudWatch logs.',
    });
    acknowledgeComplianceRule(this.function, 'LambdaInsideVPC',
      'The autoscaler reaches only the Kinesis, CloudWatch and DynamoDB APIs, over TLS; it has no network resources to protect in a VPC.');
    acknowledgeComplianceRule(this.function, 'IAMNoInlinePolicy',
      'The function\'s inline policy is generated from grants scoped to its own streams, alarms, table and queue, and belongs to this role alone.');
    Validations.of(this.function).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'cloudwatch:GetMetricData has no resource-level permissions; every other statement names its streams, alarms and table.',
    });
  }

  /**
   * Lambda allows 4 KB of environment. A stream name not known at synth counts as the longest
   * (128 characters), the table name as 255.
   */
  private checkEnvironmentSize(): string[] {
    const sized = this.configs.map((c, i) => ({ ...c, streamName: this.knownNames[i] ?? 'x'.repeat(128) }));
    const bytes = ENV_CONFIG.length + ENV_STATE_TABLE.length + 255 + JSON.stringify(encodeConfigs(sized)).length;
    if (bytes <= LAMBDA_ENVIRONMENT_BYTES) {
      return [];
    }
    return [`${this.node.path}: the ${this.configs.length} autoscaled streams of this stack need up to ${bytes} bytes of the autoscaler function's environment, above Lambda's ${LAMBDA_ENVIRONMENT_BYTES}; give the streams names (streamName) or spread them over more stacks`];
  }

  /**
   * Makes the alarm invoke the function directly (a Lambda alarm action), with a permission
   * scoped to that alarm. aws-cdk-lib's LambdaAction names its permission after the alarm's id
   * only, which collides when several streams' alarms share one function.
   */
  public invokeFrom(alarm: cloudwatch.Alarm): void {
    this.function.addPermission(`Invoke${Names.nodeUniqueId(alarm.node)}`, {
      principal: new iam.ServicePrincipal('lambda.alarms.cloudwatch.amazonaws.com'),
      sourceArn: alarm.alarmArn,
      sourceAccount: Aws.ACCOUNT_ID,
    });
    alarm.addAlarmAction({ bind: () => ({ alarmActionArn: this.function.functionArn }) });
  }

  /** Adds a stream: its settings for the handler, and IAM scoped to the stream and its alarms. */
  public register(stream: IKinesisStream, config: Omit<StreamScalingConfig, 'streamName'>): void {
    this.configs.push({ streamName: stream.streamName, ...config });
    const given = stream instanceof KinesisStream ? stream.givenStreamName : undefined;
    this.knownNames.push(!Token.isUnresolved(stream.streamName) ? stream.streamName : (given && !Token.isUnresolved(given) ? given : undefined));
    if (this.configs.length === 1) {
      this.node.addValidation({ validate: () => this.checkEnvironmentSize() });
    }
    this.function.addToRolePolicy(new iam.PolicyStatement({
      actions: ['kinesis:DescribeStreamSummary', 'kinesis:UpdateShardCount'],
      resources: [stream.streamArn],
    }));
    this.function.addToRolePolicy(new iam.PolicyStatement({
      actions: ['cloudwatch:DescribeAlarms', 'cloudwatch:PutMetricAlarm', 'cloudwatch:SetAlarmState'],
      // ARNs from the alarms' names, not their resources: the alarms' actions already refer to
      // the function, and a reference back would make a dependency cycle.
      resources: ALARM_ROLES.map((role) => Stack.of(this).formatArn({
        service: 'cloudwatch',
        resource: 'alarm',
        resourceName: alarmName(stream.streamName, role),
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      })),
    }));
  }
}
