/**
 * The shard autoscaler's Lambda handler logic, with its AWS clients injected so that tests can
 * run it against mocks or a real Kinesis-compatible server. `index.ts` wires the real clients.
 */
import {
  CloudWatchClient,
  ComparisonOperator,
  DescribeAlarmsCommand,
  GetMetricDataCommand,
  MetricAlarm,
  MetricDataQuery,
  PutMetricAlarmCommand,
  PutMetricAlarmCommandInput,
  SetAlarmStateCommand,
} from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { DescribeStreamSummaryCommand, KinesisClient, UpdateShardCountCommand } from '@aws-sdk/client-kinesis';
import { alarmsToReset, decide, Decision, HistoryWindow, LEVEL_MINUTES, MinuteMetrics, peakWrittenShards, Trigger } from './policy';
import {
  AlarmRole,
  alarmName,
  AlarmSpec,
  alarmSpecs,
  DAY_MS,
  METRICS_NAMESPACE,
  MINUTE_MS,
  parseAlarmName,
  StreamScalingConfig,
} from '../../src/private/autoscaler-config';

export interface HandlerDeps {
  readonly kinesis: KinesisClient;
  /**
   * The client UpdateShardCount is sent with. One attempt, so that a reshard whose response is
   * lost is not retried into a ResourceInUseException, and a refusal is not retried as a throttle.
   * Defaults to `kinesis`.
   */
  readonly kinesisReshard?: KinesisClient;
  readonly cloudwatch: CloudWatchClient;
  readonly dynamodb: DynamoDBClient;
  readonly tableName: string;
  readonly streams: StreamScalingConfig[];
  /** Clock, epoch milliseconds. */
  readonly now?: () => number;
  /** Where structured log lines go; one JSON object per call. */
  readonly log?: (line: Record<string, unknown>) => void;
}

/** The event CloudWatch sends to a Lambda alarm action (only the fields used here). */
export interface AlarmEvent {
  readonly source: 'aws.cloudwatch';
  readonly alarmArn?: string;
  readonly alarmData: {
    readonly alarmName: string;
    readonly state: { readonly value: string; readonly reason?: string };
  };
}

/** A request to re-check every stream (sent after each stack deployment, or by hand). */
export interface ReconcileEvent {
  readonly 'source'?: string;
  readonly 'action'?: 'reconcile';
  readonly 'detail-type'?: string;
}

/** The scheduled check for peaks that history or the recent trend expects soon (every `SCHEDULE_MINUTES`). */
export interface ScheduleEvent {
  readonly action: 'schedule';
}

export type AutoscalerEvent = AlarmEvent | ReconcileEvent | ScheduleEvent;

/** The outcome of one stream's handling, for logs and tests. */
export interface Outcome {
  readonly streamName: string;
  readonly trigger: Trigger;
  /** requested | skipped | failed | ignored */
  readonly outcome: string;
  readonly decision?: Decision;
  readonly message: string;
}

/** How long an invocation holds a stream's lock at most. */
const LOCK_MS = 2 * MINUTE_MS;

/** The last minutes that CloudWatch may not have published yet when the function runs. */
export const UNPUBLISHED_MINUTES = 2;

/** Minutes in 24 hours: the recent read covers them (see `readMetrics`). */
const DAY_MINUTES = DAY_MS / MINUTE_MS;

/** Kinesis and CloudWatch error names that mean "try again later", not a bug. */
const THROTTLING_ERRORS = new Set(['ThrottlingException', 'Throttling', 'LimitExceededException', 'TooManyRequestsException', 'ProvisionedThroughputExceededException', 'RequestLimitExceeded']);

