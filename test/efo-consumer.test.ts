import { App, CfnParameter, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import { EnhancedFanOutConsumer } from '../src/efo-consumer';
import { grantReadToAccount } from '../src/private/consumer-helpers';
import { KinesisStream } from '../src/stream';
import { logicalIdOf, newStack, policyStatements } from './setup/util';

const STREAM_ARN = 'arn:aws:kinesis:eu-west-1:123456789012:stream/existing';

/** The logical ids of the stream consumers, in creation order. */
function consumerIds(template: Template): string[] {
  return Object.keys(template.findResources('AWS::Kinesis::StreamConsumer'));
}

/** Whether `from` reaches `to` through DependsOn. */
function dependsOn(resources: Record<string, any>, from: string, to: string): boolean {
  const seen = new Set<string>();
  const stack = [from];
  while (stack.length > 0) {
    const id = stack.pop()!;
    for (const dep of [resources[id].DependsOn ?? []].flat() as string[]) {
      if (dep === to) return true;
      if (!seen.has(dep)) {
        seen.add(dep);
        stack.push(dep);
      }
    }
  }
  return false;
}

/** All subsets of `items` of size `k`. */
function subsets<T>(items: T[], k: number): T[][] {
  if (k === 0) return [[]];
  if (items.length < k) return [];
  const [first, ...rest] = items;
  return [...subsets(rest, k - 1).map((s) => [first, ...s]), ...subsets(rest, k)];
}

function setup() {
  const stack = newStack();
  const stream = new KinesisStream(stack, 'Orders');
  return { stack, stream };
}

describe('EnhancedFanOutConsumer', () => {
  test('registers a consumer on the stream', () => {
    // GIVEN
    const { stack, stream } = setup();
    // WHEN
    const consumer = new EnhancedFanOutConsumer(stack, 'Analytics', { stream, consumerName: 'analytics' });
    // THEN
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::Kinesis::StreamConsumer', 1);
    template.hasResourceProperties('AWS::Kinesis::StreamConsumer', {
      ConsumerName: 'analytics',
      StreamARN: { 'Fn::GetAtt': [logicalIdOf(template, 'AWS::Kinesis::Stream'), 'Arn'] },
    });
    expect(consumer.consumerName).toBe('analytics');
    expect(stack.resolve(consumer.consumerArn)).toEqual({ 'Fn::GetAtt': [consumerIds(template)[0], 'ConsumerARN'] });
    expect(consumer.streamConsumer).toBeInstanceOf(kinesis.StreamConsumer);
    expect(template.toJSON()).toMatchSnapshot();
  });

  test('can be created in the stream\'s own scope, as stream.addConsumer does', () => {
    // GIVEN
    const { stack, stream } = setup();
    // WHEN
    const consumer = new EnhancedFanOutConsumer(stream, 'Consumer-analytics', { stream, consumerName: 'analytics' });
    // THEN
    expect(consumer.node.path).toBe('TestStack/Orders/Consumer-analytics');
    Template.fromStack(stack).resourceCountIs('AWS::Kinesis::StreamConsumer', 1);
  });

  test('accepts an aws-cdk-lib stream and an imported stream', () => {
    // GIVEN
    const stack = new Stack(undefined, 'Stack', { env: { account: '123456789012', region: 'eu-west-1' } });
    const plain = new kinesis.Stream(stack, 'Plain');
    const imported = KinesisStream.fromKinesisStreamArn(stack, 'Existing', STREAM_ARN);
    // WHEN
    new EnhancedFanOutConsumer(stack, 'A', { stream: plain, consumerName: 'a' });
    new EnhancedFanOutConsumer(stack, 'B', { stream: imported, consumerName: 'b' });
    // THEN
    Template.fromStack(stack).hasResourceProperties('AWS::Kinesis::StreamConsumer', { ConsumerName: 'b', StreamARN: STREAM_ARN });
  });
});

describe('EnhancedFanOutConsumer limits', () => {
  test('7 consumers of one stream: consumer i depends on consumer i-5', () => {
    // GIVEN
    const { stack, stream } = setup();
    // WHEN
    for (let i = 0; i < 7; i++) {
      new EnhancedFanOutConsumer(stack, `C${i}`, { stream, consumerName: `c${i}` });
    }
    // THEN
    const template = Template.fromStack(stack);
    const ids = consumerIds(template);
    const resources = template.findResources('AWS::Kinesis::StreamConsumer');
    expect(ids).toHaveLength(7);
    for (let i = 0; i < 5; i++) {
      expect(resources[ids[i]].DependsOn).toBeUndefined();
    }
    expect(resources[ids[5]].DependsOn).toEqual([ids[0]]);
    expect(resources[ids[6]].DependsOn).toEqual([ids[1]]);
  });

  test('no 6 consumers can be created at once: every 6 of 12 include a dependency path', () => {
    // GIVEN
    const { stack, stream } = setup();
    // WHEN
    for (let i = 0; i < 12; i++) {
      new EnhancedFanOutConsumer(stack, `C${i}`, { stream, consumerName: `c${i}` });
    }
    // THEN
    const template = Template.fromStack(stack);
    const resources = template.toJSON().Resources;
    const ids = consumerIds(template);
    for (const group of subsets(ids, 6)) {
      const ordered = subsets(group, 2).some(([a, b]) => dependsOn(resources, a, b) || dependsOn(resources, b, a));
      expect(ordered).toBe(true);
    }
  });

  test('consumers of different streams are not chained', () => {
    // GIVEN
    const { stack, stream } = setup();
    const other = new KinesisStream(stack, 'Other');
    // WHEN
    for (let i = 0; i < 5; i++) {
      new EnhancedFanOutConsumer(stack, `C${i}`, { stream, consumerName: `c${i}` });
    }
    new EnhancedFanOutConsumer(stack, 'OtherC', { stream: other, consumerName: 'c5' });
    // THEN
    const resources = Template.fromStack(stack).findResources('AWS::Kinesis::StreamConsumer');
    expect(Object.values(resources).filter((r: any) => r.DependsOn !== undefined)).toEqual([]);
  });

  test('20 consumers synthesize, the 21st fails the synth', () => {
    // GIVEN
    function withConsumers(count: number): Stack {
      const { stack, stream } = setup();
      for (let i = 0; i < count; i++) {
        new EnhancedFanOutConsumer(stack, `C${i}`, { stream, consumerName: `c${i}` });
      }
      return stack;
    }
    // WHEN
    const twenty = withConsumers(20);
    const twentyOne = withConsumers(21);
    // THEN
    expect(() => Template.fromStack(twenty)).not.toThrow();
    expect(() => Template.fromStack(twentyOne)).toThrow(
      /TestStack\/C20: stream: a stream has 1 to 20 enhanced fan-out consumers, got 21 on TestStack\/Orders; consumer 'c20' is number 21/);
  });

  test('the count is per app: two apps with 20 consumers each both synthesize', () => {
    for (let n = 0; n < 2; n++) {
      // GIVEN
      const stack = new Stack(new App(), 'Stack');
      const stream = KinesisStream.fromKinesisStreamArn(stack, 'Existing', STREAM_ARN);
      // WHEN
      for (let i = 0; i < 20; i++) {
        new EnhancedFanOutConsumer(stack, `C${i}`, { stream, consumerName: `c${i}` });
      }
      // THEN
      expect(() => Template.fromStack(stack)).not.toThrow();
    }
  });

  test('two imports of one stream ARN count together', () => {
    // GIVEN
    const stack = new Stack(new App(), 'Stack');
    const first = KinesisStream.fromKinesisStreamArn(stack, 'First', STREAM_ARN);
    const second = kinesis.Stream.fromStreamArn(stack, 'Second', STREAM_ARN);
    // WHEN
    for (let i = 0; i < 10; i++) {
      new EnhancedFanOutConsumer(stack, `A${i}`, { stream: first, consumerName: `a${i}` });
      new EnhancedFanOutConsumer(stack, `B${i}`, { stream: second, consumerName: `b${i}` });
    }
    new EnhancedFanOutConsumer(stack, 'Extra', { stream: second, consumerName: 'extra' });
    // THEN
    expect(() => Template.fromStack(stack)).toThrow(/Stack\/Extra: stream: a stream has 1 to 20 enhanced fan-out consumers, got 21/);
  });

  test('a consumer name used twice on one stream fails the synth', () => {
    // GIVEN
    const { stack, stream } = setup();
    new EnhancedFanOutConsumer(stack, 'First', { stream, consumerName: 'analytics' });
    // WHEN
    new EnhancedFanOutConsumer(stack, 'Second', { stream, consumerName: 'analytics' });
    // THEN
    expect(() => Template.fromStack(stack)).toThrow(
      /TestStack\/Second: consumerName must be unique per stream, got 'analytics', already registered on TestStack\/Orders by TestStack\/First/);
  });

  test.each([
    ['', /TestStack\/Bad: consumerName must be 1 to 128 characters of \[a-zA-Z0-9_.-\], got '' \(0 characters\)/],
    ['a'.repeat(129), /consumerName must be 1 to 128 characters .* \(129 characters\)/],
    ['analytics consumer', /TestStack\/Bad: consumerName must be 1 to 128 characters .*got 'analytics consumer'/],
  ])('consumer name %j fails', (consumerName, message) => {
    const { stack, stream } = setup();
    expect(() => new EnhancedFanOutConsumer(stack, 'Bad', { stream, consumerName })).toThrow(message);
  });

  test('an unresolved consumer name skips the checks', () => {
    // GIVEN
    const { stack, stream } = setup();
    const name = new CfnParameter(stack, 'ConsumerName');
    // WHEN
    new EnhancedFanOutConsumer(stack, 'A', { stream, consumerName: name.valueAsString });
    new EnhancedFanOutConsumer(stack, 'B', { stream, consumerName: name.valueAsString });
    // THEN
    Template.fromStack(stack).hasResourceProperties('AWS::Kinesis::StreamConsumer', { ConsumerName: { Ref: 'ConsumerName' } });
  });
});

describe('EnhancedFanOutConsumer grants', () => {
  test('grantSubscribe: stream read with kms:Decrypt, plus the consumer actions on the consumer ARN', () => {
    // GIVEN
    const { stack, stream } = setup();
    const consumer = new EnhancedFanOutConsumer(stack, 'Analytics', { stream, consumerName: 'analytics' });
    const role = new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') });
    // WHEN
    consumer.grantSubscribe(role);
    // THEN
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
        Resource: { 'Fn::GetAtt': [logicalIdOf(template, 'AWS::Kinesis::Stream'), 'Arn'] },
      },
      {
        Effect: 'Allow',
        Action: 'kms:Decrypt',
        Resource: { 'Fn::GetAtt': [logicalIdOf(template, 'AWS::KMS::Key'), 'Arn'] },
      },
      {
        Effect: 'Allow',
        Action: ['kinesis:DescribeStreamConsumer', 'kinesis:SubscribeToShard'],
        Resource: { 'Fn::GetAtt': [consumerIds(template)[0], 'ConsumerARN'] },
      },
    ]);
  });

  test('grantSubscribeToAccount: the consumer policy, the stream policy and the key policy', () => {
    // GIVEN
    const { stack, stream } = setup();
    const consumer = new EnhancedFanOutConsumer(stack, 'Analytics', { stream, consumerName: 'analytics' });
    // WHEN
    consumer.grantSubscribeToAccount('111122223333');
    // THEN
    const template = Template.fromStack(stack);
    const account = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::111122223333:root']] };
    const consumerArn = { 'Fn::GetAtt': [consumerIds(template)[0], 'ConsumerARN'] };
    const streamArn = { 'Fn::GetAtt': [logicalIdOf(template, 'AWS::Kinesis::Stream'), 'Arn'] };
    template.resourceCountIs('AWS::Kinesis::ResourcePolicy', 2);
    template.hasResourceProperties('AWS::Kinesis::ResourcePolicy', {
      ResourceArn: consumerArn,
      ResourcePolicy: {
        Statement: [{
          Effect: 'Allow',
          Principal: { AWS: account },
          Action: ['kinesis:DescribeStreamConsumer', 'kinesis:SubscribeToShard'],
          Resource: consumerArn,
        }],
      },
    });
    template.hasResourceProperties('AWS::Kinesis::ResourcePolicy', {
      ResourceArn: streamArn,
      ResourcePolicy: {
        Statement: [{
          Effect: 'Allow',
          Principal: { AWS: account },
          Action: [
            'kinesis:DescribeStream',
            'kinesis:DescribeStreamSummary',
            'kinesis:GetRecords',
            'kinesis:GetShardIterator',
            'kinesis:ListShards',
          ],
          Resource: streamArn,
        }],
      },
    });
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([{ Effect: 'Allow', Principal: { AWS: account }, Action: 'kms:Decrypt', Resource: '*' }]),
      },
    });
  });

  test('grantReadToAccount: the stream policy holds only the actions Kinesis accepts there', () => {
    // GIVEN
    const { stack, stream } = setup();
    // WHEN
    grantReadToAccount(stream, '111122223333');
    grantReadToAccount(stream, '111122223333');
    // THEN
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::Kinesis::ResourcePolicy', 1);
    const policy = Object.values<any>(template.findResources('AWS::Kinesis::ResourcePolicy'))[0];
    const statements = policy.Properties.ResourcePolicy.Statement;
    expect(statements).toHaveLength(1);
    for (const unsupported of ['kinesis:ListStreams', 'kinesis:DescribeStreamConsumer', 'kinesis:SubscribeToShard']) {
      expect(statements[0].Action).not.toContain(unsupported);
    }
  });

  test('grantReadToAccount fails for an imported stream, whose policy is its owner\'s', () => {
    const stack = new Stack(undefined, 'Stack', { env: { account: '123456789012', region: 'eu-west-1' } });
    const stream = KinesisStream.fromKinesisStreamArn(stack, 'Existing', STREAM_ARN);
    expect(() => grantReadToAccount(stream, '111122223333'))
      .toThrow(/Stack\/Existing: grantReadToAccount\(111122223333\) needs a stream created in this app, got an imported stream/);
  });

  test.each(['12345', '1111-2222-3333', 'abcdefghijkl'])('account id %j fails', (accountId) => {
    const { stack, stream } = setup();
    const consumer = new EnhancedFanOutConsumer(stack, 'Analytics', { stream, consumerName: 'analytics' });
    expect(() => consumer.grantSubscribeToAccount(accountId))
      .toThrow(new RegExp(`TestStack/Analytics: accountId must be an AWS account id of 12 digits, got '${accountId}'`));
    expect(() => grantReadToAccount(stream, accountId))
      .toThrow(new RegExp(`TestStack/Orders: accountId must be an AWS account id of 12 digits, got '${accountId}'`));
  });

  test('an unresolved account id skips the check', () => {
    const { stack, stream } = setup();
    const account = new CfnParameter(stack, 'Account');
    expect(() => grantReadToAccount(stream, account.valueAsString)).not.toThrow();
  });
});

