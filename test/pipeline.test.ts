import { Duration } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import {
  FirehoseDelivery,
  DeliveryDestination,
  KinesisStream,
  StreamCapacity,
  StreamingMonitoring,
  StreamingPipeline,
} from '../src';
import { newStack, policyStatements } from './setup/util';

function fn(stack: any, id: string): lambda.Function {
  return new lambda.Function(stack, id, {
    runtime: lambda.Runtime.NODEJS_24_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler = async () => ({})'),
  });
}

describe('StreamingPipeline defaults', () => {
  test('new StreamingPipeline(this, id) gives an autoscaled stream, an archive with backup, and monitoring', () => {
    // GIVEN
    const stack = newStack();
    // WHEN
    const pipeline = new StreamingPipeline(stack, 'Orders');
    // THEN
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::Kinesis::Stream', 1);
    template.hasResource('AWS::Kinesis::Stream', { Properties: { ShardCount: 1 }, DeletionPolicy: 'Retain' });
    expect(pipeline.stream).toBeInstanceOf(KinesisStream);
    expect((pipeline.stream as KinesisStream).autoscaler?.maxShards).toBe(64);
    template.resourceCountIs('AWS::KinesisFirehose::DeliveryStream', 1);
    expect(pipeline.archive?.backupBucket).toBeDefined();
    expect(pipeline.monitoring?.alarms.length).toBeGreaterThanOrEqual(5 + 2 + 3);
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    expect(pipeline.analytics).toBeUndefined();
    expect(pipeline.consumers).toEqual([]);
    expect(template.toJSON()).toMatchSnapshot();
  });

  test('the archive reads the stream and can decrypt it', () => {
    const stack = newStack();
    const pipeline = new StreamingPipeline(stack, 'Orders');
    const template = Template.fromStack(stack);
    const statements = policyStatements(template);
    const keyId = Object.keys(template.findResources('AWS::KMS::Key')).find((k) => k.startsWith('OrdersStreamKey'))!;
    expect(statements).toContainEqual(expect.objectContaining({ Action: 'kms:Decrypt', Resource: { 'Fn::GetAtt': [keyId, 'Arn'] } }));
    expect(pipeline.archive?.source).toBe(pipeline.stream);
  });
});

