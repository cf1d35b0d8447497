import { CfnParameter, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { LambdaConsumer, LambdaConsumerProps } from '../src/lambda-consumer';
import { KinesisStream } from '../src/stream';
import { logicalIdOf, newStack, policyStatements } from './setup/util';

const STREAM_READ = [
  'kinesis:DescribeStream',
  'kinesis:DescribeStreamSummary',
  'kinesis:GetRecords',
  'kinesis:GetShardIterator',
  'kinesis:ListShards',
  'kinesis:SubscribeToShard',
];

function setup() {
  const stack = newStack();
  const stream = new KinesisStream(stack, 'Orders');
  const fn = new lambda.Function(stack, 'Handler', {
    runtime: lambda.Runtime.NODEJS_22_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => ({ batchItemFailures: [] });'),
  });
  return { stack, stream, fn };
}

describe('LambdaConsumer on shared throughput', () => {
  test('safe defaults: bisect, 10 retries, 1 hour record age, partial failures, on-failure queue', () => {
    // GIVEN
    const { stack, stream, fn } = setup();
    // WHEN
    const consumer = new LambdaConsumer(stack, 'Indexer', { stream, function: fn });
    // THEN
    const template = Template.fromStack(stack);
    const queueId = logicalIdOf(template, 'AWS::SQS::Queue');
    template.resourceCountIs('AWS::Lambda::EventSourceMapping', 1);
    template.resourceCountIs('AWS::Kinesis::StreamConsumer', 0);
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [logicalIdOf(template, 'AWS::Kinesis::Stream'), 'Arn'] },
      FunctionName: { Ref: logicalIdOf(template, 'AWS::Lambda::Function') },
      StartingPosition: 'LATEST',
      BatchSize: 100,
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: 10,
      MaximumRecordAgeInSeconds: 3600,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [queueId, 'Arn'] } } },
    });
    expect(consumer.consumer).toBeUndefined();
    expect(stack.resolve(consumer.onFailureQueue.queueArn)).toEqual({ 'Fn::GetAtt': [queueId, 'Arn'] });
    expect(stack.resolve(consumer.eventSourceMappingId)).toEqual({ Ref: logicalIdOf(template, 'AWS::Lambda::EventSourceMapping') });
    expect(template.toJSON()).toMatchSnapshot();
  });

  test('the created on-failure queue is encrypted, TLS only, and keeps messages 14 days', () => {
    // GIVEN
    const { stack, stream, fn } = setup();
    // WHEN
    new LambdaConsumer(stack, 'Indexer', { stream, function: fn });
    // THEN
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::SQS::Queue', {
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 1_209_600,
    });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({
          Effect: 'Deny',
          Action: 'sqs:*',
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        })]),
      },
    });
  });

  test('the function gets the scoped stream read, kms:Decrypt on the stream key and SendMessage on the queue', () => {
    // GIVEN
    const { stack, stream, fn } = setup();
    // WHEN
    new LambdaConsumer(stack, 'Indexer', { stream, function: fn });
    // THEN
    const template = Template.fromStack(stack);
    expect(policyStatements(template)).toEqual([
      {
        Effect: 'Allow',
        Action: ['sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage'],
        Resource: { 'Fn::GetAtt': [logicalIdOf(template, 'AWS::SQS::Queue'), 'Arn'] },
      },
      {
        Effect: 'Allow',
        Action: STREAM_READ,
        Resource: { 'Fn::GetAtt': [logicalIdOf(template, 'AWS::Kinesis::Stream'), 'Arn'] },
      },
      {
        Effect: 'Allow',
        Action: 'kms:Decrypt',
        Resource: { 'Fn::GetAtt': [logicalIdOf(template, 'AWS::KMS::Key'), 'Arn'] },
      },
    ]);
  });

  test('a given queue is used and none is created', () => {
    // GIVEN
    const stack = new Stack(undefined, 'Stack', { env: { account: '123456789012', region: 'eu-west-1' } });
    const stream = new KinesisStream(stack, 'Orders');
    const fn = lambda.Function.fromFunctionAttributes(stack, 'Fn', {
      functionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:indexer',
      role: iam.Role.fromRoleArn(stack, 'Role', 'arn:aws:iam::123456789012:role/indexer'),
      sameEnvironment: true,
    });
    const queue = sqs.Queue.fromQueueArn(stack, 'Queue', 'arn:aws:sqs:eu-west-1:123456789012:failures');
    // WHEN
    const consumer = new LambdaConsumer(stack, 'Indexer', { stream, function: fn, onFailure: queue });
    // THEN
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::SQS::Queue', 0);
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      DestinationConfig: { OnFailure: { Destination: 'arn:aws:sqs:eu-west-1:123456789012:failures' } },
    });
    expect(consumer.onFailureQueue).toBe(queue);
  });

  test('the defaults can be changed', () => {
    // GIVEN
    const { stack, stream, fn } = setup();
    // WHEN
    new LambdaConsumer(stack, 'Indexer', {
      stream,
      function: fn,
      startingPosition: lambda.StartingPosition.TRIM_HORIZON,
      batchSize: 500,
      maxBatchingWindow: Duration.seconds(5),
      maxRecordAge: Duration.days(7),
      retryAttempts: 0,
      parallelizationFactor: 10,
      tumblingWindow: Duration.minutes(15),
      bisectBatchOnError: false,
      reportBatchItemFailures: false,
    });
    // THEN
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      StartingPosition: 'TRIM_HORIZON',
      BatchSize: 500,
      MaximumBatchingWindowInSeconds: 5,
      MaximumRecordAgeInSeconds: 604_800,
      MaximumRetryAttempts: 0,
      ParallelizationFactor: 10,
      TumblingWindowInSeconds: 900,
      BisectBatchOnFunctionError: false,
      FunctionResponseTypes: Match.absent(),
    });
  });
});