describe('EnhancedFanOutConsumer metrics', () => {
  test('metricMillisBehindLatest: Maximum over 1 minute, with StreamName and ConsumerName', () => {
    // GIVEN
    const { stack, stream } = setup();
    const consumer = new EnhancedFanOutConsumer(stack, 'Analytics', { stream, consumerName: 'analytics' });
    // WHEN
    const metric = consumer.metricMillisBehindLatest();
    // THEN
    expect(metric.namespace).toBe('AWS/Kinesis');
    expect(metric.metricName).toBe('SubscribeToShardEvent.MillisBehindLatest');
    expect(metric.statistic).toBe('Maximum');
    expect(metric.period.toSeconds()).toBe(60);
    expect(stack.resolve(metric.dimensions)).toEqual({
      StreamName: { Ref: logicalIdOf(Template.fromStack(stack), 'AWS::Kinesis::Stream') },
      ConsumerName: 'analytics',
    });
  });

  test('metric: caller options override the defaults', () => {
    const { stack, stream } = setup();
    const consumer = new EnhancedFanOutConsumer(stack, 'Analytics', { stream, consumerName: 'analytics' });
    const metric = consumer.metricMillisBehindLatest({ statistic: 'p99', period: Duration.minutes(5) });
    expect(metric.statistic).toBe('p99');
    expect(metric.period.toMinutes()).toBe(5);
    expect(consumer.metric('SubscribeToShardEvent.Bytes').dimensions).toHaveProperty('ConsumerName', 'analytics');
  });
});
