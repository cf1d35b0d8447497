import { App, CfnParameter, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { KinesisStream, ShardAutoscaler, StreamCapacity } from '../src';
import { newStack, policyStatements } from './setup/util';
import { decodeConfigs, DEFAULT_SCALING, thresholdFor } from '../src/private/autoscaler-config';

const ACCOUNT_STREAM_ARN = 'arn:aws:kinesis:eu-west-1:123456789012:stream/imported';

function autoscaledStack(maxShards = 32) {
  const stack = newStack();
  const stream = new KinesisStream(stack, 'Orders', {
    streamName: 'orders',
    capacity: StreamCapacity.provisioned(4),
    autoscaling: { minShards: 2, maxShards },
  });
  return { stack, stream, template: Template.fromStack(stack) };
}

function alarmsOf(template: Template): Record<string, any> {
  return template.findResources('AWS::CloudWatch::Alarm');
}

/** A name built with Fn::Join, with each Ref shown as {Ref:Id}. */
function joined(value: any): string {
  if (typeof value === 'string') return value;
  return value['Fn::Join'][1].map((p: any) => (typeof p === 'string' ? p : `{Ref:${p.Ref}}`)).join('');
}

describe('ShardAutoscaler alarms', () => {
  test('three alarms on the stream\'s own metrics, with the StreamName dimension, thresholds for the initial count', () => {
    const { template } = autoscaledStack();
    const streamId = Object.keys(template.findResources('AWS::Kinesis::Stream'))[0];
    const alarms = Object.values(alarmsOf(template)).map((a) => a.Properties);
    const names = alarms.map((a) => joined(a.AlarmName).replace(`{Ref:${streamId}}`, 'orders'));
    expect([...names].sort()).toEqual([
      'KinesisKitAutoscaler-orders-ScaleDown',
      'KinesisKitAutoscaler-orders-ScaleUp',
      'KinesisKitAutoscaler-orders-Throttled',
    ]);
    const byName = Object.fromEntries(alarms.map((a, i) => [names[i], a]));
    const up = byName['KinesisKitAutoscaler-orders-ScaleUp'];
    // The ScaleUp alarm watches at 85% (0.15 below scaleUpThreshold): 3.4 shards' worth on 4 shards.
    expect(thresholdFor('ScaleUp', DEFAULT_SCALING, 4)).toBe(3.4);
    expect(up).toMatchObject({
      Threshold: thresholdFor('ScaleUp', DEFAULT_SCALING, 4),
      EvaluationPeriods: 1,
      DatapointsToAlarm: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
    });
    const down = byName['KinesisKitAutoscaler-orders-ScaleDown'];
    expect(down).toMatchObject({
      Threshold: thresholdFor('ScaleDown', DEFAULT_SCALING, 4),
      EvaluationPeriods: DEFAULT_SCALING.scaleDownMinutes,
      DatapointsToAlarm: DEFAULT_SCALING.scaleDownMinutes,
      ComparisonOperator: 'LessThanOrEqualToThreshold',
    });
    // Every metric of every alarm has the stream's dimension, 1-minute Sum.
    for (const alarm of alarms) {
      const stats = alarm.Metrics
        ? alarm.Metrics.filter((m: any) => m.MetricStat).map((m: any) => m.MetricStat)
        : [{
          Metric: { MetricName: alarm.MetricName, Namespace: alarm.Namespace, Dimensions: alarm.Dimensions },
          Period: alarm.Period,
          Stat: alarm.Statistic,
        }];
      expect(stats.length).toBeGreaterThan(0);
      for (const stat of stats) {
        expect(stat.Metric.Namespace).toBe('AWS/Kinesis');
        expect(stat.Metric.Dimensions).toEqual([{ Name: 'StreamName', Value: { Ref: streamId } }]);
        expect(stat.Period).toBe(60);
        expect(stat.Stat).toBe('Sum');
      }
    }
    expect(byName['KinesisKitAutoscaler-orders-Throttled'].MetricName).toBe('WriteProvisionedThroughputExceeded');
    expect(up.Metrics.find((m: any) => m.Expression).Expression).toMatch(/^MAX\(\[FILL\(bytes, 0\)/);
  });

  test('each alarm invokes the autoscaler function directly, with a permission scoped to the alarm', () => {
    const { template } = autoscaledStack();
    const fnId = Object.keys(template.findResources('AWS::Lambda::Function'))[0];
    for (const alarm of Object.values(alarmsOf(template))) {
      expect(alarm.Properties.AlarmActions).toEqual([{ 'Fn::GetAtt': [fnId, 'Arn'] }]);
    }
    template.resourcePropertiesCountIs('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      Principal: 'lambda.alarms.cloudwatch.amazonaws.com',
      SourceArn: Match.anyValue(),
    }, 3);
  });

  test('the template keeps the initial shard count, whatever the autoscaling options', () => {
    const a = autoscaledStack(32).template;
    const b = autoscaledStack(64).template;
    const shardCount = (t: Template) => Object.values(t.findResources('AWS::Kinesis::Stream'))[0].Properties.ShardCount;
    expect(shardCount(a)).toBe(4);
    expect(shardCount(b)).toBe(4);
    // The alarms' template thresholds depend only on that count, so redeploying does not churn them.
    expect(Object.values(alarmsOf(a)).map((x) => x.Properties.Threshold)).toEqual(Object.values(alarmsOf(b)).map((x) => x.Properties.Threshold));
  });

  test('without capacity, an autoscaled stream starts at minShards', () => {
    const stack = newStack();
    new KinesisStream(stack, 'Orders', { autoscaling: { minShards: 3, maxShards: 30 } });
    Template.fromStack(stack).hasResourceProperties('AWS::Kinesis::Stream', { ShardCount: 3 });
  });
});

describe('ShardAutoscaler function', () => {
  test('one function per stack for all autoscaled streams, configured for each', () => {
    const stack = newStack();
    new KinesisStream(stack, 'Orders', { streamName: 'orders', autoscaling: { minShards: 1, maxShards: 8 } });
    new KinesisStream(stack, 'Clicks', { streamName: 'clicks', capacity: StreamCapacity.provisioned(4), autoscaling: { minShards: 2, maxShards: 16, predictive: false, scaleUpAlarmThreshold: 0.8 } });
    const template = Template.fromStack(stack);
    // The ScaleUp alarm of clicks watches at its own 80%: 3.2 shards' worth on 4 shards.
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { Threshold: 3.2, AlarmDescription: Match.stringLikeRegexp('reached 80% of the stream') });
    template.resourceCountIs('AWS::Lambda::Function', 1);
    template.resourceCountIs('AWS::CloudWatch::Alarm', 6);
    const fn = Object.values(template.findResources('AWS::Lambda::Function'))[0].Properties;
    expect(fn.Runtime).toBe('nodejs24.x');
    const config = decodeConfigs(stack.resolve(fn.Environment.Variables.KINESIS_KIT_AUTOSCALER_CONFIG)['Fn::Join'][1]
      .map((p: any) => (typeof p === 'string' ? p : 'TOKEN')).join(''));
    expect(config).toEqual([
      expect.objectContaining({ streamName: 'TOKEN', minShards: 1, maxShards: 8, predictive: true, scaleUpAlarmThreshold: 0.85 }),
      expect.objectContaining({ streamName: 'TOKEN', minShards: 2, maxShards: 16, predictive: false, scaleUpAlarmThreshold: 0.8 }),
    ]);
  });

  test('a stack whose streams would overflow Lambda\'s 4 KB of environment fails at synth', () => {
    const stack = newStack();
    for (let i = 0; i < 30; i++) {
      new KinesisStream(stack, `Stream${i}`, { autoscaling: { minShards: 1, maxShards: 8 } });
    }
    expect(() => Template.fromStack(stack)).toThrow(/the 30 autoscaled streams of this stack need up to \d+ bytes .* above Lambda's 4096; give the streams names/);
    const named = newStack();
    for (let i = 0; i < 30; i++) {
      new KinesisStream(named, `Stream${i}`, { streamName: `orders-${i}`, autoscaling: { minShards: 1, maxShards: 8 } });
    }
    expect(() => Template.fromStack(named)).not.toThrow();
  });

  test('ScaleDown treats missing data (no writes) as breaching; the other alarms do not', () => {
    const { template } = autoscaledStack();
    const byRole = Object.values<any>(template.findResources('AWS::CloudWatch::Alarm'))
      .map((a) => [JSON.stringify(a.Properties.AlarmName).match(/-(ScaleUp|ScaleDown|Throttled)"/)![1], a.Properties.TreatMissingData]);
    expect(Object.fromEntries(byRole)).toEqual({ ScaleUp: 'notBreaching', ScaleDown: 'breaching', Throttled: 'notBreaching' });
  });

  test('IAM is scoped to the streams and alarms it manages', () => {
    const { template } = autoscaledStack();
    const streamId = Object.keys(template.findResources('AWS::Kinesis::Stream'))[0];
    const statements = policyStatements(template);
    expect(statements).toContainEqual({
      Effect: 'Allow',
      Action: ['kinesis:DescribeStreamSummary', 'kinesis:UpdateShardCount'],
      Resource: { 'Fn::GetAtt': [streamId, 'Arn'] },
    });
    const alarmStatement = statements.find((s: any) => Array.isArray(s.Action) && s.Action.includes('cloudwatch:PutMetricAlarm'));
    expect(alarmStatement.Action).toEqual(['cloudwatch:DescribeAlarms', 'cloudwatch:PutMetricAlarm', 'cloudwatch:SetAlarmState']);
    expect(alarmStatement.Resource).toHaveLength(3);
    for (const arn of alarmStatement.Resource) {
      const text = JSON.stringify(arn);
      expect(text).toMatch(/:alarm:KinesisKitAutoscaler-/);
      expect(text).not.toContain('*');
    }
    // The only wildcard resource is GetMetricData, which has no resource-level permissions.
    expect(statements.filter((s: any) => s.Resource === '*')).toEqual([
      { Effect: 'Allow', Action: 'cloudwatch:GetMetricData', Resource: '*' },
    ]);
  });

  test('failed asynchronous invocations go to an encrypted, TLS-only dead-letter queue', () => {
    const { template } = autoscaledStack();
    const queueId = Object.keys(template.findResources('AWS::SQS::Queue'))[0];
    template.hasResourceProperties('AWS::Lambda::Function', {
      DeadLetterConfig: { TargetArn: { 'Fn::GetAtt': [queueId, 'Arn'] } },
    });
    template.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
  });

  test('the state table is on-demand, encrypted, with point-in-time recovery', () => {
    const { template } = autoscaledStack();
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [{ AttributeName: 'streamName', KeyType: 'HASH' }],
      SSESpecification: { SSEEnabled: true },
      Replicas: [Match.objectLike({ PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } })],
    });
  });

  test('after each deployment of the stack, a rule asks the function to reconcile the alarms', () => {
    const { template } = autoscaledStack();
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        'source': ['aws.cloudformation'],
        'detail-type': ['CloudFormation Stack Status Change'],
        'detail': {
          'stack-id': [{ Ref: 'AWS::StackId' }],
          'status-details': { status: ['CREATE_COMPLETE', 'UPDATE_COMPLETE', 'UPDATE_ROLLBACK_COMPLETE'] },
        },
      },
      Targets: [Match.objectLike({ Input: JSON.stringify({ action: 'reconcile' }) })],
    });
  });

  test('every 15 minutes a rule asks the function to check for peaks that history or the recent trend expects soon', () => {
    const { template } = autoscaledStack();
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(15 minutes)',
      Targets: [Match.objectLike({ Input: JSON.stringify({ action: 'schedule' }), RetryPolicy: { MaximumRetryAttempts: 0 } })],
    });
    // One rule per stack, as there is one function, however many streams it scales.
    const stack = newStack();
    for (const id of ['Orders', 'Clicks']) {
      new KinesisStream(stack, id, { capacity: StreamCapacity.provisioned(2), autoscaling: { minShards: 1, maxShards: 8 } });
    }
    const rules = Template.fromStack(stack).findResources('AWS::Events::Rule');
    expect(Object.values(rules).filter((r: any) => r.Properties.ScheduleExpression)).toHaveLength(1);
  });

  test('logs go to a log group encrypted with a rotating key that CloudWatch Logs may use; concurrency is reserved', () => {
    const { template } = autoscaledStack();
    const keyId = Object.keys(template.findResources('AWS::KMS::Key')).find((k) => k.includes('LogsKey'))!;
    template.hasResourceProperties('AWS::Logs::LogGroup', { KmsKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] } });
    template.hasResource('AWS::KMS::Key', {
      Properties: {
        EnableKeyRotation: true,
        KeyPolicy: {
          Statement: Match.arrayWith([Match.objectLike({
            Principal: { Service: { 'Fn::Join': ['', ['logs.', { Ref: 'AWS::Region' }, '.amazonaws.com']] } },
          })]),
        },
      },
      DeletionPolicy: 'Retain',
    });
    template.hasResourceProperties('AWS::Lambda::Function', { ReservedConcurrentExecutions: 5 });
  });

  test('the reserved concurrency can be changed, or removed for accounts with the minimum quota', () => {
    const stack = newStack();
    new KinesisStream(stack, 'Orders', { autoscaling: { minShards: 1, maxShards: 8 } });
    ShardAutoscaler.setReservedConcurrency(stack, 2);
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', { ReservedConcurrentExecutions: 2 });
    const other = newStack();
    new KinesisStream(other, 'Orders', { autoscaling: { minShards: 1, maxShards: 8 } });
    ShardAutoscaler.setReservedConcurrency(other, undefined);
    Template.fromStack(other).hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('shard autoscaler'), ReservedConcurrentExecutions: Match.absent(),
    });
    expect(() => ShardAutoscaler.setReservedConcurrency(newStack(), 0)).toThrow(/reservedConcurrentExecutions must be between 1 and 1,000, got 0/);
  });

  test('snapshot of an autoscaled stream', () => {
    const { template } = autoscaledStack();
    expect(template.toJSON()).toMatchSnapshot();
  });
});