describe('LambdaConsumer with enhanced fan-out', () => {
  test('maps the function to a consumer of its own', () => {
    // GIVEN
    const { stack, stream, fn } = setup();
    // WHEN
    const consumer = new LambdaConsumer(stack, 'Indexer', { stream, function: fn, enhancedFanOut: true });
    // THEN
    const template = Template.fromStack(stack);
    const consumerId = logicalIdOf(template, 'AWS::Kinesis::StreamConsumer');
    template.hasResourceProperties('AWS::Kinesis::StreamConsumer', {
      ConsumerName: Match.stringLikeRegexp('^TestStackIndexer[0-9A-F]{8}$'),
      StreamARN: { 'Fn::GetAtt': [logicalIdOf(template, 'AWS::Kinesis::Stream'), 'Arn'] },
    });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [consumerId, 'ConsumerARN'] },
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: 10,
      MaximumRecordAgeInSeconds: 3600,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    expect(consumer.consumer?.node.path).toBe('TestStack/Indexer/Consumer');
    expect(template.toJSON()).toMatchSnapshot();
  });

  test('the function also gets the consumer actions on the consumer ARN', () => {
    // GIVEN
    const { stack, stream, fn } = setup();
    // WHEN
    new LambdaConsumer(stack, 'Indexer', { stream, function: fn, enhancedFanOut: true, consumerName: 'indexer' });
    // THEN
    const template = Template.fromStack(stack);
    const statements = policyStatements(template);
    expect(statements).toContainEqual({
      Effect: 'Allow',
      Action: STREAM_READ,
      Resource: { 'Fn::GetAtt': [logicalIdOf(template, 'AWS::Kinesis::Stream'), 'Arn'] },
    });
    expect(statements).toContainEqual({
      Effect: 'Allow',
      Action: 'kms:Decrypt',
      Resource: { 'Fn::GetAtt': [logicalIdOf(template, 'AWS::KMS::Key'), 'Arn'] },
    });
    expect(statements).toContainEqual({
      Effect: 'Allow',
      Action: ['kinesis:DescribeStreamConsumer', 'kinesis:SubscribeToShard'],
      Resource: { 'Fn::GetAtt': [logicalIdOf(template, 'AWS::Kinesis::StreamConsumer'), 'ConsumerARN'] },
    });
    template.hasResourceProperties('AWS::Kinesis::StreamConsumer', { ConsumerName: 'indexer' });
  });

  test('no statement grants kinesis:ListStreams or a wildcard resource', () => {
    const { stack, stream, fn } = setup();
    new LambdaConsumer(stack, 'Indexer', { stream, function: fn, enhancedFanOut: true });
    const statements = policyStatements(Template.fromStack(stack));
    expect(statements.flatMap((s: any) => [s.Action].flat())).not.toContain('kinesis:ListStreams');
    expect(statements.filter((s: any) => s.Resource === '*')).toEqual([]);
  });
});