describe('StreamingPipeline parts', () => {
  test('consumers, Lambda consumers and their monitoring', () => {
    const stack = newStack();
    const indexer = fn(stack, 'Indexer');
    const pipeline = new StreamingPipeline(stack, 'Orders', {
      streamProps: { capacity: StreamCapacity.fromThroughput({ recordsPerSecond: 2000, averageRecordSizeKiB: 1 }) },
      enhancedFanOutConsumers: ['fraud', 'analytics'],
      lambdaConsumers: [{ function: indexer, options: { batchSize: 250 } }],
    });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Kinesis::Stream', { ShardCount: 2 });
    template.resourceCountIs('AWS::Kinesis::StreamConsumer', 2);
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', { BatchSize: 250 });
    expect(pipeline.consumers.map((c) => c.consumerName)).toEqual(['fraud', 'analytics']);
    expect(pipeline.lambdaConsumers).toHaveLength(1);
    template.resourcePropertiesCountIs('AWS::CloudWatch::Alarm', { MetricName: 'SubscribeToShardEvent.MillisBehindLatest' }, 2);
    template.resourcePropertiesCountIs('AWS::CloudWatch::Alarm', { MetricName: 'IteratorAge', Namespace: 'AWS/Lambda' }, 1);
  });

  test('each part accepts an existing resource instead of creating one', () => {
    const stack = newStack();
    const stream = new KinesisStream(stack, 'Existing');
    const monitoring = new StreamingMonitoring(stack, 'Ops');
    const delivery = new FirehoseDelivery(stack, 'Delivery', { source: stream, destination: DeliveryDestination.s3() });
    const pipeline = new StreamingPipeline(stack, 'Orders', { stream, monitoring, archiveDelivery: delivery });
    expect(pipeline.stream).toBe(stream);
    expect(pipeline.monitoring).toBe(monitoring);
    expect(pipeline.archive).toBe(delivery);
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::Kinesis::Stream', 1);
    template.resourceCountIs('AWS::KinesisFirehose::DeliveryStream', 1);
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
  });

  test('archive and monitoring can be turned off', () => {
    const stack = newStack();
    const pipeline = new StreamingPipeline(stack, 'Orders', { archive: { enabled: false }, monitoringEnabled: false });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::KinesisFirehose::DeliveryStream', 0);
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 0);
    expect(pipeline.archive).toBeUndefined();
    expect(pipeline.monitoring).toBeUndefined();
  });

  test('a Flink SQL application reads the stream and writes an output stream, with placeholders replaced', () => {
    const stack = newStack();
    const pipeline = new StreamingPipeline(stack, 'Orders', {
      archive: { enabled: false },
      sqlAnalytics: {
        statements: [
          "CREATE TABLE orders (id STRING) WITH ('connector' = 'kinesis', 'stream.arn' = '{{stream.arn}}', 'aws.region' = '{{region}}')",
          "CREATE TABLE counts (n BIGINT) WITH ('connector' = 'kinesis', 'stream.arn' = '{{output.arn}}')",
          'INSERT INTO counts SELECT COUNT(*) FROM orders',
        ],
      },
    });
    expect(pipeline.analytics).toBeDefined();
    expect(pipeline.analyticsOutput).toBeDefined();
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::KinesisAnalyticsV2::Application', 1);
    template.hasResourceProperties('AWS::Kinesis::Stream', { StreamModeDetails: { StreamMode: 'ON_DEMAND' } });
    const app = Object.values<any>(template.findResources('AWS::KinesisAnalyticsV2::Application'))[0];
    const groups = JSON.stringify(app.Properties.ApplicationConfiguration.EnvironmentProperties.PropertyGroups);
    expect(groups).not.toContain('{{');
    expect(groups).toContain('AWS::Region');
    // Read on the stream and write on the output, with their keys.
    const actions = policyStatements(template).flatMap((s: any) => [s.Action].flat());
    expect(actions).toEqual(expect.arrayContaining(['kinesis:GetRecords', 'kinesis:PutRecords', 'kms:Decrypt', 'kms:GenerateDataKey']));
    // Monitored, with the Application dimension.
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'downtime', Namespace: 'AWS/KinesisAnalytics' });
    // The output stream is monitored too.
    const outputId = Object.keys(template.findResources('AWS::Kinesis::Stream')).find((k) => k.startsWith('OrdersAnalyticsOutput'))!;
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'WriteProvisionedThroughputExceeded', Dimensions: [{ Name: 'StreamName', Value: { Ref: outputId } }],
    });
  });
});

describe('StreamingPipeline validation', () => {
  test.each([
    ['stream and streamProps', (s: any) => ({ stream: new KinesisStream(s, 'S'), streamProps: {} }), /stream and streamProps cannot be used together/],
    ['archiveDelivery and archive', (s: any) => ({
      archiveDelivery: new FirehoseDelivery(s, 'D', { destination: DeliveryDestination.s3() }), archive: {},
    }), /archiveDelivery and archive cannot be used together/],
    ['monitoring and monitoringProps', (s: any) => ({ monitoring: new StreamingMonitoring(s, 'M'), monitoringProps: {} }), /monitoring and monitoringProps cannot be used together/],
    ['monitoringProps without monitoring', () => ({ monitoringEnabled: false, monitoringProps: {} }), /need monitoringEnabled, got monitoringEnabled false/],
    ['an unknown placeholder', () => ({ sqlAnalytics: { statements: ['SELECT 1 FROM {{nope}}'] } }), /TestStack\/Orders: sqlAnalytics.statements: unknown or unavailable placeholder '\{\{nope\}\}'/],
    ['output placeholder without output', () => ({ sqlAnalytics: { outputStream: false, statements: ["INSERT INTO x SELECT '{{output.arn}}'"] } }), /unavailable placeholder '\{\{output.arn\}\}'/],
  ])('%s', (_name, props, message) => {
    const stack = newStack();
    expect(() => new StreamingPipeline(stack, 'Orders', props(stack))).toThrow(message);
  });

  test('the stream can be sized from throughput or given fixed settings', () => {
    const stack = newStack();
    new StreamingPipeline(stack, 'Orders', { streamProps: { capacity: StreamCapacity.provisioned(3), retentionPeriod: Duration.days(3) } });
    Template.fromStack(stack).hasResourceProperties('AWS::Kinesis::Stream', { ShardCount: 3, RetentionPeriodHours: 72 });
  });
});
