import { Duration } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import { DeliveryDestination, FirehoseDelivery, KinesisStream, StreamCapacity, StreamingMonitoring } from '../src';
import { logicalIdOf, newStack } from './setup/util';

function setup() {
  const stack = newStack();
  const stream = new KinesisStream(stack, 'Orders', {
    capacity: StreamCapacity.provisioned(4),
    retentionPeriod: Duration.hours(48),
  });
  const monitoring = new StreamingMonitoring(stack, 'Monitoring');
  return { stack, stream, monitoring };
}

function alarmsByDescription(template: Template, pattern: RegExp): any[] {
  return Object.values<any>(template.findResources('AWS::CloudWatch::Alarm'))
    .map((a) => a.Properties)
    .filter((p) => pattern.test(p.AlarmDescription ?? ''));
}

describe('StreamingMonitoring topic', () => {
  test('creates an encrypted, TLS-only topic that CloudWatch can publish to', () => {
    const { stack } = setup();
    const template = Template.fromStack(stack);
    const keyId = Object.keys(template.findResources('AWS::KMS::Key')).find((k) => k.startsWith('MonitoringAlarmTopicKey'))!;
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] } });
    template.hasResource('AWS::KMS::Key', {
      Properties: {
        EnableKeyRotation: true,
        KeyPolicy: { Statement: Match.arrayWith([Match.objectLike({ Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: ['kms:Decrypt', 'kms:GenerateDataKey*'] })]) },
      },
      DeletionPolicy: 'Retain',
    });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
  });

  test('uses a given topic instead', () => {
    const stack = newStack();
    const topic = sns.Topic.fromTopicArn(stack, 'Topic', 'arn:aws:sns:eu-west-1:123456789012:ops');
    const monitoring = new StreamingMonitoring(stack, 'Monitoring', { alarmTopic: topic });
    monitoring.monitorStream(new KinesisStream(stack, 'Orders'));
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::SNS::Topic', 0);
    for (const alarm of Object.values<any>(template.findResources('AWS::CloudWatch::Alarm'))) {
      expect(alarm.Properties.AlarmActions).toEqual(['arn:aws:sns:eu-west-1:123456789012:ops']);
    }
  });
});

describe('StreamingMonitoring.monitorStream', () => {
  test('five alarms, each with the StreamName dimension and the topic as action', () => {
    // GIVEN
    const { stack, stream, monitoring } = setup();
    // WHEN
    const alarms = monitoring.monitorStream(stream);
    // THEN
    expect(alarms).toHaveLength(5);
    const template = Template.fromStack(stack);
    const streamId = logicalIdOf(template, 'AWS::Kinesis::Stream');
    const topicId = logicalIdOf(template, 'AWS::SNS::Topic');
    const props = Object.values<any>(template.findResources('AWS::CloudWatch::Alarm')).map((a) => a.Properties);
    expect(props.map((p) => p.MetricName).sort()).toEqual([
      'GetRecords.IteratorAgeMilliseconds',
      'PutRecord.Success',
      'PutRecords.Success',
      'ReadProvisionedThroughputExceeded',
      'WriteProvisionedThroughputExceeded',
    ]);
    for (const p of props) {
      expect(p.Namespace).toBe('AWS/Kinesis');
      expect(p.Dimensions).toEqual([{ Name: 'StreamName', Value: { Ref: streamId } }]);
      expect(p.AlarmActions).toEqual([{ Ref: topicId }]);
    }
  });

  test('iterator age is measured against the retention period; thresholds can be changed', () => {
    const { stack, stream, monitoring } = setup();
    monitoring.monitorStream(stream);
    const template = Template.fromStack(stack);
    // Half of 48 hours.
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'GetRecords.IteratorAgeMilliseconds',
      Statistic: 'Maximum',
      Threshold: 24 * 3600 * 1000,
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'WriteProvisionedThroughputExceeded', Statistic: 'Average', Threshold: 0.01, ComparisonOperator: 'GreaterThanThreshold',
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'PutRecords.Success', Threshold: 0.99, ComparisonOperator: 'LessThanThreshold',
    });

    const other = setup();
    other.monitoring.monitorStream(other.stream, { maxIteratorAge: Duration.minutes(10), maxThrottledFraction: 0.05, minPutSuccessRate: 0.9 });
    const t2 = Template.fromStack(other.stack);
    t2.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'GetRecords.IteratorAgeMilliseconds', Threshold: 600_000 });
    t2.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'ReadProvisionedThroughputExceeded', Threshold: 0.05 });
    t2.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'PutRecord.Success', Threshold: 0.9 });
  });

  test('rejects fractions outside 0 to 1', () => {
    const { stream, monitoring } = setup();
    expect(() => monitoring.monitorStream(stream, { maxThrottledFraction: 2 })).toThrow(/TestStack\/Monitoring: maxThrottledFraction must be between 0 and 1, got 2/);
    expect(() => monitoring.monitorStream(stream, { minPutSuccessRate: -1 })).toThrow(/minPutSuccessRate must be between 0 and 1, got -1/);
  });

  test('the dashboard shows traffic against capacity, throttles and iterator age', () => {
    const { stack, stream, monitoring } = setup();
    monitoring.monitorStream(stream);
    const body = JSON.stringify(stack.resolve((Template.fromStack(stack).findResources('AWS::CloudWatch::Dashboard') as any)[logicalIdOf(Template.fromStack(stack), 'AWS::CloudWatch::Dashboard')].Properties.DashboardBody));
    expect(body).toContain('traffic against provisioned capacity');
    expect(body).toContain('IncomingBytes');
    expect(body).toContain('4 shards');
    expect(body).toContain('throttles');
    expect(body).toContain('WriteProvisionedThroughputExceeded');
    expect(body).toContain('iterator age');
  });
});