describe('LambdaConsumer validation', () => {
  test.each<[Partial<LambdaConsumerProps>, RegExp]>([
    [{ batchSize: 0 }, /TestStack\/Indexer: batchSize must be between 1 and 10,000, got 0/],
    [{ batchSize: 10_001 }, /batchSize must be between 1 and 10,000, got 10,001/],
    [{ batchSize: 1.5 }, /batchSize must be a whole number, got 1.5/],
    [{ maxBatchingWindow: Duration.seconds(301) }, /TestStack\/Indexer: maxBatchingWindow must be between 0 and 300 seconds, got 301 seconds/],
    [{ maxRecordAge: Duration.seconds(59) }, /TestStack\/Indexer: maxRecordAge must be between 60 and 604,800 seconds, got 59 seconds/],
    [{ maxRecordAge: Duration.days(8) }, /maxRecordAge must be between 60 and 604,800 seconds, got 691,200 seconds/],
    [{ retryAttempts: -1 }, /TestStack\/Indexer: retryAttempts must be between 0 and 10,000, got -1/],
    [{ retryAttempts: 10_001 }, /retryAttempts must be between 0 and 10,000, got 10,001/],
    [{ parallelizationFactor: 0 }, /TestStack\/Indexer: parallelizationFactor must be between 1 and 10, got 0/],
    [{ parallelizationFactor: 11 }, /parallelizationFactor must be between 1 and 10, got 11/],
    [{ tumblingWindow: Duration.minutes(16) }, /TestStack\/Indexer: tumblingWindow must be between 0 and 900 seconds, got 960 seconds/],
    [{ startingPosition: lambda.StartingPosition.AT_TIMESTAMP }, /TestStack\/Indexer: startingPosition must be LATEST or TRIM_HORIZON, got AT_TIMESTAMP/],
    [{ consumerName: 'indexer' }, /TestStack\/Indexer: consumerName can only be used with enhancedFanOut true, got consumerName 'indexer' with enhancedFanOut false/],
    [{ enhancedFanOut: true, consumerName: 'index er' }, /TestStack\/Indexer: consumerName must be 1 to 128 characters of \[a-zA-Z0-9_.-\], got 'index er'/],
  ])('bad input %#', (props, message) => {
    const { stack, stream, fn } = setup();
    expect(() => new LambdaConsumer(stack, 'Indexer', { stream, function: fn, ...props })).toThrow(message);
  });

  // maxRecordAge is left out: aws-cdk-lib's EventSourceMapping itself rejects a token there.
  test('unresolved tokens skip the checks', () => {
    // GIVEN
    const { stack, stream, fn } = setup();
    const number = (id: string) => new CfnParameter(stack, id, { type: 'Number' }).valueAsNumber;
    // WHEN
    new LambdaConsumer(stack, 'Indexer', {
      stream,
      function: fn,
      batchSize: number('BatchSize'),
      maxBatchingWindow: Duration.seconds(number('Window')),
      retryAttempts: number('Retries'),
      parallelizationFactor: number('Parallel'),
      tumblingWindow: Duration.seconds(number('Tumbling')),
    });
    // THEN
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: { Ref: 'BatchSize' },
      MaximumBatchingWindowInSeconds: { Ref: 'Window' },
      MaximumRetryAttempts: { Ref: 'Retries' },
      ParallelizationFactor: { Ref: 'Parallel' },
      TumblingWindowInSeconds: { Ref: 'Tumbling' },
    });
  });
});