describe('ShardAutoscaler metrics and widget', () => {
  test('metrics carry the StreamName dimension', () => {
    const { stack, stream, template } = autoscaledStack();
    const streamId = Object.keys(template.findResources('AWS::Kinesis::Stream'))[0];
    const m = stream.autoscaler!.metricAtMaxShards();
    expect(m.namespace).toBe('KinesisKit/Autoscaler');
    expect(stack.resolve(m.dimensions)).toEqual({ StreamName: { Ref: streamId } });
    expect(stream.autoscaler!.metricTargetShards().statistic).toBe('Maximum');
  });

  test('the widget shows traffic next to scaling events', () => {
    const { stack, stream } = autoscaledStack();
    const widget = stack.resolve(stream.autoscaler!.scalingWidget().toJson())[0];
    const metrics = JSON.stringify(widget.properties.metrics);
    expect(metrics).toContain('IncomingBytes');
    expect(metrics).toContain('TargetShards');
    expect(metrics).toContain('ScalingActions');
    expect(metrics).toContain('"yAxis":"right"');
  });
});

describe('ShardAutoscaler validation', () => {
  const cases: Array<[string, any, RegExp]> = [
    ['minShards 0', { minShards: 0, maxShards: 4 }, /TestStack\/Orders\/Autoscaler: minShards must be between 1 and 10,000, got 0/],
    ['maxShards above 10,000', { minShards: 1, maxShards: 10_001 }, /maxShards must be between 1 and 10,000, got 10,001/],
    ['min above max', { minShards: 8, maxShards: 4 }, /minShards must be no greater than maxShards, got minShards 8 and maxShards 4/],
    ['targetUtilization', { minShards: 1, maxShards: 4, targetUtilization: 0.99 }, /targetUtilization must be between 0.1 and 0.95, got 0.99/],
    ['scaleUpThreshold below target', { minShards: 1, maxShards: 4, scaleUpThreshold: 0.5 }, /scaleUpThreshold must be above targetUtilization \(0.95\) and at most 1, got 0.5/],
    ['scaleUpThreshold above 1', { minShards: 1, maxShards: 4, scaleUpThreshold: 1.2 }, /scaleUpThreshold must be between 0.1 and 1, got 1.2/],
    ['scaleDownThreshold above target', { minShards: 1, maxShards: 4, scaleDownThreshold: 0.95 }, /scaleDownThreshold must be at least 0.01 and below targetUtilization \(0.95\), got 0.95/],
    ['scaleUpAlarmThreshold above scaleUpThreshold', { minShards: 1, maxShards: 4, scaleUpAlarmThreshold: 0.98, scaleUpThreshold: 0.97 }, /scaleUpAlarmThreshold must be above scaleDownThreshold \(0.6\) and at most scaleUpThreshold \(0.97\), got 0.98/],
    ['scaleUpAlarmThreshold at scaleDownThreshold', { minShards: 1, maxShards: 4, scaleUpAlarmThreshold: 0.6 }, /scaleUpAlarmThreshold must be above scaleDownThreshold \(0.6\) and at most scaleUpThreshold \(1\), got 0.6/],
    ['scaleUpAlarmThreshold out of range', { minShards: 1, maxShards: 4, scaleUpAlarmThreshold: 1.5 }, /scaleUpAlarmThreshold must be between 0.05 and 1, got 1.5/],
    ['scaleDownEvaluationMinutes', { minShards: 1, maxShards: 4, scaleDownEvaluationMinutes: 0 }, /scaleDownEvaluationMinutes must be between 1 and 1,440, got 0/],
    ['lookback', { minShards: 1, maxShards: 4, lookback: Duration.hours(25) }, /lookback must be between 1 and 1,440 minutes, got 1,500 minutes/],
    ['forecastWindow in seconds', { minShards: 1, maxShards: 4, forecastWindow: Duration.seconds(90) }, /forecastWindow must be a whole number of minutes, got 1.5 minutes/],
    ['scaleUpReserve', { minShards: 1, maxShards: 4, scaleUpReserve: 10 }, /scaleUpReserve must be between 1 and 9, got 10/],
    ['minScaleDownRatio', { minShards: 1, maxShards: 4, minScaleDownRatio: 0.3 }, /minScaleDownRatio must be between 0.5 and 1, got 0.3/],
    ['initial count outside the bounds', { minShards: 8, maxShards: 16 }, /initialShardCount must be between 8 and 16, got 4/],
  ];
  test.each(cases)('%s', (_name, autoscaling, message) => {
    expect(() => new KinesisStream(newStack(), 'Orders', { capacity: StreamCapacity.provisioned(4), autoscaling })).toThrow(message);
  });

  test('the default scaleUpAlarmThreshold stays above scaleDownThreshold: halfway to scaleUpThreshold when 0.15 below it is not', () => {
    const alarmAt = (autoscaling: { targetUtilization: number; scaleUpThreshold: number; scaleDownThreshold: number }) => {
      const stack = newStack();
      new KinesisStream(stack, 'Orders', { capacity: StreamCapacity.provisioned(4), autoscaling: { minShards: 1, maxShards: 4, ...autoscaling } });
      const alarms = Template.fromStack(stack).findResources('AWS::CloudWatch::Alarm');
      const up = Object.values(alarms).find((a) => JSON.stringify(a.Properties.AlarmName).includes('-ScaleUp'));
      return up!.Properties.Threshold / 4;
    };
    expect(alarmAt({ targetUtilization: 0.58, scaleUpThreshold: 0.6, scaleDownThreshold: 0.55 })).toBeCloseTo(0.575);
    expect(alarmAt({ targetUtilization: 0.8, scaleUpThreshold: 0.9, scaleDownThreshold: 0.5 })).toBeCloseTo(0.75);
  });

  test('autoscaling on an on-demand stream is rejected', () => {
    expect(() => new KinesisStream(newStack(), 'Orders', { capacity: StreamCapacity.onDemand(), autoscaling: { minShards: 1, maxShards: 4 } }))
      .toThrow(/TestStack\/Orders: autoscaling needs a provisioned stream, got capacity ON_DEMAND/);
    const stack = newStack();
    const onDemand = new KinesisStream(stack, 'OnDemand', { capacity: StreamCapacity.onDemand() });
    expect(() => new ShardAutoscaler(stack, 'Scaler', { stream: onDemand, minShards: 1, maxShards: 4 }))
      .toThrow(/TestStack\/Scaler: autoscaling needs a provisioned stream, got an ON_DEMAND stream/);
  });

  test('an imported stream needs its initial shard count', () => {
    const stack = new Stack(new App(), 'TestStack', { env: { account: '123456789012', region: 'eu-west-1' } });
    const imported = KinesisStream.fromKinesisStreamArn(stack, 'Imported', ACCOUNT_STREAM_ARN);
    expect(() => new ShardAutoscaler(stack, 'Scaler', { stream: imported, minShards: 1, maxShards: 4 }))
      .toThrow(/initialShardCount is required for a stream that is not a KinesisStream/);
    const scaler = new ShardAutoscaler(stack, 'Scaler2', { stream: imported, minShards: 1, maxShards: 4, initialShardCount: 2 });
    expect(scaler.scaleUpAlarm).toBeDefined();
    const names = Object.values(alarmsOf(Template.fromStack(stack))).map((a) => joined(a.Properties.AlarmName));
    expect(names).toContain('KinesisKitAutoscaler-imported-ScaleUp');
  });

  test('a stream in another account or region is rejected: the autoscaler reaches streams by name', () => {
    const stack = new Stack(new App(), 'TestStack', { env: { account: '123456789012', region: 'eu-west-1' } });
    const otherAccount = KinesisStream.fromKinesisStreamArn(stack, 'OtherAccount', 'arn:aws:kinesis:eu-west-1:210987654321:stream/theirs');
    expect(() => new ShardAutoscaler(stack, 'Scaler', { stream: otherAccount, minShards: 1, maxShards: 4, initialShardCount: 2 }))
      .toThrow(/TestStack\/Scaler: stream must be in the stack's account \(123456789012\): the autoscaler reaches streams by name, got a stream in account 210987654321/);
    const otherRegion = KinesisStream.fromKinesisStreamArn(stack, 'OtherRegion', 'arn:aws:kinesis:us-east-1:123456789012:stream/theirs');
    expect(() => new ShardAutoscaler(stack, 'Scaler2', { stream: otherRegion, minShards: 1, maxShards: 4, initialShardCount: 2 }))
      .toThrow(/stream must be in the stack's region \(eu-west-1\): the autoscaler reaches streams by name, got a stream in region us-east-1/);
  });

  test('unresolved tokens skip the checks', () => {
    const stack = newStack();
    const min = new CfnParameter(stack, 'Min', { type: 'Number' }).valueAsNumber;
    const max = new CfnParameter(stack, 'Max', { type: 'Number' }).valueAsNumber;
    const shards = new CfnParameter(stack, 'Shards', { type: 'Number' }).valueAsNumber;
    expect(() => new KinesisStream(stack, 'Orders', { capacity: StreamCapacity.provisioned(shards), autoscaling: { minShards: min, maxShards: max } })).not.toThrow();
  });
});
