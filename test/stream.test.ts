import { CfnParameter, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as kms from 'aws-cdk-lib/aws-kms';
import { KinesisStream, ShardLimit, StreamCapacity } from '../src';
import { logicalIdOf, newStack, policyStatements } from './setup/util';

const STREAM_ARN = 'arn:aws:kinesis:eu-west-1:123456789012:stream/existing';
const KEY_ARN = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';

function streamLogicalId(template: Template): string {
  return logicalIdOf(template, 'AWS::Kinesis::Stream');
}

function keyLogicalId(template: Template): string {
  return logicalIdOf(template, 'AWS::KMS::Key');
}

describe('KinesisStream defaults', () => {
  test('one provisioned shard, 24 h, encrypted with a created key that rotates, all RETAIN', () => {
    // GIVEN
    const stack = newStack();
    // WHEN
    new KinesisStream(stack, 'Orders');
    // THEN
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::Kinesis::Stream', 1);
    template.resourceCountIs('AWS::KMS::Key', 1);
    template.hasResource('AWS::Kinesis::Stream', {
      Properties: {
        ShardCount: 1,
        RetentionPeriodHours: 24,
        StreamModeDetails: { StreamMode: 'PROVISIONED' },
        StreamEncryption: {
          EncryptionType: 'KMS',
          KeyId: { 'Fn::GetAtt': [keyLogicalId(template), 'Arn'] },
        },
      },
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
    template.hasResource('AWS::KMS::Key', {
      Properties: { EnableKeyRotation: true },
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
    expect(template.toJSON()).toMatchSnapshot();
  });

  test('is an aws-cdk-lib kinesis.Stream, usable wherever one is expected', () => {
    const stack = newStack();
    const stream = new KinesisStream(stack, 'Orders');
    expect(stream).toBeInstanceOf(kinesis.Stream);
    expect(stream.encryptionKey).toBeDefined();
  });
});

describe('KinesisStream capacity', () => {
  test.each([
    [1024, 2, 1, 2],
    [1024, 6, 7, 21],
  ])('fromThroughput(%d KiB, %d records/s, %d consumers) gives %d shards', (size, rate, consumers, shards) => {
    const stack = newStack();
    const stream = new KinesisStream(stack, 'Orders', {
      capacity: StreamCapacity.fromThroughput({ averageRecordSizeKiB: size, recordsPerSecond: rate, consumers }),
    });
    Template.fromStack(stack).hasResourceProperties('AWS::Kinesis::Stream', { ShardCount: shards });
    expect(stream.shardCount).toBe(shards);
    expect(stream.shardEstimate?.shards).toBe(shards);
  });

  test('fromThroughput snapshot, sized by the record rate', () => {
    const stack = newStack();
    const stream = new KinesisStream(stack, 'Orders', {
      capacity: StreamCapacity.fromThroughput({ averageRecordSizeKiB: 0.5, recordsPerSecond: 4500, consumers: 2, enhancedFanOut: true }),
    });
    expect(stream.shardEstimate?.limitingFactor).toBe(ShardLimit.WRITE_RECORDS);
    Template.fromStack(stack).hasResourceProperties('AWS::Kinesis::Stream', { ShardCount: 5 });
    expect(Template.fromStack(stack).toJSON()).toMatchSnapshot();
  });

  test('provisioned(n) sets the shard count', () => {
    const stack = newStack();
    new KinesisStream(stack, 'Orders', { capacity: StreamCapacity.provisioned(12) });
    Template.fromStack(stack).hasResourceProperties('AWS::Kinesis::Stream', {
      ShardCount: 12,
      StreamModeDetails: { StreamMode: 'PROVISIONED' },
    });
  });

  test('onDemand has no shard count', () => {
    const stack = newStack();
    const stream = new KinesisStream(stack, 'Orders', { capacity: StreamCapacity.onDemand() });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Kinesis::Stream', {
      StreamModeDetails: { StreamMode: 'ON_DEMAND' },
      ShardCount: Match.absent(),
    });
    expect(stream.streamMode).toBe(kinesis.StreamMode.ON_DEMAND);
    expect(template.toJSON()).toMatchSnapshot();
  });
});

describe('KinesisStream settings', () => {
  test('retention, name and shard-level metrics pass through', () => {
    const stack = newStack();
    new KinesisStream(stack, 'Orders', {
      streamName: 'orders.v1',
      retentionPeriod: Duration.days(7),
      shardLevelMetrics: [kinesis.ShardLevelMetrics.INCOMING_BYTES, kinesis.ShardLevelMetrics.WRITE_PROVISIONED_THROUGHPUT_EXCEEDED],
    });
    Template.fromStack(stack).hasResourceProperties('AWS::Kinesis::Stream', {
      Name: 'orders.v1',
      RetentionPeriodHours: 168,
      DesiredShardLevelMetrics: ['IncomingBytes', 'WriteProvisionedThroughputExceeded'],
    });
  });

  test('a given key is used and no key is created', () => {
    const stack = newStack();
    const key = kms.Key.fromKeyArn(stack, 'Key', KEY_ARN);
    new KinesisStream(stack, 'Orders', { encryptionKey: key });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::KMS::Key', 0);
    template.hasResourceProperties('AWS::Kinesis::Stream', {
      StreamEncryption: { EncryptionType: 'KMS', KeyId: KEY_ARN },
    });
  });

  test('the AWS-managed key is an option', () => {
    const stack = newStack();
    const stream = new KinesisStream(stack, 'Orders', { encryption: kinesis.StreamEncryption.MANAGED });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::KMS::Key', 0);
    template.hasResourceProperties('AWS::Kinesis::Stream', {
      StreamEncryption: { EncryptionType: 'KMS', KeyId: 'alias/aws/kinesis' },
    });
    expect(stream.encryptionKey).toBeUndefined();
    expect(template.toJSON()).toMatchSnapshot();
  });

  test('no encryption only when asked for explicitly', () => {
    const stack = newStack();
    new KinesisStream(stack, 'Orders', { encryption: kinesis.StreamEncryption.UNENCRYPTED });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::KMS::Key', 0);
    template.hasResourceProperties('AWS::Kinesis::Stream', { StreamEncryption: Match.absent() });
    expect(template.toJSON()).toMatchSnapshot();
  });

  test('removalPolicy applies to the stream and its created key', () => {
    const stack = newStack();
    new KinesisStream(stack, 'Orders', { removalPolicy: RemovalPolicy.DESTROY });
    const template = Template.fromStack(stack);
    template.hasResource('AWS::Kinesis::Stream', { DeletionPolicy: 'Delete' });
    template.hasResource('AWS::KMS::Key', { DeletionPolicy: 'Delete' });
  });
});

describe('KinesisStream grants', () => {
  function setup() {
    const stack = newStack();
    const stream = new KinesisStream(stack, 'Orders');
    const role = new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    return { stack, stream, role };
  }

  test('grantWrite: producer actions on the stream ARN, kms:GenerateDataKey on the key', () => {
    const { stack, stream, role } = setup();
    stream.grantWrite(role);
    const template = Template.fromStack(stack);
    const statements = policyStatements(template);
    expect(statements).toEqual([
      {
        Effect: 'Allow',
        Action: ['kinesis:DescribeStreamSummary', 'kinesis:ListShards', 'kinesis:PutRecord', 'kinesis:PutRecords'],
        Resource: { 'Fn::GetAtt': [streamLogicalId(template), 'Arn'] },
      },
      {
        Effect: 'Allow',
        Action: 'kms:GenerateDataKey',
        Resource: { 'Fn::GetAtt': [keyLogicalId(template), 'Arn'] },
      },
    ]);
  });

  test('grantRead: consumer actions on the stream ARN, kms:Decrypt on the key', () => {
    const { stack, stream, role } = setup();
    stream.grantRead(role);
    const template = Template.fromStack(stack);
    expect(policyStatements(template)).toEqual([
      {
        Effect: 'Allow',
        Action: [
          'kinesis:DescribeStream',
          'kinesis:DescribeStreamSummary',
          'kinesis:GetRecords',
          'kinesis:GetShardIterator',
          'kinesis:ListShards',
          'kinesis:SubscribeToShard',
        ],
        Resource: { 'Fn::GetAtt': [streamLogicalId(template), 'Arn'] },
      },
      {
        Effect: 'Allow',
        Action: 'kms:Decrypt',
        Resource: { 'Fn::GetAtt': [keyLogicalId(template), 'Arn'] },
      },
    ]);
  });

  test('grantReadWrite: both, with both key actions', () => {
    const { stack, stream, role } = setup();
    stream.grantReadWrite(role);
    const template = Template.fromStack(stack);
    const statements = policyStatements(template);
    expect(statements).toHaveLength(2);
    expect(statements[0].Action).toEqual([
      'kinesis:DescribeStream',
      'kinesis:DescribeStreamSummary',
      'kinesis:GetRecords',
      'kinesis:GetShardIterator',
      'kinesis:ListShards',
      'kinesis:PutRecord',
      'kinesis:PutRecords',
      'kinesis:SubscribeToShard',
    ]);
    expect(statements[1]).toEqual({
      Effect: 'Allow',
      Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
      Resource: { 'Fn::GetAtt': [keyLogicalId(template), 'Arn'] },
    });
  });

  test('grantKplWrite adds PutMetricData limited to the KPL namespace', () => {
    const { stack, stream, role } = setup();
    stream.grantKplWrite(role);
    const statements = policyStatements(Template.fromStack(stack));
    expect(statements).toContainEqual({
      Effect: 'Allow',
      Action: 'cloudwatch:PutMetricData',
      Resource: '*',
      Condition: { StringEquals: { 'cloudwatch:namespace': 'KinesisProducerLibrary' } },
    });
    expect(statements.find((s: any) => Array.isArray(s.Action) && s.Action.includes('kinesis:PutRecords'))).toBeDefined();
  });

  test('no grant has a wildcard resource except the namespace-limited PutMetricData', () => {
    const { stack, stream, role } = setup();
    stream.grantReadWrite(role);
    stream.grantKplWrite(role, 'OrdersKpl');
    const statements = policyStatements(Template.fromStack(stack));
    const wildcards = statements.filter((s: any) => s.Resource === '*');
    expect(wildcards).toEqual([{
      Effect: 'Allow',
      Action: 'cloudwatch:PutMetricData',
      Resource: '*',
      Condition: { StringEquals: { 'cloudwatch:namespace': 'OrdersKpl' } },
    }]);
  });

  test('a stream without a customer-managed key grants no KMS actions', () => {
    const stack = newStack();
    const stream = new KinesisStream(stack, 'Orders', { encryption: kinesis.StreamEncryption.MANAGED });
    const role = new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    stream.grantReadWrite(role);
    const actions = policyStatements(Template.fromStack(stack)).flatMap((s: any) => [s.Action].flat());
    expect(actions.filter((a: string) => a.startsWith('kms:'))).toEqual([]);
  });
});

describe('KinesisStream metrics', () => {
  test('metrics carry the StreamName dimension', () => {
    const stack = newStack();
    const stream = new KinesisStream(stack, 'Orders', { streamName: 'orders' });
    const metric = stream.metricIncomingBytes();
    expect(metric.namespace).toBe('AWS/Kinesis');
    expect(stack.resolve(metric.dimensions)).toEqual({ StreamName: { Ref: streamLogicalId(Template.fromStack(stack)) } });
  });
});

describe('KinesisStream import', () => {
  test('fromKinesisStreamArn supports the same grants, scoped to the ARN', () => {
    const stack = new Stack(undefined, 'Stack', { env: { account: '123456789012', region: 'eu-west-1' } });
    const stream = KinesisStream.fromKinesisStreamArn(stack, 'Existing', STREAM_ARN);
    const role = new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    stream.grantWrite(role);
    expect(policyStatements(Template.fromStack(stack))).toEqual([{
      Effect: 'Allow',
      Action: ['kinesis:DescribeStreamSummary', 'kinesis:ListShards', 'kinesis:PutRecord', 'kinesis:PutRecords'],
      Resource: STREAM_ARN,
    }]);
    expect(stream.streamName).toBe('existing');
  });

  test('fromKinesisStreamAttributes with a key carries the KMS statements', () => {
    const stack = new Stack(undefined, 'Stack', { env: { account: '123456789012', region: 'eu-west-1' } });
    const key = kms.Key.fromKeyArn(stack, 'Key', KEY_ARN);
    const stream = KinesisStream.fromKinesisStreamAttributes(stack, 'Existing', { streamArn: STREAM_ARN, encryptionKey: key });
    const role = new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    stream.grantRead(role);
    stream.grantKplWrite(role);
    const statements = policyStatements(Template.fromStack(stack));
    expect(statements).toContainEqual({ Effect: 'Allow', Action: 'kms:Decrypt', Resource: KEY_ARN });
    expect(statements).toContainEqual({ Effect: 'Allow', Action: 'kms:GenerateDataKey', Resource: KEY_ARN });
    expect(statements).toContainEqual(expect.objectContaining({ Action: 'cloudwatch:PutMetricData' }));
  });

  test('the inherited fromStreamArn also returns this library\'s grants', () => {
    const stack = new Stack(undefined, 'Stack', { env: { account: '123456789012', region: 'eu-west-1' } });
    const stream = KinesisStream.fromStreamArn(stack, 'Existing', STREAM_ARN);
    const role = new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    stream.grantWrite(role);
    const actions = policyStatements(Template.fromStack(stack))[0].Action;
    expect(actions).toContain('kinesis:DescribeStreamSummary');
  });

  test('the import has metrics with the StreamName dimension from the ARN', () => {
    const stack = new Stack(undefined, 'Stack', { env: { account: '123456789012', region: 'eu-west-1' } });
    const stream = KinesisStream.fromKinesisStreamArn(stack, 'Existing', STREAM_ARN);
    expect(stream.metricWriteProvisionedThroughputExceeded().dimensions).toEqual({ StreamName: 'existing' });
    expect(stream.metric('IncomingBytes', { statistic: 'Sum' }).dimensions).toEqual({ StreamName: 'existing' });
    expect(stream.metricGetRecordsIteratorAgeMilliseconds().statistic).toBe('Maximum');
  });
});

describe('KinesisStream validation', () => {
  test.each([
    [StreamCapacity.provisioned(0), /TestStack\/Orders: capacity.shards must be between 1 and 10,000, got 0/],
    [StreamCapacity.provisioned(10_001), /TestStack\/Orders: capacity.shards must be between 1 and 10,000, got 10,001/],
    [StreamCapacity.provisioned(2.5), /capacity.shards must be a whole number, got 2.5/],
    [StreamCapacity.of(kinesis.StreamMode.ON_DEMAND, 4), /TestStack\/Orders: capacity: shards cannot be set on an on-demand stream, got 4 shards with ON_DEMAND/],
    [StreamCapacity.of(kinesis.StreamMode.PROVISIONED), /a provisioned stream needs a shard count between 1 and 10,000, got none/],
    [StreamCapacity.fromThroughput({ recordsPerSecond: 0, averageRecordSizeKiB: 1 }), /TestStack\/Orders: capacity.throughput: recordsPerSecond must be greater than 0, got 0/],
    [StreamCapacity.fromThroughput({ recordsPerSecond: 10, averageRecordSizeKiB: -2 }), /averageRecordSizeKiB must be greater than 0, got -2/],
    [StreamCapacity.fromThroughput({ recordsPerSecond: 10, averageRecordSizeKiB: 1, consumers: -1 }), /consumers must be greater than 0, got -1/],
    [StreamCapacity.fromThroughput({ recordsPerSecond: 20_000, averageRecordSizeKiB: 1024 }), /needs 20,000 shards \(WRITE_BYTES\), above the default limit of 1 to 10,000 shards/],
  ])('capacity %#', (capacity, message) => {
    expect(() => new KinesisStream(newStack(), 'Orders', { capacity })).toThrow(message);
  });

  test.each([
    [Duration.hours(23), /TestStack\/Orders: retentionPeriod must be between 24 and 8,760 hours, got 23 hours/],
    [Duration.hours(8761), /retentionPeriod must be between 24 and 8,760 hours, got 8,761 hours/],
  ])('retention %#', (retentionPeriod, message) => {
    expect(() => new KinesisStream(newStack(), 'Orders', { retentionPeriod })).toThrow(message);
  });

  test.each([kinesis.StreamEncryption.UNENCRYPTED, kinesis.StreamEncryption.MANAGED])('a key with encryption %s', (encryption) => {
    const stack = newStack();
    const key = kms.Key.fromKeyArn(stack, 'Key', KEY_ARN);
    expect(() => new KinesisStream(stack, 'Orders', { encryption, encryptionKey: key }))
      .toThrow(new RegExp(`TestStack/Orders: encryptionKey can only be used with encryption KMS, got encryption ${encryption}`));
  });

  test.each([
    ['', /streamName must be 1 to 128 characters of \[a-zA-Z0-9_.-\], got '' \(0 characters\)/],
    ['a'.repeat(129), /streamName must be 1 to 128 characters .* \(129 characters\)/],
    ['orders stream', /TestStack\/Orders: streamName must be 1 to 128 characters .*got 'orders stream'/],
  ])('stream name %j', (streamName, message) => {
    expect(() => new KinesisStream(newStack(), 'Orders', { streamName })).toThrow(message);
  });

  test('unresolved tokens skip the checks', () => {
    const stack = newStack();
    const shards = new CfnParameter(stack, 'Shards', { type: 'Number' });
    const hours = new CfnParameter(stack, 'Hours', { type: 'Number' });
    const name = new CfnParameter(stack, 'Name');
    expect(() => new KinesisStream(stack, 'Orders', {
      streamName: name.valueAsString,
      capacity: StreamCapacity.provisioned(shards.valueAsNumber),
      retentionPeriod: Duration.hours(hours.valueAsNumber),
    })).not.toThrow();
    Template.fromStack(stack).hasResourceProperties('AWS::Kinesis::Stream', {
      ShardCount: { Ref: 'Shards' },
      RetentionPeriodHours: { Ref: 'Hours' },
      Name: { Ref: 'Name' },
    });
  });
});
