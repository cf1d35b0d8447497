import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { EnhancedFanOutConsumer, KinesisStream, LambdaConsumer } from '../src';
import { newStack, policyStatements } from './setup/util';

function setup() {
  const stack = newStack();
  const stream = new KinesisStream(stack, 'Orders');
  const fn = new lambda.Function(stack, 'Fn', {
    runtime: lambda.Runtime.NODEJS_24_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => ({})'),
  });
  return { stack, stream, fn };
}

describe('KinesisStream consumer methods', () => {
  test('addConsumer registers an enhanced fan-out consumer on the stream', () => {
    // GIVEN
    const { stack, stream } = setup();
    // WHEN
    const consumer = stream.addConsumer('billing');
    // THEN
    expect(consumer).toBeInstanceOf(EnhancedFanOutConsumer);
    const template = Template.fromStack(stack);
    const streamId = Object.keys(template.findResources('AWS::Kinesis::Stream'))[0];
    template.hasResourceProperties('AWS::Kinesis::StreamConsumer', {
      ConsumerName: 'billing',
      StreamARN: { 'Fn::GetAtt': [streamId, 'Arn'] },
    });
  });

  test('addLambdaConsumer maps the function with the safe defaults and read grants with KMS', () => {
    const { stack, stream, fn } = setup();
    const consumer = stream.addLambdaConsumer(fn, { batchSize: 500 });
    expect(consumer).toBeInstanceOf(LambdaConsumer);
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: 500,
      BisectBatchOnFunctionError: true,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    const actions = policyStatements(template).flatMap((s: any) => [s.Action].flat());
    expect(actions).toEqual(expect.arrayContaining(['kinesis:GetRecords', 'kms:Decrypt']));
  });

  test('grantReadToAccount adds the account to the stream policy', () => {
    const { stack, stream } = setup();
    stream.grantReadToAccount('111122223333');
    const template = Template.fromStack(stack);
    const policies = Object.values<any>(template.findResources('AWS::Kinesis::ResourcePolicy'));
    expect(policies).toHaveLength(1);
    const statement = policies[0].Properties.ResourcePolicy.Statement[0];
    expect(JSON.stringify(statement.Principal)).toContain('111122223333');
    expect(statement.Action).toEqual(expect.arrayContaining(['kinesis:GetRecords', 'kinesis:GetShardIterator']));
  });
});