describe('StreamingMonitoring consumers and autoscaler', () => {
  test('an enhanced fan-out consumer\'s lag alarm has the StreamName and ConsumerName dimensions', () => {
    const { stack, stream, monitoring } = setup();
    monitoring.monitorConsumer(stream.addConsumer('analytics'), { maxMillisBehindLatest: Duration.minutes(2) });
    const template = Template.fromStack(stack);
    const [alarm] = alarmsByDescription(template, /enhanced fan-out consumer/);
    expect(alarm).toMatchObject({
      MetricName: 'SubscribeToShardEvent.MillisBehindLatest',
      Namespace: 'AWS/Kinesis',
      Threshold: 120_000,
      Dimensions: [
        { Name: 'ConsumerName', Value: 'analytics' },
        { Name: 'StreamName', Value: { Ref: logicalIdOf(template, 'AWS::Kinesis::Stream') } },
      ],
    });
  });

  test('a Lambda consumer\'s IteratorAge and Errors alarms have the FunctionName dimension', () => {
    const { stack, stream, monitoring } = setup();
    const fn = new lambda.Function(stack, 'Fn', {
      runtime: lambda.Runtime.NODEJS_24_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler = async () => ({})'),
    });
    stream.addLambdaConsumer(fn);
    monitoring.monitorLambdaConsumer(fn, { maxErrors: 3 });
    const template = Template.fromStack(stack);
    const fnId = Object.keys(template.findResources('AWS::Lambda::Function')).find((k) => k.startsWith('Fn'))!;
    for (const [name, threshold] of [['IteratorAge', 300_000], ['Errors', 3]] as const) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: name,
        Namespace: 'AWS/Lambda',
        Threshold: threshold,
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: fnId } }],
      });
    }
  });

  test('the autoscaler\'s failures and pinned-at-maxShards alarms have the StreamName dimension', () => {
    const stack = newStack();
    const stream = new KinesisStream(stack, 'Orders', { autoscaling: { minShards: 1, maxShards: 8 } });
    const monitoring = new StreamingMonitoring(stack, 'Monitoring');
    monitoring.monitorAutoscaler(stream.autoscaler!, { atMaxShardsPeriods: 6 });
    const template = Template.fromStack(stack);
    const dims = [{ Name: 'StreamName', Value: { Ref: logicalIdOf(template, 'AWS::Kinesis::Stream') } }];
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { Namespace: 'KinesisKit/Autoscaler', MetricName: 'Failures', Dimensions: dims });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'KinesisKit/Autoscaler', MetricName: 'AtMaxShards', Dimensions: dims, EvaluationPeriods: 6,
    });
    const fnId = Object.keys(template.findResources('AWS::Lambda::Function')).find((k) => k.startsWith('KinesisKitShardAutoscaler'))!;
    template.resourcePropertiesCountIs('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/Lambda', MetricName: 'Errors', Dimensions: [{ Name: 'FunctionName', Value: { Ref: fnId } }],
    }, 1);
    const body = JSON.stringify(stack.resolve(Object.values<any>(template.findResources('AWS::CloudWatch::Dashboard'))[0].Properties.DashboardBody));
    expect(body).toContain('Traffic and shard autoscaling');
    expect(body).toContain('TargetShards');
    expect(() => monitoring.monitorAutoscaler(stream.autoscaler!, { atMaxShardsPeriods: 0 })).toThrow(/atMaxShardsPeriods must be between 1 and 288, got 0/);
  });

  test('an autoscaled stream\'s capacity line is the autoscaler\'s shard count', () => {
    const stack = newStack();
    const stream = new KinesisStream(stack, 'Orders', { autoscaling: { minShards: 1, maxShards: 8 } });
    const monitoring = new StreamingMonitoring(stack, 'Monitoring');
    monitoring.monitorStream(stream);
    const body = JSON.stringify(stack.resolve(Object.values<any>(Template.fromStack(stack).findResources('AWS::CloudWatch::Dashboard'))[0].Properties.DashboardBody));
    expect(body).toContain('Shards (autoscaler)');
  });

  test('snapshot of a monitored stream with a consumer', () => {
    const { stack, stream, monitoring } = setup();
    monitoring.monitorStream(stream);
    monitoring.monitorConsumer(stream.addConsumer('analytics'));
    expect(monitoring.alarms).toHaveLength(6);
    expect(Template.fromStack(stack).toJSON()).toMatchSnapshot();
  });
});

