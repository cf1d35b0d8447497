/**
 * The autoscaler handler over a real connection to kinesis-local, a Kinesis-compatible server
 * started on loopback by this test. Kinesis calls are real; CloudWatch is mocked, and DynamoDB is
 * an in-memory fake that applies the lock's condition, so that concurrent invocations race for real.
 */
import { CloudWatchClient, DescribeAlarmsCommand, GetMetricDataCommand, PutMetricAlarmCommand, SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { CreateStreamCommand, DescribeStreamSummaryCommand, KinesisClient, UpdateShardCountCommand } from '@aws-sdk/client-kinesis';
import { mockClient } from 'aws-sdk-client-mock';
import { AlarmEvent, createHandler } from '../../../lambda/autoscaler/handler';
import { DEFAULT_SCALING, MINUTE_MS, SHARD_BYTES_PER_MINUTE, StreamScalingConfig } from '../../../src/private/autoscaler-config';
import { KinesisLocal, startKinesisLocal } from '../../setup/kinesis-local';

jest.setTimeout(60_000);

const cloudwatchMock = mockClient(CloudWatchClient);
const dynamoMock = mockClient(DynamoDBClient);

let server: KinesisLocal;
let kinesis: KinesisClient;

beforeAll(async () => {
  server = await startKinesisLocal({ UPDATE_SHARD_COUNT_DURATION: '1500ms' });
  kinesis = server.client();
});

afterAll(async () => {
  kinesis?.destroy();
  await server?.stop();
});

/** In-memory DynamoDB for the handler's three UpdateItem shapes, with the lock's condition. */
function fakeStateTable() {
  const items = new Map<string, any>();
  dynamoMock.on(UpdateItemCommand).callsFake(async (input) => {
    const key = input.Key.streamName.S;
    const item = items.get(key) ?? {};
    const v = input.ExpressionAttributeValues;
    const conditionFails = () => Object.assign(new Error('The conditional request failed'), { name: 'ConditionalCheckFailedException' });
    if (input.UpdateExpression === 'SET lockUntil = :until, lockOwner = :owner') {
      if (item.lockUntil !== undefined && item.lockUntil >= Number(v[':now'].N)) throw conditionFails();
      Object.assign(item, { lockUntil: Number(v[':until'].N), lockOwner: v[':owner'].S });
    } else if (item.lockOwner !== v[':owner'].S) {
      throw conditionFails();
    } else if (input.UpdateExpression === 'SET calls = :calls') {
      item.calls = v[':calls'].L.map((n: any) => Number(n.N));
    } else {
      item.lockUntil = 0;
    }
    items.set(key, item);
    return { Attributes: { calls: { L: (item.calls ?? []).map((c: number) => ({ N: String(c) })) } } };
  });
  return items;
}

function demandOf(shards: number) {
  cloudwatchMock.on(GetMetricDataCommand).callsFake((input) => {
    const start = new Date(input.StartTime).getTime();
    const end = new Date(input.EndTime).getTime();
    const ts: Date[] = [];
    for (let t = start; t < end; t += MINUTE_MS) ts.push(new Date(t));
    const bytes = shards * SHARD_BYTES_PER_MINUTE;
    return {
      MetricDataResults: input.MetricDataQueries.map((q: any) => ({
        Id: q.Id, Timestamps: ts, Values: ts.map(() => (q.Id === 'bytes' ? bytes : q.Id === 'records' ? bytes / 2048 : 0)),
      })),
    };
  });
}

function handlerFor(streams: string[], extra: Partial<StreamScalingConfig> = {}) {
  const lines: any[] = [];
  const handler = createHandler({
    kinesis,
    cloudwatch: new CloudWatchClient({ region: 'us-east-1' }),
    dynamodb: new DynamoDBClient({ region: 'us-east-1' }),
    tableName: 'state',
    streams: streams.map((streamName) => ({ ...DEFAULT_SCALING, streamName, minShards: 1, maxShards: 64, ...extra })),
    log: (l) => lines.push(l),
  });
  return { handler, lines };
}

function alarm(stream: string, role = 'ScaleUp'): AlarmEvent {
  return { source: 'aws.cloudwatch', alarmData: { alarmName: `KinesisKitAutoscaler-${stream}-${role}`, state: { value: 'ALARM' } } };
}

async function createStream(name: string, shards?: number): Promise<void> {
  await kinesis.send(new CreateStreamCommand(shards
    ? { StreamName: name, ShardCount: shards }
    : { StreamName: name, StreamModeDetails: { StreamMode: 'ON_DEMAND' } }));
  await waitForActive(name);
}

async function waitForActive(name: string): Promise<number> {
  for (let i = 0; i < 100; i++) {
    const s = (await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: name }))).StreamDescriptionSummary!;
    if (s.StreamStatus === 'ACTIVE') return s.OpenShardCount!;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${name} did not become ACTIVE`);
}

beforeEach(() => {
  cloudwatchMock.reset();
  dynamoMock.reset();
  cloudwatchMock.on(SetAlarmStateCommand).resolves({});
  cloudwatchMock.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [] });
  cloudwatchMock.on(PutMetricAlarmCommand).resolves({});
  fakeStateTable();
});

describe('autoscaler handler against kinesis-local', () => {
  test('scales a real stream up, within 2x', async () => {
    await createStream('up', 2);
    demandOf(10);
    const { handler } = handlerFor(['up']);
    const [outcome] = await handler(alarm('up'));
    expect(outcome).toMatchObject({ outcome: 'requested' });
    expect(outcome.decision?.targetShards).toBe(4);
    expect(await waitForActive('up')).toBe(4);
  });

  test('scales a real stream down, to no less than half', async () => {
    await createStream('down', 8);
    demandOf(0.2);
    const { handler } = handlerFor(['down']);
    const [outcome] = await handler(alarm('down', 'ScaleDown'));
    expect(outcome.decision?.action).toBe('scale-down');
    expect(await waitForActive('down')).toBe(4);
  });

  test('does not call while the real stream is UPDATING', async () => {
    await createStream('busy', 2);
    await kinesis.send(new UpdateShardCountCommand({ StreamName: 'busy', TargetShardCount: 3, ScalingType: 'UNIFORM_SCALING' }));
    demandOf(10);
    const { handler } = handlerFor(['busy']);
    const [outcome] = await handler(alarm('busy', 'Throttled'));
    expect(outcome.outcome).toBe('skipped');
    expect(outcome.message).toMatch(/UPDATING/);
    expect(await waitForActive('busy')).toBe(3);
  });

  test('concurrent duplicate alarms make one call', async () => {
    await createStream('dup', 2);
    demandOf(10);
    const { handler } = handlerFor(['dup']);
    const outcomes = (await Promise.all([handler(alarm('dup')), handler(alarm('dup', 'Throttled')), handler(alarm('dup'))])).flat();
    expect(outcomes.filter((o) => o.outcome === 'requested')).toHaveLength(1);
    expect(outcomes.filter((o) => o.outcome === 'skipped' && /another invocation/.test(o.message))).toHaveLength(2);
    expect(await waitForActive('dup')).toBe(4);
  });

  test('leaves a real on-demand stream alone', async () => {
    await createStream('ondemand');
    demandOf(10);
    const { handler } = handlerFor(['ondemand']);
    const [outcome] = await handler(alarm('ondemand'));
    expect(outcome.outcome).toBe('skipped');
    expect(outcome.message).toMatch(/ON_DEMAND/);
  });

  test('survives a stream that does not exist', async () => {
    demandOf(10);
    const { handler, lines } = handlerFor(['missing']);
    const [outcome] = await handler(alarm('missing'));
    expect(outcome.outcome).toBe('failed');
    expect(outcome.message).toMatch(/ResourceNotFoundException/);
    expect(lines.some((l) => l.level === 'ERROR' && /does not exist/.test(l.message))).toBe(true);
  });

  test('survives ResourceInUseException when another client reshards first', async () => {
    await createStream('race', 2);
    demandOf(10);
    const { handler } = handlerFor(['race']);
    // Someone else reshards between the handler's DescribeStreamSummary and its UpdateShardCount.
    const original = kinesis.send.bind(kinesis);
    const spy = jest.spyOn(kinesis, 'send').mockImplementation(async (command: any, ...rest: any[]) => {
      if (command instanceof UpdateShardCountCommand) {
        await original(new UpdateShardCountCommand({ StreamName: 'race', TargetShardCount: 3, ScalingType: 'UNIFORM_SCALING' }));
      }
      return (original as any)(command, ...rest);
    });
    try {
      const [outcome] = await handler(alarm('race'));
      expect(outcome.outcome).toBe('failed');
      expect(outcome.message).toMatch(/ResourceInUseException/);
    } finally {
      spy.mockRestore();
    }
    expect(await waitForActive('race')).toBe(3);
  });
});
