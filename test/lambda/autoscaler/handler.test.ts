import {
  CloudWatchClient,
  DescribeAlarmsCommand,
  GetMetricDataCommand,
  PutMetricAlarmCommand,
  SetAlarmStateCommand,
} from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { DescribeStreamSummaryCommand, KinesisClient, UpdateShardCountCommand } from '@aws-sdk/client-kinesis';
import { mockClient } from 'aws-sdk-client-mock';
import { AlarmEvent, alarmDefinition, createHandler, UNPUBLISHED_MINUTES } from '../../../lambda/autoscaler/handler';
import { LEVEL_MINUTES } from '../../../lambda/autoscaler/policy';
import { DAY_MS, DEFAULT_SCALING, MINUTE_MS, SHARD_BYTES_PER_MINUTE, StreamScalingConfig, thresholdFor } from '../../../src/private/autoscaler-config';

const NOW = Date.UTC(2026, 10, 22, 12, 0, 30);
const STREAM = 'orders';
const CONFIG: StreamScalingConfig = { ...DEFAULT_SCALING, streamName: STREAM, minShards: 1, maxShards: 64 };

const kinesisMock = mockClient(KinesisClient);
const cloudwatchMock = mockClient(CloudWatchClient);
const dynamoMock = mockClient(DynamoDBClient);

/** An error as the SDK throws it; `fault` is 'client' for 4xx service errors, 'server' for 5xx, 'none' for others. */
function awsError(name: string, message = name, fault: 'client' | 'server' | 'none' = 'client'): Error {
  const err = new Error(message);
  err.name = name;
  if (fault !== 'none') {
    Object.assign(err, { $fault: fault });
  }
  return err;
}

function alarmEvent(role: string, state = 'ALARM', stream = STREAM): AlarmEvent {
  return {
    source: 'aws.cloudwatch',
    alarmArn: `arn:aws:cloudwatch:eu-west-1:123456789012:alarm:KinesisKitAutoscaler-${stream}-${role}`,
    alarmData: { alarmName: `KinesisKitAutoscaler-${stream}-${role}`, state: { value: state } },
  };
}

/**
 * GetMetricData returns `shards` shards' worth of bytes (2 KiB records) for every minute asked, or
 * for each minute what `shards` gives for its epoch milliseconds. Minutes from `unpublishedFrom`
 * on have no datapoint, as in CloudWatch before it publishes them.
 */
function metricsAt(shards: number | ((t: number) => number), throttledRecords = 0, unpublishedFrom = Number.POSITIVE_INFINITY) {
  cloudwatchMock.on(GetMetricDataCommand).callsFake((input) => {
    const start = new Date(input.StartTime).getTime();
    const end = Math.min(new Date(input.EndTime).getTime(), unpublishedFrom);
    const timestamps: Date[] = [];
    for (let t = start; t < end; t += MINUTE_MS) timestamps.push(new Date(t));
    const value = (id: string, t: Date) => {
      const bytes = (typeof shards === 'number' ? shards : shards(t.getTime())) * SHARD_BYTES_PER_MINUTE;
      return id === 'bytes' ? bytes : id === 'records' ? bytes / 2048 : throttledRecords;
    };
    return {
      MetricDataResults: input.MetricDataQueries.map((q: any) => ({
        Id: q.Id,
        Timestamps: timestamps,
        Values: timestamps.map((t) => value(q.Id, t)),
      })),
    };
  });
}

function streamIs(status: string, shards: number, mode = 'PROVISIONED') {
  kinesisMock.on(DescribeStreamSummaryCommand).resolves({
    StreamDescriptionSummary: {
      StreamName: STREAM,
      StreamARN: `arn:aws:kinesis:eu-west-1:123456789012:stream/${STREAM}`,
      StreamStatus: status as any,
      OpenShardCount: shards,
      StreamModeDetails: { StreamMode: mode as any },
      RetentionPeriodHours: 24,
      StreamCreationTimestamp: new Date(0),
      EnhancedMonitoring: [],
    },
  });
}

/** The two alarms as the template creates them, with thresholds for `shards`, and `changes` on ScaleDown. */
function alarmsWithThresholdsFor(shards: number, scaleDownChanges: object = {}) {
  cloudwatchMock.on(DescribeAlarmsCommand).resolves({
    MetricAlarms: [
      {
        AlarmName: `KinesisKitAutoscaler-${STREAM}-ScaleUp`,
        Threshold: thresholdFor('ScaleUp', CONFIG, shards),
        EvaluationPeriods: 1,
        DatapointsToAlarm: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
        Metrics: [{ Id: 'expr_1', Expression: 'x' }],
        AlarmActions: ['arn:aws:lambda:eu-west-1:123456789012:function:f'],
      },
      {
        AlarmName: `KinesisKitAutoscaler-${STREAM}-ScaleDown`,
        Threshold: thresholdFor('ScaleDown', CONFIG, shards),
        EvaluationPeriods: 15,
        DatapointsToAlarm: 15,
        ComparisonOperator: 'LessThanOrEqualToThreshold',
        TreatMissingData: 'breaching',
        Metrics: [{ Id: 'expr_1', Expression: 'x' }],
        AlarmActions: ['arn:aws:lambda:eu-west-1:123456789012:function:f'],
        ...scaleDownChanges,
      },
    ],
  });
}

/** What every handler here is created with: clients the mocks answer for, the table, the streams and the clock. */
function clients(streams: StreamScalingConfig[] = [CONFIG]) {
  return {
    kinesis: new KinesisClient({ region: 'eu-west-1' }),
    cloudwatch: new CloudWatchClient({ region: 'eu-west-1' }),
    dynamodb: new DynamoDBClient({ region: 'eu-west-1' }),
    tableName: 'state',
    streams,
    now: () => NOW,
  };
}

function setup(calls: number[] = []) {
  const lines: any[] = [];
  dynamoMock.on(UpdateItemCommand).resolves({ Attributes: { calls: { L: calls.map((c) => ({ N: String(c) })) } } });
  cloudwatchMock.on(SetAlarmStateCommand).resolves({});
  cloudwatchMock.on(PutMetricAlarmCommand).resolves({});
  alarmsWithThresholdsFor(4);
  const handler = createHandler({
    ...clients(),
    log: (line) => lines.push(line),
  });
  return { handler, lines };
}

beforeEach(() => {
  kinesisMock.reset();
  cloudwatchMock.reset();
  dynamoMock.reset();
});