describe('StreamingMonitoring.monitorFirehose', () => {
  test('data freshness against twice the buffer interval and delivery success, with the DeliveryStreamName dimension', () => {
    const { stack, stream, monitoring } = setup();
    const delivery = new FirehoseDelivery(stack, 'Archive', {
      source: stream,
      destination: DeliveryDestination.s3({ bufferingInterval: Duration.seconds(120) }),
    });
    const alarms = monitoring.monitorFirehose(delivery);
    expect(alarms).toHaveLength(4);
    const template = Template.fromStack(stack);
    const name = { Ref: Object.keys(template.findResources('AWS::KinesisFirehose::DeliveryStream'))[0] };
    const topic = { Ref: logicalIdOf(template, 'AWS::SNS::Topic') };
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'DeliveryToS3.DataFreshness',
      Namespace: 'AWS/Firehose',
      Threshold: 2 * 120 + 300,
      Dimensions: [{ Name: 'DeliveryStreamName', Value: name }],
      AlarmActions: [topic],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'DeliveryToS3.Success',
      Dimensions: [{ Name: 'DeliveryStreamName', Value: name }],
      AlarmActions: [topic],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ThrottledGetRecords',
      Namespace: 'AWS/Firehose',
      Dimensions: [{ Name: 'DeliveryStreamName', Value: name }],
      AlarmActions: [topic],
    });
    const body = JSON.stringify(stack.resolve(Object.values<any>(template.findResources('AWS::CloudWatch::Dashboard'))[0].Properties.DashboardBody));
    expect(body).toContain('delivery freshness');
  });

  test('Direct PUT: throttled records, with the DeliveryStreamName dimension', () => {
    const { stack, monitoring } = setup();
    const delivery = new FirehoseDelivery(stack, 'Ingest', { destination: DeliveryDestination.s3() });
    monitoring.monitorFirehose(delivery);
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ThrottledRecords',
      Dimensions: [{ Name: 'DeliveryStreamName', Value: { Ref: Object.keys(template.findResources('AWS::KinesisFirehose::DeliveryStream'))[0] } }],
    });
  });
});