export function createHandler(deps: HandlerDeps): (event: AutoscalerEvent) => Promise<Outcome[]> {
  const now = deps.now ?? Date.now;
  const log = deps.log ?? ((line) => console.log(JSON.stringify(line)));
  const byName = new Map(deps.streams.map((s) => [s.streamName, s]));

  return async (event) => {
    if (isAlarmEvent(event)) {
      const parsed = parseAlarmName(event.alarmData.alarmName);
      const config = parsed && byName.get(parsed.streamName);
      if (!parsed || !config) {
        const outcome: Outcome = {
          streamName: parsed?.streamName ?? 'unknown',
          trigger: parsed?.role ?? 'Reconcile',
          outcome: 'ignored',
          message: `alarm ${event.alarmData.alarmName} is not one of this autoscaler's alarms`,
        };
        log({ level: 'WARN', ...outcomeFields(outcome) });
        return [outcome];
      }
      if (event.alarmData.state.value !== 'ALARM') {
        const outcome: Outcome = { streamName: config.streamName, trigger: parsed.role, outcome: 'ignored', message: `alarm state is ${event.alarmData.state.value}` };
        log({ level: 'INFO', ...outcomeFields(outcome) });
        return [outcome];
      }
      return [await handleStream(config, parsed.role)];
    }
    // Reconcile: after a deployment, every stream's alarms get thresholds for its real shard count.
    // Schedule: every predictive stream is checked for a peak that history or its trend expects soon.
    // One stream's unexpected error does not stop the others; it is rethrown at the end.
    const scheduled = (event as ScheduleEvent).action === 'schedule';
    const outcomes: Outcome[] = [];
    const errors: unknown[] = [];
    for (const config of deps.streams.filter((c) => !scheduled || c.predictive)) {
      try {
        outcomes.push(await handleStream(config, scheduled ? 'Schedule' : 'Reconcile'));
      } catch (err) {
        errors.push(err);
      }
    }
    if (errors.length > 0) {
      throw errors[0];
    }
    return outcomes;
  };

  async function handleStream(config: StreamScalingConfig, trigger: Trigger): Promise<Outcome> {
    let shards: number | undefined;
    let resharded = false;
    try {
      const outcome = await decideAndAct(config, trigger, (n, afterReshard) => {
        shards = n;
        resharded = afterReshard;
      });
      return outcome;
    } finally {
      // A persisting condition triggers the handler again only if its alarm leaves ALARM: put it
      // back to OK, also when this invocation was skipped (another one holds the lock) or failed.
      for (const role of alarmsToReset(trigger, shards, resharded, config)) {
        await resetAlarm(config, role);
      }
    }
  }

  async function resetAlarm(config: StreamScalingConfig, role: AlarmRole): Promise<void> {
    await deps.cloudwatch.send(new SetAlarmStateCommand({
      AlarmName: alarmName(config.streamName, role),
      StateValue: 'OK',
      StateReason: 'Handled by the cdk-kinesis-kit shard autoscaler; evaluated again at the next period.',
    })).catch((err) => warn(config, 'SetAlarmState', err));
  }

  async function decideAndAct(
    config: StreamScalingConfig, trigger: Trigger, seen: (shards: number, afterReshard: boolean) => void,
  ): Promise<Outcome> {
    const streamName = config.streamName;
    const owner = `${now()}-${Math.random().toString(36).slice(2)}`;
    let calls: number[];
    try {
      const lock = await acquireLock(streamName, owner);
      if (!lock) {
        return report(config, trigger, 'skipped', 'another invocation is handling this stream (a duplicate or concurrent alarm, or a scheduled check)');
      }
      calls = lock;
    } catch (err) {
      return failure(config, trigger, 'DynamoDB', err);
    }

    try {
      let summary;
      try {
        summary = (await deps.kinesis.send(new DescribeStreamSummaryCommand({ StreamName: streamName }))).StreamDescriptionSummary;
      } catch (err) {
        return failure(config, trigger, 'DescribeStreamSummary', err);
      }
      if (!summary) {
        return report(config, trigger, 'failed', 'DescribeStreamSummary returned no summary');
      }
      const streamMode = summary.StreamModeDetails?.StreamMode ?? 'PROVISIONED';
      const openShards = summary.OpenShardCount ?? 0;
      seen(openShards, false);

      let metrics;
      try {
        metrics = await readMetrics(config);
      } catch (err) {
        return failure(config, trigger, 'GetMetricData', err);
      }

      const decision = decide({
        now: now(),
        trigger,
        config,
        streamMode,
        streamStatus: summary.StreamStatus ?? 'UNKNOWN',
        openShardCount: openShards,
        recent: metrics.recent,
        history: metrics.history,
        calls,
        dayPeakShards: metrics.dayPeakShards,
      });

      if (decision.action === 'none') {
        if (streamMode === 'PROVISIONED' && summary.StreamStatus === 'ACTIVE') {
          await syncAlarms(config, openShards).catch((err) => warn(config, 'PutMetricAlarm', err));
        }
        return report(config, trigger, 'skipped', decision.reason, decision);
      }

      try {
        await (deps.kinesisReshard ?? deps.kinesis).send(new UpdateShardCountCommand({
          StreamName: streamName,
          TargetShardCount: decision.targetShards,
          ScalingType: 'UNIFORM_SCALING',
        }));
      } catch (err) {
        // Kinesis refused it (a 4xx error): nothing changed. Any other failure (a 5xx, a timeout, a
        // lost connection) may have come after the reshard was applied: it counts against the
        // 24-hour budget, so that the budget errs on the side of fewer calls.
        if ((err as { $fault?: string }).$fault !== 'client') {
          await recordCall(streamName, owner, [...calls, now()]);
        }
        return failure(config, trigger, 'UpdateShardCount', err, decision);
      }
      const recorded = await recordCall(streamName, owner, [...calls, now()]);
      seen(decision.targetShards, true);
      // The new count applies when the stream is ACTIVE again; the alarms move to it now, so that
      // ScaleUp does not fire again for a capacity already on its way. Throttles still alarm.
      await syncAlarms(config, decision.targetShards).catch((err) => warn(config, 'PutMetricAlarm', err));
      // A call that could not be recorded makes the budget look larger than it is: it counts as a
      // failure, so that an alarm on Failures sees it.
      return recorded
        ? report(config, trigger, 'requested', decision.reason, decision)
        : report(config, trigger, 'requested', `${decision.reason}; the call could not be recorded in the state table`, decision, true);
    } finally {
      await releaseLock(streamName, owner).catch((err) => warn(config, 'DynamoDB', err));
    }
  }

  /** A log line for a failed side call that does not change the decision (no metrics). */
  function warn(config: StreamScalingConfig, call: string, err: unknown): void {
    log({ level: 'WARN', StreamName: config.streamName, message: `${call} failed: ${errorText(err)}` });
  }

  /** Takes the stream's lock; returns its UpdateShardCount history, or undefined if held. */
  async function acquireLock(streamName: string, owner: string): Promise<number[] | undefined> {
    const t = now();
    try {
      const out = await deps.dynamodb.send(new UpdateItemCommand({
        TableName: deps.tableName,
        Key: { streamName: { S: streamName } },
        UpdateExpression: 'SET lockUntil = :until, lockOwner = :owner',
        ConditionExpression: 'attribute_not_exists(lockUntil) OR lockUntil < :now',
        ExpressionAttributeValues: {
          ':until': { N: String(t + LOCK_MS) },
          ':owner': { S: owner },
          ':now': { N: String(t) },
        },
        ReturnValues: 'ALL_NEW',
      }));
      return (out.Attributes?.calls?.L ?? []).map((v) => Number(v.N)).filter((v) => Number.isFinite(v));
    } catch (err) {
      if ((err as Error).name === 'ConditionalCheckFailedException') {
        return undefined;
      }
      throw err;
    }
  }

  /** Stores the call history, dropping calls older than 24 hours; false if that failed. */
  async function recordCall(streamName: string, owner: string, calls: number[]): Promise<boolean> {
    const since = now() - DAY_MS;
    return deps.dynamodb.send(new UpdateItemCommand({
      TableName: deps.tableName,
      Key: { streamName: { S: streamName } },
      UpdateExpression: 'SET calls = :calls',
      ConditionExpression: 'lockOwner = :owner',
      ExpressionAttributeValues: {
        ':calls': { L: calls.filter((c) => c > since).map((c) => ({ N: String(c) })) },
        ':owner': { S: owner },
      },
    })).then(() => true, (err) => {
      // The call went through; losing its record only makes the budget look larger than it is,
      // and Kinesis's own limit (LimitExceededException) still applies.
      log({ level: 'ERROR', StreamName: streamName, message: 'could not record the UpdateShardCount call', error: errorText(err) });
      return false;
    });
  }

  async function releaseLock(streamName: string, owner: string): Promise<void> {
    await deps.dynamodb.send(new UpdateItemCommand({
      TableName: deps.tableName,
      Key: { streamName: { S: streamName } },
      UpdateExpression: 'SET lockUntil = :zero',
      ConditionExpression: 'lockOwner = :owner',
      ExpressionAttributeValues: { ':zero': { N: '0' }, ':owner': { S: owner } },
    })).catch((err) => {
      if ((err as Error).name !== 'ConditionalCheckFailedException') {
        throw err;
      }
    });
  }

  /**
   * Reads the last 24 hours of minutes, whose last `lookbackMinutes` are `recent` and whose
   * busiest minute of successful writes is `dayPeakShards`; and, when predictive, the same time
   * a week and a day ago (one query each): the `LEVEL_MINUTES` that end at the clock minute
   * `recent` ends at, and the `forecastMinutes` that follow them.
   *
   * CloudWatch publishes a minute's datapoints a minute or two after it ends. The last
   * `UNPUBLISHED_MINUTES` minutes, if they have no datapoint yet, are not read as quiet minutes:
   * `recent` ends with the last published one, as in the benchmark.
   */
  async function readMetrics(config: StreamScalingConfig): Promise<{ recent: MinuteMetrics[]; history: HistoryWindow[]; dayPeakShards: number }> {
    const lookback = Math.min(config.lookbackMinutes, DAY_MINUTES);
    const current = Math.floor(now() / MINUTE_MS) * MINUTE_MS;
    // The last 24 hours: the lookback is their end, and their busiest minute is what a scale-down
    // must be able to climb back to.
    const read = await readWindow(config.streamName, current - (DAY_MINUTES + UNPUBLISHED_MINUTES) * MINUTE_MS, current);
    const unpublished = Math.min(UNPUBLISHED_MINUTES, read.minutes.length - 1 - read.lastPublished);
    const end = current - unpublished * MINUTE_MS;
    const day = read.minutes.slice(UNPUBLISHED_MINUTES - unpublished, UNPUBLISHED_MINUTES - unpublished + DAY_MINUTES);
    const recent = day.slice(DAY_MINUTES - lookback);
    const dayPeakShards = peakWrittenShards(day);
    const history: HistoryWindow[] = [];
    if (config.predictive) {
      for (const offset of [7 * DAY_MS, DAY_MS]) {
        // One window, split where `recent` ends, a week or a day earlier.
        const then = end - offset;
        const { minutes: window } = await readWindow(config.streamName, then - LEVEL_MINUTES * MINUTE_MS, then + config.forecastMinutes * MINUTE_MS);
        const after = window.slice(LEVEL_MINUTES);
        if (after.some((m) => m.incomingRecords > 0 || m.throttledRecords > 0)) {
          history.push({ before: window.slice(0, LEVEL_MINUTES), after });
        }
      }
    }
    return { recent, history, dayPeakShards };
  }

  /**
   * One minute per entry from `start` (inclusive) to `end` (exclusive); missing minutes are zero.
   * `lastPublished` is the index of the last minute with any datapoint, -1 if none has one.
   */
  async function readWindow(streamName: string, start: number, end: number): Promise<{ minutes: MinuteMetrics[]; lastPublished: number }> {
    const query = (id: string, metricName: string): MetricDataQuery => ({
      Id: id,
      MetricStat: {
        Metric: { Namespace: 'AWS/Kinesis', MetricName: metricName, Dimensions: [{ Name: 'StreamName', Value: streamName }] },
        Period: 60,
        Stat: 'Sum',
      },
    });
    const values: Record<string, Map<number, number>> = { bytes: new Map(), records: new Map(), throttled: new Map() };
    let nextToken: string | undefined;
    do {
      const out = await deps.cloudwatch.send(new GetMetricDataCommand({
        StartTime: new Date(start),
        EndTime: new Date(end),
        MetricDataQueries: [
          query('bytes', 'IncomingBytes'),
          query('records', 'IncomingRecords'),
          query('throttled', 'WriteProvisionedThroughputExceeded'),
        ],
        NextToken: nextToken,
      }));
      for (const result of out.MetricDataResults ?? []) {
        // PartialData means more pages follow (NextToken); anything else but Complete is a failed
        // read, which must not be taken for minutes without writes.
        if (result.StatusCode && result.StatusCode !== 'Complete' && result.StatusCode !== 'PartialData') {
          const err = new Error(`${result.Id}: StatusCode ${result.StatusCode}`);
          err.name = 'IncompleteMetricData';
          throw err;
        }
        const target = values[result.Id ?? ''];
        (result.Timestamps ?? []).forEach((ts, i) => target?.set(new Date(ts).getTime(), result.Values?.[i] ?? 0));
      }
      nextToken = out.NextToken;
    } while (nextToken);

    const minutes: MinuteMetrics[] = [];
    let lastPublished = -1;
    for (let t = start; t < end; t += MINUTE_MS) {
      if (Object.values(values).some((v) => v.has(t))) {
        lastPublished = minutes.length;
      }
      minutes.push({
        incomingBytes: values.bytes.get(t) ?? 0,
        incomingRecords: values.records.get(t) ?? 0,
        throttledRecords: values.throttled.get(t) ?? 0,
      });
    }
    return { minutes, lastPublished };
  }

  /**
   * Gives the ScaleUp and ScaleDown alarms the thresholds for `shards`. A deployment resets them
   * to the template's values, computed for the template's shard count: this is how they follow
   * the stream's real count (after each scaling, each alarm invocation and each deployment).
   *
   * The other fields the stream's settings decide (evaluation periods, datapoints to alarm,
   * comparison, missing data) are written from this function's settings too, not copied from
   * DescribeAlarms. A deployment that changed one of them while an earlier rewrite was between
   * its read and its write has that change put back by the reconcile that follows it.
   */
  async function syncAlarms(config: StreamScalingConfig, shards: number): Promise<void> {
    const specs = alarmSpecs(config, shards).filter((spec) => spec.role !== 'Throttled');
    const out = await deps.cloudwatch.send(new DescribeAlarmsCommand({
      AlarmNames: specs.map((spec) => alarmName(config.streamName, spec.role)),
      AlarmTypes: ['MetricAlarm'],
    }));
    for (const alarm of out.MetricAlarms ?? []) {
      const spec = specs.find((sp) => alarmName(config.streamName, sp.role) === alarm.AlarmName);
      if (!spec) {
        continue;
      }
      const owned = ownedAlarmFields(spec);
      const current: Record<keyof typeof owned, unknown> = {
        Threshold: alarm.Threshold,
        EvaluationPeriods: alarm.EvaluationPeriods,
        // Without DatapointsToAlarm, CloudWatch uses EvaluationPeriods.
        DatapointsToAlarm: alarm.DatapointsToAlarm ?? alarm.EvaluationPeriods,
        ComparisonOperator: alarm.ComparisonOperator,
        TreatMissingData: alarm.TreatMissingData,
      };
      const changes = (Object.keys(owned) as (keyof typeof owned)[])
        .filter((field) => current[field] !== owned[field])
        .map((field) => `${field} ${current[field]} -> ${owned[field]}`);
      if (changes.length === 0) {
        continue;
      }
      await deps.cloudwatch.send(new PutMetricAlarmCommand({ ...alarmDefinition(alarm), ...owned }));
      log({ level: 'INFO', StreamName: config.streamName, message: `alarm ${alarm.AlarmName}: ${changes.join(', ')} for ${shards} shards` });
    }
  }

  function report(
    config: StreamScalingConfig, trigger: Trigger, outcome: string, message: string, decision?: Decision, failedSideCall = false,
  ): Outcome {
    const t = now();
    const scaled = outcome === 'requested' ? 1 : 0;
    log({
      // Embedded metric format: CloudWatch turns this log line into metrics.
      _aws: {
        Timestamp: t,
        CloudWatchMetrics: [{
          Namespace: METRICS_NAMESPACE,
          Dimensions: [['StreamName']],
          Metrics: [
            { Name: 'Decisions', Unit: 'Count' },
            { Name: 'ScalingActions', Unit: 'Count' },
            { Name: 'ScaleUps', Unit: 'Count' },
            { Name: 'ScaleDowns', Unit: 'Count' },
            { Name: 'Failures', Unit: 'Count' },
            { Name: 'AtMaxShards', Unit: 'Count' },
            ...(decision ? [
              { Name: 'CurrentShards', Unit: 'Count' },
              { Name: 'TargetShards', Unit: 'Count' },
              { Name: 'DesiredShards', Unit: 'Count' },
            ] : []),
          ],
        }],
      },
      level: outcome === 'failed' ? 'ERROR' : 'INFO',
      StreamName: config.streamName,
      trigger,
      outcome,
      action: decision?.action ?? 'none',
      message,
      Decisions: 1,
      ScalingActions: scaled,
      ScaleUps: scaled && decision?.action === 'scale-up' ? 1 : 0,
      ScaleDowns: scaled && decision?.action === 'scale-down' ? 1 : 0,
      Failures: outcome === 'failed' || failedSideCall ? 1 : 0,
      AtMaxShards: decision && decision.desiredShards > config.maxShards && decision.currentShards >= config.maxShards ? 1 : 0,
      ...(decision ? {
        CurrentShards: decision.currentShards,
        TargetShards: decision.targetShards,
        DesiredShards: decision.desiredShards,
        recentPeakShards: round(decision.recentPeakShards),
        forecastPeakShards: round(decision.forecastPeakShards),
        historyScale: round(decision.historyScale),
        callsInLast24h: decision.callsInLast24h,
      } : {}),
    });
    return { streamName: config.streamName, trigger, outcome, decision, message };
  }

  /** Logs a failed AWS call with what it means; unexpected errors are rethrown for Lambda's retries and DLQ. */
  function failure(config: StreamScalingConfig, trigger: Trigger, call: string, err: unknown, decision?: Decision): Outcome {
    const name = (err as Error)?.name ?? 'Error';
    let meaning: string;
    if (name === 'ResourceInUseException') {
      meaning = 'the stream is being updated or is not ACTIVE; the next alarm period or scheduled check tries again';
    } else if (name === 'ResourceNotFoundException') {
      meaning = 'the stream or alarm does not exist (deleted, or not yet created); nothing was changed';
    } else if (name === 'LimitExceededException' && call === 'UpdateShardCount') {
      meaning = 'Kinesis refused the reshard (the 24 h call limit, the shard limit, or the rate limit); nothing was changed';
    } else if (THROTTLING_ERRORS.has(name)) {
      meaning = 'the API call was throttled after retries; the next alarm period or scheduled check tries again';
    } else if (name === 'IncompleteMetricData') {
      meaning = 'CloudWatch did not return the stream\'s metrics; nothing was changed; the next alarm period or scheduled check tries again';
    } else if (name === 'InvalidArgumentException') {
      meaning = 'Kinesis rejected the target shard count; nothing was changed';
    } else {
      report(config, trigger, 'failed', `${call} failed: ${errorText(err)}`, decision);
      throw err;
    }
    // The error's own message, where it says more than its name (which query, which status).
    const message = (err as Error)?.message;
    const detail = message && message !== name ? ` (${message})` : '';
    return report(config, trigger, 'failed', `${call} failed with ${name}${detail}: ${meaning}`, decision);
  }
}