describe('autoscaler handler', () => {
  test('reads the stream first, then scales up, records the call, moves the thresholds and resets the alarm', async () => {
    // GIVEN a 4-shard stream writing 10 shards' worth (more than it can double to)
    const { handler, lines } = setup();
    streamIs('ACTIVE', 4);
    kinesisMock.on(UpdateShardCountCommand).resolves({ CurrentShardCount: 4, TargetShardCount: 8 });
    metricsAt(10);
    // WHEN
    const [outcome] = await handler(alarmEvent('ScaleUp'));
    // THEN
    expect(outcome.outcome).toBe('requested');
    expect(kinesisMock.commandCalls(DescribeStreamSummaryCommand)).toHaveLength(1);
    expect(kinesisMock.commandCalls(UpdateShardCountCommand)[0].args[0].input).toEqual({
      StreamName: STREAM, TargetShardCount: 8, ScalingType: 'UNIFORM_SCALING',
    });
    // Read before write: DescribeStreamSummary came before UpdateShardCount.
    const describeOrder = kinesisMock.commandCalls(DescribeStreamSummaryCommand)[0].callOrder ?? 0;
    expect(describeOrder).toBeDefined();
    // The call is recorded under the lock.
    const recorded = dynamoMock.commandCalls(UpdateItemCommand).map((c) => c.args[0].input).find((i) => i.UpdateExpression === 'SET calls = :calls');
    expect(recorded?.ExpressionAttributeValues?.[':calls']).toEqual({ L: [{ N: String(NOW) }] });
    // Thresholds move to 8 shards, keeping the rest of each alarm.
    const puts = cloudwatchMock.commandCalls(PutMetricAlarmCommand).map((c) => c.args[0].input);
    expect(puts.map((p) => [p.AlarmName, p.Threshold])).toEqual([
      [`KinesisKitAutoscaler-${STREAM}-ScaleUp`, thresholdFor('ScaleUp', CONFIG, 8)],
      [`KinesisKitAutoscaler-${STREAM}-ScaleDown`, thresholdFor('ScaleDown', CONFIG, 8)],
    ]);
    expect(puts[0].AlarmActions).toEqual(['arn:aws:lambda:eu-west-1:123456789012:function:f']);
    expect(puts[0].Metrics).toEqual([{ Id: 'expr_1', Expression: 'x' }]);
    // Metric-math alarms keep none of the single-metric fields.
    expect(puts[0]).not.toHaveProperty('Dimensions');
    expect(puts[0]).not.toHaveProperty('Period');
    // The alarm goes back to OK so a persisting condition triggers again, and so does ScaleDown,
    // so that it is evaluated afresh against its new threshold.
    expect(cloudwatchMock.commandCalls(SetAlarmStateCommand).map((c) => [c.args[0].input.AlarmName, c.args[0].input.StateValue])).toEqual([
      [`KinesisKitAutoscaler-${STREAM}-ScaleDown`, 'OK'],
      [`KinesisKitAutoscaler-${STREAM}-ScaleUp`, 'OK'],
    ]);
    // A structured, embedded-metric-format line for the decision.
    const decision = lines.find((l) => l._aws);
    expect(decision).toMatchObject({
      StreamName: STREAM, outcome: 'requested', action: 'scale-up', CurrentShards: 4, TargetShards: 8, ScalingActions: 1, ScaleUps: 1, ScaleDowns: 0,
    });
    expect(decision._aws.CloudWatchMetrics[0].Namespace).toBe('KinesisKit/Autoscaler');
    expect(decision._aws.CloudWatchMetrics[0].Dimensions).toEqual([['StreamName']]);
  });

  test('scales down a quiet stream', async () => {
    const { handler } = setup();
    streamIs('ACTIVE', 16);
    kinesisMock.on(UpdateShardCountCommand).resolves({});
    metricsAt(1);
    const [outcome] = await handler(alarmEvent('ScaleDown'));
    expect(outcome.decision?.action).toBe('scale-down');
    expect(kinesisMock.commandCalls(UpdateShardCountCommand)[0].args[0].input.TargetShardCount).toBe(8);
  });

  test('does not call UpdateShardCount while the stream is UPDATING', async () => {
    const { handler } = setup();
    streamIs('UPDATING', 4);
    metricsAt(20);
    const [outcome] = await handler(alarmEvent('Throttled'));
    expect(outcome.outcome).toBe('skipped');
    expect(outcome.message).toMatch(/UPDATING/);
    expect(kinesisMock.commandCalls(UpdateShardCountCommand)).toHaveLength(0);
    expect(cloudwatchMock.commandCalls(SetAlarmStateCommand)).toHaveLength(1);
  });

  test('leaves an on-demand stream alone', async () => {
    const { handler, lines } = setup();
    streamIs('ACTIVE', 4, 'ON_DEMAND');
    metricsAt(20);
    const [outcome] = await handler(alarmEvent('ScaleUp'));
    expect(outcome.outcome).toBe('skipped');
    expect(outcome.message).toMatch(/ON_DEMAND/);
    expect(kinesisMock.commandCalls(UpdateShardCountCommand)).toHaveLength(0);
    expect(lines.some((l) => /ON_DEMAND/.test(l.message))).toBe(true);
  });

  test('respects the 24 h budget kept in the state table', async () => {
    const calls = Array.from({ length: 10 }, (_, i) => NOW - (i + 1) * 30 * MINUTE_MS);
    const { handler } = setup(calls);
    streamIs('ACTIVE', 4);
    metricsAt(20);
    const [outcome] = await handler(alarmEvent('ScaleUp'));
    expect(outcome.message).toMatch(/budget of 10 is spent/);
    expect(kinesisMock.commandCalls(UpdateShardCountCommand)).toHaveLength(0);
  });

  test.each([
    ['ResourceInUseException', /being updated or is not ACTIVE/],
    ['LimitExceededException', /Kinesis refused the reshard/],
    ['InvalidArgumentException', /rejected the target shard count/],
  ])('survives %s from UpdateShardCount with a clear log line', async (name, meaning) => {
    const { handler, lines } = setup();
    streamIs('ACTIVE', 4);
    metricsAt(5);
    kinesisMock.on(UpdateShardCountCommand).rejects(awsError(name));
    const [outcome] = await handler(alarmEvent('ScaleUp'));
    expect(outcome.outcome).toBe('failed');
    expect(outcome.message).toMatch(meaning);
    expect(lines.find((l) => l.outcome === 'failed')).toMatchObject({ level: 'ERROR', Failures: 1 });
    // Nothing recorded, thresholds untouched, lock released, alarm reset.
    expect(dynamoMock.commandCalls(UpdateItemCommand).map((c) => c.args[0].input.UpdateExpression)).not.toContain('SET calls = :calls');
    expect(cloudwatchMock.commandCalls(PutMetricAlarmCommand)).toHaveLength(0);
    expect(dynamoMock.commandCalls(UpdateItemCommand).map((c) => c.args[0].input.UpdateExpression)).toContain('SET lockUntil = :zero');
    expect(cloudwatchMock.commandCalls(SetAlarmStateCommand)).toHaveLength(1);
  });

  test('a reshard whose outcome is unknown (a 5xx, a timeout) counts against the budget', async () => {
    for (const err of [awsError('InternalFailure', 'internal', 'server'), awsError('TimeoutError', 'socket timed out', 'none')]) {
      dynamoMock.resetHistory();
      kinesisMock.resetHistory();
      const { handler } = setup();
      streamIs('ACTIVE', 4);
      metricsAt(5);
      kinesisMock.on(UpdateShardCountCommand).rejects(err);
      // Unexpected errors are rethrown for Lambda's retries and the dead-letter queue.
      await expect(handler(alarmEvent('ScaleUp'))).rejects.toThrow(err.message);
      const record = dynamoMock.commandCalls(UpdateItemCommand).map((c) => c.args[0].input).find((i) => i.UpdateExpression === 'SET calls = :calls');
      expect(record?.ExpressionAttributeValues?.[':calls']).toEqual({ L: [{ N: String(NOW) }] });
      expect(kinesisMock.commandCalls(UpdateShardCountCommand)).toHaveLength(1);
    }
  });

  test('a reshard whose record cannot be stored still counts, and is reported as a failure', async () => {
    const { handler, lines } = setup();
    streamIs('ACTIVE', 4);
    metricsAt(5);
    kinesisMock.on(UpdateShardCountCommand).resolves({});
    dynamoMock.on(UpdateItemCommand, { UpdateExpression: 'SET calls = :calls' }).rejects(awsError('ProvisionedThroughputExceededException'));
    const [outcome] = await handler(alarmEvent('ScaleUp'));
    expect(outcome.outcome).toBe('requested');
    expect(outcome.message).toMatch(/the call could not be recorded in the state table/);
    expect(lines.find((l) => l._aws)).toMatchObject({ outcome: 'requested', ScalingActions: 1, Failures: 1 });
    expect(lines.find((l) => l.message === 'could not record the UpdateShardCount call')).toMatchObject({ level: 'ERROR', StreamName: STREAM });
  });

  test('a scale-up from minShards triggered by the ScaleDown alarm puts that alarm back to OK', async () => {
    // At minShards, a ScaleDown alarm is left in ALARM; after the stream grows it must be able to fire again.
    const { handler } = setup();
    streamIs('ACTIVE', CONFIG.minShards);
    metricsAt(CONFIG.minShards * 1.2);
    kinesisMock.on(UpdateShardCountCommand).resolves({});
    const [outcome] = await handler(alarmEvent('ScaleDown'));
    expect(outcome.decision?.action).toBe('scale-up');
    expect(cloudwatchMock.commandCalls(SetAlarmStateCommand).map((c) => c.args[0].input.AlarmName)).toEqual([`KinesisKitAutoscaler-${STREAM}-ScaleDown`]);
  });

  test('a failed metric read is not taken for a quiet stream', async () => {
    const { handler } = setup();
    streamIs('ACTIVE', 8);
    cloudwatchMock.on(GetMetricDataCommand).resolves({
      MetricDataResults: ['bytes', 'records', 'throttled'].map((Id) => ({ Id, StatusCode: 'InternalError', Timestamps: [], Values: [] })),
    });
    const [outcome] = await handler(alarmEvent('ScaleUp'));
    expect(outcome.outcome).toBe('failed');
    expect(outcome.message).toMatch(/did not return the stream's metrics/);
    expect(kinesisMock.commandCalls(UpdateShardCountCommand)).toHaveLength(0);
  });

  test('survives a stream that no longer exists', async () => {
    const { handler } = setup();
    kinesisMock.on(DescribeStreamSummaryCommand).rejects(awsError('ResourceNotFoundException'));
    const [outcome] = await handler(alarmEvent('ScaleUp'));
    expect(outcome.outcome).toBe('failed');
    expect(outcome.message).toMatch(/does not exist/);
    expect(kinesisMock.commandCalls(UpdateShardCountCommand)).toHaveLength(0);
  });

  test('survives throttled API calls', async () => {
    const { handler } = setup();
    streamIs('ACTIVE', 4);
    cloudwatchMock.on(GetMetricDataCommand).rejects(awsError('Throttling', 'Rate exceeded'));
    const [outcome] = await handler(alarmEvent('ScaleUp'));
    expect(outcome.outcome).toBe('failed');
    expect(outcome.message).toMatch(/throttled after retries/);
    const { handler: h2 } = setup();
    kinesisMock.on(DescribeStreamSummaryCommand).rejects(awsError('LimitExceededException', 'Rate exceeded for stream'));
    const [o2] = await h2(alarmEvent('ScaleUp'));
    expect(o2.message).toMatch(/throttled after retries/);
  });

  test('rethrows unexpected errors so that Lambda retries and then dead-letters the event', async () => {
    const { handler } = setup();
    kinesisMock.on(DescribeStreamSummaryCommand).rejects(awsError('AccessDeniedException'));
    await expect(handler(alarmEvent('ScaleUp'))).rejects.toThrow('AccessDeniedException');
    // The lock is still released.
    expect(dynamoMock.commandCalls(UpdateItemCommand).map((c) => c.args[0].input.UpdateExpression)).toContain('SET lockUntil = :zero');
  });

  test('a duplicate or concurrent alarm for the same stream is skipped by the lock', async () => {
    const { handler, lines } = setup();
    dynamoMock.on(UpdateItemCommand).rejects(awsError('ConditionalCheckFailedException'));
    const [outcome] = await handler(alarmEvent('ScaleUp'));
    expect(outcome.outcome).toBe('skipped');
    expect(outcome.message).toMatch(/another invocation is handling this stream/);
    expect(kinesisMock.commandCalls(DescribeStreamSummaryCommand)).toHaveLength(0);
    expect(lines[0]).toMatchObject({ outcome: 'skipped', Decisions: 1 });
    // The skipped alarm still goes back to OK, so it can trigger again next period.
    expect(cloudwatchMock.commandCalls(SetAlarmStateCommand)[0].args[0].input).toMatchObject({
      AlarmName: `KinesisKitAutoscaler-${STREAM}-ScaleUp`, StateValue: 'OK',
    });
    // The lock condition: free, or expired.
    expect(dynamoMock.commandCalls(UpdateItemCommand)[0].args[0].input.ConditionExpression)
      .toBe('attribute_not_exists(lockUntil) OR lockUntil < :now');
  });

  test('ignores alarms that are not ALARM, and alarms of other streams', async () => {
    const { handler } = setup();
    expect((await handler(alarmEvent('ScaleUp', 'OK')))[0].outcome).toBe('ignored');
    expect((await handler(alarmEvent('ScaleUp', 'ALARM', 'someone-else')))[0].outcome).toBe('ignored');
    expect(kinesisMock.commandCalls(DescribeStreamSummaryCommand)).toHaveLength(0);
  });

  test('reconcile after a deployment gives stale alarms the thresholds for the real shard count', async () => {
    // GIVEN alarms reset by a deployment to thresholds for 4 shards, on a stream the autoscaler took to 12
    const { handler } = setup();
    streamIs('ACTIVE', 12);
    metricsAt(12 * 0.8);
    // WHEN
    const outcomes = await handler({ 'source': 'aws.cloudformation', 'detail-type': 'CloudFormation Stack Status Change' });
    // THEN
    expect(outcomes).toHaveLength(1);
    expect(kinesisMock.commandCalls(UpdateShardCountCommand)).toHaveLength(0);
    const puts = cloudwatchMock.commandCalls(PutMetricAlarmCommand).map((c) => c.args[0].input);
    expect(puts.map((p) => p.Threshold)).toEqual([thresholdFor('ScaleUp', CONFIG, 12), thresholdFor('ScaleDown', CONFIG, 12)]);
    // Reconcile does not touch alarm states.
    expect(cloudwatchMock.commandCalls(SetAlarmStateCommand)).toHaveLength(0);
  });

  test('the scheduled check handles predictive streams only, and resets no alarm it did not act on', async () => {
    const { handler } = setup();
    streamIs('ACTIVE', 4);
    // Today and a week and a day ago: 3 shards' worth, and then 6 in 10 minutes.
    const end = Math.floor(NOW / MINUTE_MS) * MINUTE_MS;
    const soonThen = (t: number) => [7 * 24 * 60 * MINUTE_MS, 24 * 60 * MINUTE_MS].some((offset) => t === end - offset + 10 * MINUTE_MS);
    metricsAt((t) => (soonThen(t) ? 6 : 3));
    kinesisMock.on(UpdateShardCountCommand).resolves({});
    const [outcome] = await handler({ action: 'schedule' });
    expect(outcome.trigger).toBe('Schedule');
    expect(outcome.outcome).toBe('requested');
    expect(kinesisMock.commandCalls(UpdateShardCountCommand)[0].args[0].input.TargetShardCount).toBe(Math.ceil(6 / CONFIG.targetUtilization));
    // Only ScaleDown, which every reshard puts back to OK.
    expect(cloudwatchMock.commandCalls(SetAlarmStateCommand).map((c) => c.args[0].input.AlarmName)).toEqual([`KinesisKitAutoscaler-${STREAM}-ScaleDown`]);

    // A stream that is not predictive is not checked at all.
    const mixed = createHandler({
      ...clients([{ ...CONFIG, streamName: 'clicks', predictive: false }, CONFIG]),
      log: () => undefined,
    });
    expect((await mixed({ action: 'schedule' })).map((o) => [o.streamName, o.trigger])).toEqual([[STREAM, 'Schedule']]);
  });

  test('thresholds that already match are not rewritten', async () => {
    const { handler } = setup();
    streamIs('ACTIVE', 4);
    metricsAt(4 * 0.8);
    await handler({ action: 'reconcile' });
    expect(cloudwatchMock.commandCalls(PutMetricAlarmCommand)).toHaveLength(0);
  });

  test('reconcile puts back the alarm settings a rewrite racing a deployment reverted, and keeps the rest', async () => {
    // GIVEN the right thresholds, but a ScaleDown alarm with an older deployment's settings (an
    // alarm rewrite read it before the deployment changed it, and wrote it after)
    const { handler, lines } = setup();
    streamIs('ACTIVE', 4);
    metricsAt(4 * 0.8);
    alarmsWithThresholdsFor(4, { EvaluationPeriods: 10, DatapointsToAlarm: 10, ComparisonOperator: 'LessThanThreshold', TreatMissingData: 'notBreaching' });
    // WHEN
    await handler({ action: 'reconcile' });
    // THEN only ScaleDown is rewritten, with this function's settings, and the rest as it was
    const puts = cloudwatchMock.commandCalls(PutMetricAlarmCommand).map((c) => c.args[0].input);
    expect(puts).toHaveLength(1);
    expect(puts[0]).toMatchObject({
      AlarmName: `KinesisKitAutoscaler-${STREAM}-ScaleDown`,
      Threshold: 4 * CONFIG.scaleDownThreshold,
      EvaluationPeriods: 15,
      DatapointsToAlarm: 15,
      ComparisonOperator: 'LessThanOrEqualToThreshold',
      TreatMissingData: 'breaching',
      Metrics: [{ Id: 'expr_1', Expression: 'x' }],
      AlarmActions: ['arn:aws:lambda:eu-west-1:123456789012:function:f'],
    });
    expect(lines.map((l) => l.message)).toContain(
      `alarm KinesisKitAutoscaler-${STREAM}-ScaleDown: EvaluationPeriods 10 -> 15, DatapointsToAlarm 10 -> 15, `
        + 'ComparisonOperator LessThanThreshold -> LessThanOrEqualToThreshold, TreatMissingData notBreaching -> breaching for 4 shards',
    );
  });

  test('an alarm without DatapointsToAlarm is read as using all its evaluation periods', async () => {
    const { handler } = setup();
    streamIs('ACTIVE', 4);
    metricsAt(4 * 0.8);
    alarmsWithThresholdsFor(4, { DatapointsToAlarm: undefined });
    await handler({ action: 'reconcile' });
    expect(cloudwatchMock.commandCalls(PutMetricAlarmCommand)).toHaveLength(0);
  });

  test('reads the same time a week ago and yesterday when predictive', async () => {
    const { handler } = setup();
    streamIs('ACTIVE', 4);
    metricsAt(2);
    await handler(alarmEvent('ScaleUp'));
    const ranges = cloudwatchMock.commandCalls(GetMetricDataCommand).map((c) => [
      new Date(c.args[0].input.StartTime!).getTime(), new Date(c.args[0].input.EndTime!).getTime(),
    ]);
    const minuteStart = Math.floor(NOW / MINUTE_MS) * MINUTE_MS;
    // The last 24 hours (the lookback is their end), and the minutes CloudWatch may not have published yet.
    expect(ranges[0]).toEqual([minuteStart - (24 * 60 + UNPUBLISHED_MINUTES) * MINUTE_MS, minuteStart]);
    // Best first: the same time a week ago, then a day ago.
    // Each from LEVEL_MINUTES before (to compare that day's level with today's) to forecastMinutes after.
    const week = 7 * 24 * 60 * MINUTE_MS;
    expect(ranges[1]).toEqual([minuteStart - week - LEVEL_MINUTES * MINUTE_MS, minuteStart - week + CONFIG.forecastMinutes * MINUTE_MS]);
    expect(ranges[2][0]).toBe(minuteStart - 24 * 60 * MINUTE_MS - LEVEL_MINUTES * MINUTE_MS);
    // Every query carries the StreamName dimension.
    for (const call of cloudwatchMock.commandCalls(GetMetricDataCommand)) {
      for (const q of call.args[0].input.MetricDataQueries!) {
        expect(q.MetricStat?.Metric?.Dimensions).toEqual([{ Name: 'StreamName', Value: STREAM }]);
      }
    }
  });

  test('history from busier days is levelled to today\'s traffic before it sizes the stream', async () => {
    const { handler } = setup();
    streamIs('ACTIVE', 16);
    // A week and a day ago: 40 shards' worth, with a 1,000 in the minute before the LEVEL_MINUTES
    // that match the end of today's window and a 0 in the minute after them. Today: 11.
    const end = Math.floor(NOW / MINUTE_MS) * MINUTE_MS;
    const marks = new Map<number, number>();
    for (const offset of [7 * 24 * 60 * MINUTE_MS, 24 * 60 * MINUTE_MS]) {
      marks.set(end - offset - (LEVEL_MINUTES + 1) * MINUTE_MS, 1000);
      marks.set(end - offset, 0);
    }
    metricsAt((t) => (t < NOW - 12 * 60 * MINUTE_MS ? marks.get(t) ?? 40 : 11));
    const [outcome] = await handler(alarmEvent('ScaleUp'));
    // Only the matching minutes set the level: a window one minute early or late gives 0.153 or 0.284.
    expect(outcome.decision?.historyScale).toBeCloseTo(11 / 40, 3);
    // Levelled, 11 shards' worth fits 16 shards.
    expect(outcome.decision?.forecastPeakShards).toBeCloseTo(11);
    expect(outcome.outcome).toBe('skipped');
    expect(kinesisMock.commandCalls(UpdateShardCountCommand)).toHaveLength(0);

    // The same 40 after a level like today's is read as it is, and doubles the stream.
    const sameLevel = (t: number) => [7 * 24 * 60 * MINUTE_MS, 24 * 60 * MINUTE_MS]
      .some((offset) => t >= end - offset - LEVEL_MINUTES * MINUTE_MS && t < end - offset);
    metricsAt((t) => (t < NOW - 12 * 60 * MINUTE_MS && !sameLevel(t) ? 40 : 11));
    kinesisMock.on(UpdateShardCountCommand).resolves({});
    const [unscaled] = await handler(alarmEvent('ScaleUp'));
    expect(unscaled.decision?.historyScale).toBe(1);
    expect(unscaled.outcome).toBe('requested');
    expect(kinesisMock.commandCalls(UpdateShardCountCommand)[0].args[0].input.TargetShardCount).toBe(32);
  });

  test('a scale-down keeps the calls to climb back to the busiest minute of the last 24 hours, read with the recent minutes', async () => {
    // 7 calls in the last 24 hours; 30 shards, 1 shard's worth for the last 12 hours, and 60
    // (64 shards at 95%) in one minute 20 hours ago, outside the lookback.
    const end = Math.floor(NOW / MINUTE_MS) * MINUTE_MS;
    const { handler } = setup(Array.from({ length: 7 }, (_, i) => NOW - (i + 1) * 30 * MINUTE_MS));
    streamIs('ACTIVE', 30);
    kinesisMock.on(UpdateShardCountCommand).resolves({});
    const busy = end - 20 * 60 * MINUTE_MS;
    metricsAt((t) => (t === busy ? 60 : 1));
    const [outcome] = await handler(alarmEvent('ScaleDown'));
    expect(outcome.outcome).toBe('requested');
    // 2 calls left after this one take 16 back to 64, not 15.
    expect(kinesisMock.commandCalls(UpdateShardCountCommand)[0].args[0].input.TargetShardCount).toBe(16);
    // Without that minute: 15.
    kinesisMock.resetHistory();
    metricsAt(1);
    await handler(alarmEvent('ScaleDown'));
    expect(kinesisMock.commandCalls(UpdateShardCountCommand)[0].args[0].input.TargetShardCount).toBe(15);
  });

  test('the 24 hours end with the last published minute, and no minute before them counts', async () => {
    const end = Math.floor(NOW / MINUTE_MS) * MINUTE_MS;
    const run = async (busy: number, unpublishedFrom?: number) => {
      kinesisMock.reset();
      cloudwatchMock.reset();
      dynamoMock.reset();
      const { handler } = setup(Array.from({ length: 7 }, (_, i) => NOW - (i + 1) * 30 * MINUTE_MS));
      streamIs('ACTIVE', 30);
      kinesisMock.on(UpdateShardCountCommand).resolves({});
      metricsAt((t) => (t === busy ? 60 : 1), 0, unpublishedFrom);
      await handler(alarmEvent('ScaleDown'));
      return kinesisMock.commandCalls(UpdateShardCountCommand)[0].args[0].input.TargetShardCount;
    };
    // All published: the day is the minutes from end - 1440 to end - 1.
    expect(await run(end - 1440 * MINUTE_MS)).toBe(16);
    expect(await run(end - 1441 * MINUTE_MS)).toBe(15);
    // The last 2 not yet published: from end - 1442 to end - 3.
    expect(await run(end - 1442 * MINUTE_MS, end - 2 * MINUTE_MS)).toBe(16);
  });

  test('the lookback ends with the last published minute', async () => {
    const { handler } = setup();
    streamIs('ACTIVE', 4);
    kinesisMock.on(UpdateShardCountCommand).resolves({});
    const end = Math.floor(NOW / MINUTE_MS) * MINUTE_MS;
    metricsAt((t) => (t === end - MINUTE_MS ? 10 : 1));
    const [outcome] = await handler(alarmEvent('ScaleUp'));
    expect(outcome.decision?.recentPeakShards).toBeCloseTo(10);
    expect(kinesisMock.commandCalls(UpdateShardCountCommand)[0].args[0].input.TargetShardCount).toBe(8);
  });

  test('reads every page GetMetricData returns', async () => {
    const { handler } = setup();
    streamIs('ACTIVE', 4);
    kinesisMock.on(UpdateShardCountCommand).resolves({});
    // Each query in two pages: the first half of its minutes, then (with NextToken) the rest. The
    // last 10 minutes, on the second page of the first query, carry 10 shards' worth; the rest 1.
    const end = Math.floor(NOW / MINUTE_MS) * MINUTE_MS;
    cloudwatchMock.on(GetMetricDataCommand).callsFake((input) => {
      const all: Date[] = [];
      for (let t = new Date(input.StartTime).getTime(); t < new Date(input.EndTime).getTime(); t += MINUTE_MS) all.push(new Date(t));
      const half = Math.floor(all.length / 2);
      const page = input.NextToken === 'second' ? all.slice(half) : all.slice(0, half);
      const bytes = (t: Date) => (t.getTime() >= end - 10 * MINUTE_MS ? 10 : 1) * SHARD_BYTES_PER_MINUTE;
      return {
        NextToken: input.NextToken === 'second' ? undefined : 'second',
        MetricDataResults: input.MetricDataQueries.map((q: any) => ({
          Id: q.Id,
          StatusCode: input.NextToken === 'second' ? 'Complete' : 'PartialData',
          Timestamps: page,
          Values: page.map((t) => (q.Id === 'bytes' ? bytes(t) : q.Id === 'records' ? bytes(t) / 2048 : 0)),
        })),
      };
    });
    const [outcome] = await handler(alarmEvent('ScaleUp'));
    expect(outcome.decision?.recentPeakShards).toBeCloseTo(10);
    expect(kinesisMock.commandCalls(UpdateShardCountCommand)[0].args[0].input.TargetShardCount).toBe(8);
  });

  test('the day\'s busiest minute counts successful writes only, so that a storm of retries does not hold capacity', async () => {
    const end = Math.floor(NOW / MINUTE_MS) * MINUTE_MS;
    const storm = end - 10 * 60 * MINUTE_MS;
    const { handler } = setup(Array.from({ length: 7 }, (_, i) => NOW - (i + 1) * 30 * MINUTE_MS));
    streamIs('ACTIVE', 30);
    kinesisMock.on(UpdateShardCountCommand).resolves({});
    // 1 shard's worth a minute; 10 hours ago, 10 shards' worth written and 300 shards' worth of
    // records throttled.
    cloudwatchMock.on(GetMetricDataCommand).callsFake((input) => {
      const start = new Date(input.StartTime).getTime();
      const timestamps: Date[] = [];
      for (let t = start; t < new Date(input.EndTime).getTime(); t += MINUTE_MS) timestamps.push(new Date(t));
      const value = (id: string, t: number) => {
        const bytes = (t === storm ? 10 : 1) * SHARD_BYTES_PER_MINUTE;
        return id === 'bytes' ? bytes : id === 'records' ? bytes / 2048 : (t === storm ? 300 * 60_000 : 0);
      };
      return {
        MetricDataResults: input.MetricDataQueries.map((q: any) => ({
          Id: q.Id, Timestamps: timestamps, Values: timestamps.map((t) => value(q.Id, t.getTime())),
        })),
      };
    });
    await handler(alarmEvent('ScaleDown'));
    // Read as demand, the storm would have held the stream at 30 (327 shards to climb back to).
    expect(kinesisMock.commandCalls(UpdateShardCountCommand)[0].args[0].input.TargetShardCount).toBe(15);
  });

  test('minutes CloudWatch has not published yet are left out, not read as quiet; history follows the last published one', async () => {
    const { handler } = setup();
    streamIs('ACTIVE', 16);
    const end = Math.floor(NOW / MINUTE_MS) * MINUTE_MS;
    // Today: 11 shards' worth, but the last minute has no datapoint yet. A week and a day ago:
    // 40, and 1,000 in the minute after the LEVEL_MINUTES that match the last published minute.
    const marks = new Set([7 * 24 * 60 * MINUTE_MS, 24 * 60 * MINUTE_MS].map((offset) => end - offset - MINUTE_MS));
    metricsAt((t) => (t >= NOW - 12 * 60 * MINUTE_MS ? 11 : marks.has(t) ? 1000 : 40), 0, end - MINUTE_MS);
    const [outcome] = await handler(alarmEvent('ScaleDown'));
    // Read as a quiet minute, the last one would lower today's level to 11 x 29/30; read a
    // minute late, the history's level would take in the 1,000.
    expect(outcome.decision?.historyScale).toBeCloseTo(11 / 40, 4);
    const ranges = cloudwatchMock.commandCalls(GetMetricDataCommand).map((c) => new Date(c.args[0].input.StartTime!).getTime());
    expect(ranges[1]).toBe(end - MINUTE_MS - 7 * 24 * 60 * MINUTE_MS - LEVEL_MINUTES * MINUTE_MS);
  });

  test('a ScaleDown alarm on a stream at minShards is left in ALARM, so a quiet stream does not invoke every minute', async () => {
    const { handler } = setup();
    streamIs('ACTIVE', CONFIG.minShards);
    metricsAt(0.01);
    const [outcome] = await handler(alarmEvent('ScaleDown'));
    expect(outcome.outcome).toBe('skipped');
    expect(cloudwatchMock.commandCalls(SetAlarmStateCommand)).toHaveLength(0);
    // Above minShards it is reset.
    cloudwatchMock.resetHistory();
    streamIs('ACTIVE', 3);
    kinesisMock.on(UpdateShardCountCommand).resolves({});
    await handler(alarmEvent('ScaleDown'));
    expect(cloudwatchMock.commandCalls(SetAlarmStateCommand)).toHaveLength(1);
  });

  test('reconcile goes on past one stream\'s unexpected error, then reports it', async () => {
    const lines: any[] = [];
    dynamoMock.on(UpdateItemCommand).resolves({ Attributes: {} });
    cloudwatchMock.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [] });
    metricsAt(1);
    kinesisMock.on(DescribeStreamSummaryCommand, { StreamName: 'broken' }).rejects(awsError('AccessDeniedException'));
    kinesisMock.on(DescribeStreamSummaryCommand, { StreamName: STREAM }).resolves({
      StreamDescriptionSummary: {
        StreamName: STREAM,
        StreamARN: 'arn',
        StreamStatus: 'ACTIVE',
        OpenShardCount: 1,
        StreamModeDetails: { StreamMode: 'PROVISIONED' },
        RetentionPeriodHours: 24,
        StreamCreationTimestamp: new Date(0),
        EnhancedMonitoring: [],
      },
    });
    const handler = createHandler({
      ...clients([{ ...CONFIG, streamName: 'broken' }, CONFIG]),
      log: (line) => lines.push(line),
    });
    await expect(handler({ action: 'reconcile' })).rejects.toThrow('AccessDeniedException');
    expect(kinesisMock.commandCalls(DescribeStreamSummaryCommand).map((c) => c.args[0].input.StreamName)).toEqual(['broken', STREAM]);
  });
});

describe('autoscaler handler: the requests it sends and the lines it logs', () => {
  /** The UpdateItem inputs sent to the state table, by their update expression. */
  function stateUpdates() {
    const inputs = dynamoMock.commandCalls(UpdateItemCommand).map((c) => c.args[0].input);
    return {
      lock: inputs.find((i) => i.UpdateExpression === 'SET lockUntil = :until, lockOwner = :owner'),
      record: inputs.find((i) => i.UpdateExpression === 'SET calls = :calls'),
      release: inputs.find((i) => i.UpdateExpression === 'SET lockUntil = :zero'),
    };
  }

  test('reads the stream\'s own Kinesis metrics: bytes, records and throttled writes, a Sum per minute', async () => {
    const { handler } = setup();
    streamIs('ACTIVE', 4);
    metricsAt(2);
    await handler(alarmEvent('ScaleUp'));
    const metric = (Id: string, MetricName: string) => ({
      Id,
      MetricStat: {
        Metric: { Namespace: 'AWS/Kinesis', MetricName, Dimensions: [{ Name: 'StreamName', Value: STREAM }] },
        Period: 60,
        Stat: 'Sum',
      },
    });
    for (const call of cloudwatchMock.commandCalls(GetMetricDataCommand)) {
      expect(call.args[0].input.MetricDataQueries).toEqual([
        metric('bytes', 'IncomingBytes'),
        metric('records', 'IncomingRecords'),
        metric('throttled', 'WriteProvisionedThroughputExceeded'),
      ]);
    }
  });

  test('throttled records count as demand, and a metric without datapoints leaves a minute published', async () => {
    const { handler } = setup();
    streamIs('ACTIVE', 4);
    // 2 shards' worth written, and a shard's worth of records throttled each minute.
    metricsAt(2, 60_000);
    const [outcome] = await handler(alarmEvent('ScaleUp'));
    // Bytes scale with the records: 2 shards' worth of 2 KiB records, and as many again less 1,440.
    const written = (2 * SHARD_BYTES_PER_MINUTE) / 2048;
    expect(outcome.decision?.recentPeakShards).toBeCloseTo(2 * (1 + 60_000 / written));
    // No WriteProvisionedThroughputExceeded datapoints at all: the minutes with bytes and records
    // are published all the same, so the lookback ends with the last minute.
    const end = Math.floor(NOW / MINUTE_MS) * MINUTE_MS;
    cloudwatchMock.on(GetMetricDataCommand).callsFake((input) => {
      const start = new Date(input.StartTime).getTime();
      const stop = new Date(input.EndTime).getTime();
      const timestamps: Date[] = [];
      for (let t = start; t < stop; t += MINUTE_MS) timestamps.push(new Date(t));
      const shards = (t: Date) => (t.getTime() === end - MINUTE_MS ? 10 : 1);
      return {
        MetricDataResults: [
          { Id: 'bytes', Timestamps: timestamps, Values: timestamps.map((t) => shards(t) * SHARD_BYTES_PER_MINUTE) },
          { Id: 'records', Timestamps: timestamps, Values: timestamps.map((t) => (shards(t) * SHARD_BYTES_PER_MINUTE) / 2048) },
          { Id: 'throttled', Timestamps: [], Values: [] },
          // A result the handler did not ask for, and one without values, change nothing.
          { Id: 'other', Timestamps: timestamps, Values: timestamps.map(() => 1e12) },
        ],
      };
    });
    const [last] = await handler(alarmEvent('ScaleUp'));
    expect(last.decision?.recentPeakShards).toBeCloseTo(10);
  });

  test('a failed metric read says which query and which status', async () => {
    const { handler } = setup();
    streamIs('ACTIVE', 8);
    cloudwatchMock.on(GetMetricDataCommand).resolves({
      MetricDataResults: [{ Id: 'bytes', StatusCode: 'Forbidden', Timestamps: [], Values: [] }],
    });
    const [outcome] = await handler(alarmEvent('ScaleUp'));
    expect(outcome.message).toBe('GetMetricData failed with IncompleteMetricData (bytes: StatusCode Forbidden): '
      + 'CloudWatch did not return the stream\'s metrics; nothing was changed; the next alarm period or scheduled check tries again');
  });

  test('the state table: one owner takes the lock, records the call and releases the lock, on the stream\'s item', async () => {
    // A call made exactly 24 hours ago, one a day and a minute ago, one an hour ago, and an entry that is no number.
    const hourAgo = NOW - 60 * MINUTE_MS;
    const { handler } = setup([NOW - DAY_MS, NOW - DAY_MS - MINUTE_MS, hourAgo]);
    dynamoMock.on(UpdateItemCommand, { UpdateExpression: 'SET lockUntil = :until, lockOwner = :owner' }).resolves({
      Attributes: { calls: { L: [{ N: String(NOW - DAY_MS) }, { N: String(hourAgo) }, { N: 'not a number' }] } },
    });
    streamIs('ACTIVE', 4);
    kinesisMock.on(UpdateShardCountCommand).resolves({});
    metricsAt(10);
    const [outcome] = await handler(alarmEvent('ScaleUp'));
    expect(outcome.decision?.callsInLast24h).toBe(1);
    const { lock, record, release } = stateUpdates();
    const key = { streamName: { S: STREAM } };
    expect(lock).toMatchObject({ TableName: 'state', Key: key, ReturnValues: 'ALL_NEW' });
    // Held for two minutes at most, or until released.
    expect(lock!.ExpressionAttributeValues![':until']).toEqual({ N: String(NOW + 2 * MINUTE_MS) });
    const owner = lock!.ExpressionAttributeValues![':owner'];
    expect(owner.S).toMatch(new RegExp(`^${NOW}-[0-9a-z]+$`));
    // The call history keeps the calls of the last 24 hours and the new one.
    expect(record).toEqual({
      TableName: 'state',
      Key: key,
      UpdateExpression: 'SET calls = :calls',
      ConditionExpression: 'lockOwner = :owner',
      ExpressionAttributeValues: { ':calls': { L: [{ N: String(hourAgo) }, { N: String(NOW) }] }, ':owner': owner },
    });
    expect(release).toEqual({
      TableName: 'state',
      Key: key,
      UpdateExpression: 'SET lockUntil = :zero',
      ConditionExpression: 'lockOwner = :owner',
      ExpressionAttributeValues: { ':zero': { N: '0' }, ':owner': owner },
    });
    // Another invocation is another owner.
    dynamoMock.resetHistory();
    await handler(alarmEvent('ScaleUp'));
    expect(stateUpdates().lock!.ExpressionAttributeValues![':owner'].S).not.toBe(owner.S);
  });

  test('a state item without a call history is a stream without calls', async () => {
    const { handler } = setup();
    dynamoMock.on(UpdateItemCommand).resolves({});
    streamIs('ACTIVE', 4);
    metricsAt(2);
    const [outcome] = await handler(alarmEvent('ScaleUp'));
    expect(outcome.decision?.callsInLast24h).toBe(0);
  });

  test('a state table that fails is a failed decision; a lock that expired under another owner is no error', async () => {
    const { handler, lines } = setup();
    dynamoMock.on(UpdateItemCommand).rejects(awsError('ProvisionedThroughputExceededException'));
    const [outcome] = await handler(alarmEvent('ScaleUp'));
    expect(outcome.outcome).toBe('failed');
    expect(outcome.message).toMatch(/^DynamoDB failed with ProvisionedThroughputExceededException: the API call was throttled/);
    expect(kinesisMock.commandCalls(DescribeStreamSummaryCommand)).toHaveLength(0);
    expect(lines.find((l) => l._aws)).toMatchObject({ level: 'ERROR', Failures: 1 });

    // The release finds another owner's lock (this one outlived LOCK_MS): nothing to log.
    const quiet = setup();
    streamIs('ACTIVE', 4);
    metricsAt(2);
    dynamoMock.on(UpdateItemCommand, { UpdateExpression: 'SET lockUntil = :zero' }).rejects(awsError('ConditionalCheckFailedException'));
    expect((await quiet.handler(alarmEvent('ScaleUp')))[0].outcome).toBe('skipped');
    expect(quiet.lines.filter((l) => l.level === 'WARN')).toEqual([]);
    // Any other failure to release is logged; the lock expires by itself.
    const failing = setup();
    streamIs('ACTIVE', 4);
    metricsAt(2);
    dynamoMock.on(UpdateItemCommand, { UpdateExpression: 'SET lockUntil = :zero' }).rejects(awsError('InternalServerError', 'boom'));
    expect((await failing.handler(alarmEvent('ScaleUp')))[0].outcome).toBe('skipped');
    expect(failing.lines.filter((l) => l.level === 'WARN')).toEqual([
      { level: 'WARN', StreamName: STREAM, message: 'DynamoDB failed: InternalServerError: boom' },
    ]);
  });

  test('a failed side call (alarm state, alarm thresholds) is logged as a warning and changes nothing else', async () => {
    const { handler, lines } = setup();
    streamIs('ACTIVE', 4);
    kinesisMock.on(UpdateShardCountCommand).resolves({});
    metricsAt(10);
    cloudwatchMock.on(SetAlarmStateCommand).rejects(awsError('InternalServiceError', 'down'));
    cloudwatchMock.on(PutMetricAlarmCommand).rejects(awsError('InternalServiceError', 'down'));
    const [outcome] = await handler(alarmEvent('ScaleUp'));
    expect(outcome.outcome).toBe('requested');
    expect(lines.filter((l) => l.level === 'WARN').map((l) => l.message)).toEqual([
      'PutMetricAlarm failed: InternalServiceError: down',
      'SetAlarmState failed: InternalServiceError: down',
      'SetAlarmState failed: InternalServiceError: down',
    ]);
    // On a decision to do nothing, the same.
    const idle = setup();
    streamIs('ACTIVE', 12);
    metricsAt(12 * 0.8);
    cloudwatchMock.on(DescribeAlarmsCommand).rejects('not an AWS error');
    expect((await idle.handler({ action: 'reconcile' }))[0].outcome).toBe('skipped');
    expect(idle.lines.filter((l) => l.level === 'WARN').map((l) => l.message)).toEqual([expect.stringMatching(/^PutMetricAlarm failed: /)]);
  });

  test('alarms are read for ScaleUp and ScaleDown only, and only for a provisioned, ACTIVE stream', async () => {
    const { handler, lines } = setup();
    streamIs('ACTIVE', 12);
    metricsAt(12 * 0.8);
    // DescribeAlarms also returns an alarm that is not one of them: it is left alone.
    cloudwatchMock.on(DescribeAlarmsCommand).resolves({
      MetricAlarms: [{ AlarmName: 'someone-elses', Threshold: 1, EvaluationPeriods: 1, ComparisonOperator: 'GreaterThanThreshold' }],
    });
    await handler({ action: 'reconcile' });
    expect(cloudwatchMock.commandCalls(DescribeAlarmsCommand)[0].args[0].input).toEqual({
      AlarmNames: [`KinesisKitAutoscaler-${STREAM}-ScaleUp`, `KinesisKitAutoscaler-${STREAM}-ScaleDown`],
      AlarmTypes: ['MetricAlarm'],
    });
    expect(cloudwatchMock.commandCalls(PutMetricAlarmCommand)).toHaveLength(0);
    expect(lines.filter((l) => l.level === 'WARN')).toEqual([]);
    // A rewrite is logged with what changed.
    alarmsWithThresholdsFor(4);
    await handler({ action: 'reconcile' });
    expect(lines.filter((l) => /^alarm /.test(l.message))).toEqual([
      {
        level: 'INFO',
        StreamName: STREAM,
        message: `alarm KinesisKitAutoscaler-${STREAM}-ScaleUp: Threshold ${thresholdFor('ScaleUp', CONFIG, 4)} -> ${thresholdFor('ScaleUp', CONFIG, 12)} for 12 shards`,
      },
      {
        level: 'INFO',
        StreamName: STREAM,
        message: `alarm KinesisKitAutoscaler-${STREAM}-ScaleDown: Threshold ${thresholdFor('ScaleDown', CONFIG, 4)} -> ${thresholdFor('ScaleDown', CONFIG, 12)} for 12 shards`,
      },
    ]);
    // UPDATING or on-demand: the alarms are left as they are.
    for (const [status, mode] of [['UPDATING', 'PROVISIONED'], ['ACTIVE', 'ON_DEMAND']]) {
      cloudwatchMock.resetHistory();
      streamIs(status, 12, mode);
      await handler({ action: 'reconcile' });
      expect(cloudwatchMock.commandCalls(DescribeAlarmsCommand)).toHaveLength(0);
      expect(cloudwatchMock.commandCalls(PutMetricAlarmCommand)).toHaveLength(0);
    }
  });

  test('a summary without a mode is a provisioned stream; one without a status is not touched; none at all is a failure', async () => {
    const { handler } = setup();
    kinesisMock.on(UpdateShardCountCommand).resolves({});
    metricsAt(10);
    const summary = { StreamName: STREAM, StreamARN: 'arn', OpenShardCount: 4, RetentionPeriodHours: 24, StreamCreationTimestamp: new Date(0), EnhancedMonitoring: [] };
    kinesisMock.on(DescribeStreamSummaryCommand).resolves({ StreamDescriptionSummary: { ...summary, StreamStatus: 'ACTIVE' } });
    expect((await handler(alarmEvent('ScaleUp')))[0].outcome).toBe('requested');
    kinesisMock.on(DescribeStreamSummaryCommand).resolves({ StreamDescriptionSummary: summary as any });
    expect((await handler(alarmEvent('ScaleUp')))[0].message).toBe('stream is UNKNOWN: UpdateShardCount waits until it is ACTIVE');
    kinesisMock.on(DescribeStreamSummaryCommand).resolves({});
    const [none] = await handler(alarmEvent('ScaleUp'));
    expect(none).toMatchObject({ outcome: 'failed', message: 'DescribeStreamSummary returned no summary' });
  });

  test('history is read only when predictive, and a window without writes is no history', async () => {
    // A stream that started writing an hour ago, at 8.2 shards' worth on 8 shards: without
    // history the scale-up is at least N / minScaleDownRatio (12), as if the quiet week and day
    // before had not been read.
    const started = NOW - 60 * MINUTE_MS;
    const { handler } = setup();
    streamIs('ACTIVE', 8);
    kinesisMock.on(UpdateShardCountCommand).resolves({});
    metricsAt((t) => (t >= started ? 8.2 : 0));
    const [outcome] = await handler(alarmEvent('ScaleUp'));
    expect(outcome.decision).toMatchObject({ action: 'scale-up', targetShards: 12 });
    expect(cloudwatchMock.commandCalls(GetMetricDataCommand)).toHaveLength(3);
    // Not predictive: one read, the last 24 hours.
    cloudwatchMock.resetHistory();
    const reactive = createHandler({
      ...clients([{ ...CONFIG, predictive: false }]),
      log: () => undefined,
    });
    await reactive(alarmEvent('ScaleUp'));
    expect(cloudwatchMock.commandCalls(GetMetricDataCommand)).toHaveLength(1);
  });

  test('every decision is one embedded-metric-format line: the metrics it defines and their values', async () => {
    const { handler, lines } = setup();
    streamIs('ACTIVE', 16);
    kinesisMock.on(UpdateShardCountCommand).resolves({});
    metricsAt(1.23456);
    await handler(alarmEvent('ScaleDown'));
    const count = (Name: string) => ({ Name, Unit: 'Count' });
    const down = lines.find((l) => l._aws);
    expect(down._aws).toEqual({
      Timestamp: NOW,
      CloudWatchMetrics: [{
        Namespace: 'KinesisKit/Autoscaler',
        Dimensions: [['StreamName']],
        Metrics: ['Decisions', 'ScalingActions', 'ScaleUps', 'ScaleDowns', 'Failures', 'AtMaxShards', 'CurrentShards', 'TargetShards', 'DesiredShards'].map(count),
      }],
    });
    expect(down).toMatchObject({
      level: 'INFO',
      StreamName: STREAM,
      trigger: 'ScaleDown',
      outcome: 'requested',
      action: 'scale-down',
      Decisions: 1,
      ScalingActions: 1,
      ScaleUps: 0,
      ScaleDowns: 1,
      Failures: 0,
      AtMaxShards: 0,
      CurrentShards: 16,
      TargetShards: 8,
      recentPeakShards: 1.235,
      callsInLast24h: 0,
    });
    // A decision to do nothing: no action counted.
    lines.length = 0;
    streamIs('ACTIVE', 2);
    await handler(alarmEvent('ScaleDown'));
    expect(lines.find((l) => l._aws)).toMatchObject({ outcome: 'skipped', action: 'none', ScalingActions: 0, ScaleUps: 0, ScaleDowns: 0, Failures: 0 });
    // No decision (another invocation holds the lock): the counts only, no shard metrics.
    lines.length = 0;
    dynamoMock.on(UpdateItemCommand).rejects(awsError('ConditionalCheckFailedException'));
    await handler(alarmEvent('ScaleUp'));
    const skipped = lines.find((l) => l._aws);
    expect(skipped._aws.CloudWatchMetrics[0].Metrics).toEqual(['Decisions', 'ScalingActions', 'ScaleUps', 'ScaleDowns', 'Failures', 'AtMaxShards'].map(count));
    expect(skipped).toMatchObject({ level: 'INFO', action: 'none', AtMaxShards: 0 });
    expect(skipped).not.toHaveProperty('CurrentShards');
    // A scale-down that Kinesis refused: a failure, not a scale-down.
    lines.length = 0;
    dynamoMock.on(UpdateItemCommand).resolves({});
    streamIs('ACTIVE', 16);
    kinesisMock.on(UpdateShardCountCommand).rejects(awsError('LimitExceededException'));
    await handler(alarmEvent('ScaleDown'));
    expect(lines.find((l) => l._aws)).toMatchObject({ outcome: 'failed', action: 'scale-down', ScalingActions: 0, ScaleDowns: 0, Failures: 1 });
  });

  test('AtMaxShards counts a stream at maxShards whose demand asks for more', async () => {
    const atMax = async (shards: number, demand: number) => {
      const { handler, lines } = setup();
      streamIs('ACTIVE', shards);
      kinesisMock.on(UpdateShardCountCommand).resolves({});
      metricsAt(demand);
      await handler(alarmEvent('ScaleUp'));
      return lines.find((l) => l._aws).AtMaxShards;
    };
    expect(await atMax(64, 100)).toBe(1);
    // Demand that 64 shards take, at maxShards: not counted.
    expect(await atMax(64, 60)).toBe(0);
    // Below maxShards, however busy: the scale-up is under way.
    expect(await atMax(63, 100)).toBe(0);
  });

  test('events: a reconcile is a reconcile; a CloudWatch event without alarm data is no alarm; an unknown alarm is ignored', async () => {
    const { handler, lines } = setup();
    streamIs('ACTIVE', 4);
    metricsAt(2);
    expect((await handler({ action: 'reconcile' }))[0].trigger).toBe('Reconcile');
    expect((await handler({ source: 'aws.cloudwatch' } as any))[0].trigger).toBe('Reconcile');
    // Alarm data from elsewhere is not a CloudWatch alarm.
    expect((await handler({ source: 'aws.events', alarmData: alarmEvent('ScaleUp').alarmData } as any))[0].trigger).toBe('Reconcile');
    lines.length = 0;
    const [unknown] = await handler({ source: 'aws.cloudwatch', alarmData: { alarmName: 'some-alarm', state: { value: 'ALARM' } } });
    expect(unknown).toEqual({ streamName: 'unknown', trigger: 'Reconcile', outcome: 'ignored', message: 'alarm some-alarm is not one of this autoscaler\'s alarms' });
    const [other] = await handler(alarmEvent('ScaleUp', 'ALARM', 'someone-else'));
    expect(other).toMatchObject({ streamName: 'someone-else', trigger: 'ScaleUp', outcome: 'ignored' });
    const [ok] = await handler(alarmEvent('ScaleDown', 'OK'));
    expect(ok).toEqual({ streamName: STREAM, trigger: 'ScaleDown', outcome: 'ignored', message: 'alarm state is OK' });
    expect(lines.map((l) => l.level)).toEqual(['WARN', 'WARN', 'INFO']);
    // Every line names the stream under the same key as the decisions' lines.
    expect(lines).toEqual([
      { level: 'WARN', StreamName: 'unknown', trigger: 'Reconcile', outcome: 'ignored', message: 'alarm some-alarm is not one of this autoscaler\'s alarms' },
      { level: 'WARN', StreamName: 'someone-else', trigger: 'ScaleUp', outcome: 'ignored', message: expect.stringMatching(/^alarm KinesisKitAutoscaler-someone-else-ScaleUp is not/) },
      { level: 'INFO', StreamName: STREAM, trigger: 'ScaleDown', outcome: 'ignored', message: 'alarm state is OK' },
    ]);
  });

  test('an alarm is put back to OK with a reason that names the autoscaler', async () => {
    const { handler } = setup();
    streamIs('ACTIVE', 4);
    metricsAt(2);
    await handler(alarmEvent('ScaleUp'));
    expect(cloudwatchMock.commandCalls(SetAlarmStateCommand)[0].args[0].input.StateReason).toMatch(/cdk-kinesis-kit shard autoscaler/);
  });

  test.each(['ThrottlingException', 'Throttling', 'TooManyRequestsException', 'ProvisionedThroughputExceededException', 'RequestLimitExceeded'])(
    '%s is a throttled call', async (name) => {
      const { handler } = setup();
      kinesisMock.on(DescribeStreamSummaryCommand).rejects(awsError(name));
      expect((await handler(alarmEvent('ScaleUp')))[0].message).toMatch(/throttled after retries/);
    });

  test('an unexpected error is logged as a failed decision before it is rethrown', async () => {
    const { handler, lines } = setup();
    kinesisMock.on(DescribeStreamSummaryCommand).rejects(awsError('AccessDeniedException', 'not allowed'));
    await expect(handler(alarmEvent('ScaleUp'))).rejects.toThrow('not allowed');
    expect(lines.find((l) => l._aws)).toMatchObject({
      level: 'ERROR', outcome: 'failed', Failures: 1, message: 'DescribeStreamSummary failed: AccessDeniedException: not allowed',
    });
  });

  test('without a log function, lines go to stdout as JSON', async () => {
    const spy = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      const handler = createHandler({
        ...clients(),
      });
      await handler(alarmEvent('ScaleUp', 'OK'));
      expect(JSON.parse(spy.mock.calls[0][0])).toMatchObject({ level: 'INFO', outcome: 'ignored' });
    } finally {
      spy.mockRestore();
    }
  });

  test('alarmDefinition: a single-metric alarm keeps its metric fields', () => {
    const alarm = {
      AlarmName: 'a',
      MetricName: 'IncomingBytes',
      Namespace: 'AWS/Kinesis',
      Statistic: 'Sum' as const,
      Period: 60,
      Dimensions: [{ Name: 'StreamName', Value: STREAM }],
      Unit: 'Bytes' as const,
      Threshold: 1,
      EvaluationPeriods: 1,
    };
    expect(alarmDefinition(alarm)).toMatchObject(alarm);
    expect(alarmDefinition({ ...alarm, Metrics: [] })).toMatchObject(alarm);
  });
});