/** An outcome as log fields, with the `StreamName` key every log line uses. */
function outcomeFields(outcome: Outcome): Record<string, unknown> {
  return { StreamName: outcome.streamName, trigger: outcome.trigger, outcome: outcome.outcome, message: outcome.message };
}

function isAlarmEvent(event: AutoscalerEvent): event is AlarmEvent {
  return (event as AlarmEvent).source === 'aws.cloudwatch' && (event as AlarmEvent).alarmData !== undefined;
}

/**
 * The PutMetricAlarm input that recreates an alarm as DescribeAlarms returned it. An alarm on
 * metric math (`Metrics`) takes none of the single-metric fields.
 */
export function alarmDefinition(alarm: MetricAlarm): PutMetricAlarmCommandInput {
  const single = (alarm.Metrics ?? []).length === 0;
  return {
    AlarmName: alarm.AlarmName,
    AlarmDescription: alarm.AlarmDescription,
    ActionsEnabled: alarm.ActionsEnabled,
    OKActions: alarm.OKActions,
    AlarmActions: alarm.AlarmActions,
    InsufficientDataActions: alarm.InsufficientDataActions,
    ...(single ? {
      MetricName: alarm.MetricName,
      Namespace: alarm.Namespace,
      Statistic: alarm.Statistic,
      ExtendedStatistic: alarm.ExtendedStatistic,
      Dimensions: alarm.Dimensions,
      Period: alarm.Period,
      Unit: alarm.Unit,
    } : {}),
    EvaluationPeriods: alarm.EvaluationPeriods,
    DatapointsToAlarm: alarm.DatapointsToAlarm,
    Threshold: alarm.Threshold,
    ComparisonOperator: alarm.ComparisonOperator,
    TreatMissingData: alarm.TreatMissingData,
    EvaluateLowSampleCountPercentile: alarm.EvaluateLowSampleCountPercentile,
    Metrics: alarm.Metrics,
    ThresholdMetricId: alarm.ThresholdMetricId,
    EvaluationWindow: alarm.EvaluationWindow,
    WarmUpConfiguration: alarm.WarmUpConfiguration,
    EvaluationCriteria: alarm.EvaluationCriteria,
    EvaluationInterval: alarm.EvaluationInterval,
    ActionConfiguration: alarm.ActionConfiguration,
  };
}

/** The alarm fields that the stream's settings and shard count decide. */
export function ownedAlarmFields(spec: AlarmSpec): {
  Threshold: number;
  EvaluationPeriods: number;
  DatapointsToAlarm: number;
  ComparisonOperator: ComparisonOperator;
  TreatMissingData: string;
} {
  return {
    Threshold: spec.threshold,
    EvaluationPeriods: spec.evaluationPeriods,
    DatapointsToAlarm: spec.datapointsToAlarm,
    ComparisonOperator: spec.comparison,
    TreatMissingData: spec.treatMissingData,
  };
}

function errorText(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
