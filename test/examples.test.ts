import * as fs from 'fs';
import * as path from 'path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import { addExampleStacks } from '../examples/platform';

function reportOf(outdir: string): any {
  const file = path.join(outdir, 'policy-validation-report.json');
  return fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf-8')) : undefined;
}

describe('example app', () => {
  test('every stack passes cdk-nag AwsSolutions with zero unacknowledged findings', () => {
    // GIVEN
    const app = new App();
    const stacks = addExampleStacks(app);
    // WHEN
    const assembly = app.synth();
    // THEN
    expect(stacks.length).toBeGreaterThan(0);
    const report = reportOf(assembly.directory);
    const failures = (report?.pluginReports ?? []).flatMap((r: any) => r.violations ?? []);
    expect(failures).toEqual([]);
  });

  test('the nag check can fail: an unencrypted, non-TLS bucket is reported', () => {
    const app = new App();
    const stack = new Stack(app, 'Bad');
    new s3.Bucket(stack, 'Bucket');
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).toThrow(/AwsSolutions-S10|Validation failed/);
  });

  test('the producer function is granted write on the stream', () => {
    const app = new App();
    const [stack] = addExampleStacks(app);
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: { STREAM_ARN: Match.anyValue() } } });
    const policies = Object.values<any>(template.findResources('AWS::IAM::Policy'));
    const actions = policies.flatMap((p) => p.Properties.PolicyDocument.Statement).flatMap((s: any) => [s.Action].flat());
    expect(actions).toEqual(expect.arrayContaining(['kinesis:PutRecords', 'kms:GenerateDataKey']));
  });

  test('the orders stream is autoscaled', () => {
    const app = new App();
    const [stack] = addExampleStacks(app);
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::CloudWatch::Alarm', 3);
    template.hasResourceProperties('AWS::Lambda::Function', { Description: Match.stringLikeRegexp('shard autoscaler') });
  });

  test('the orders stream has two enhanced fan-out consumers, a Lambda consumer and a KCL application', () => {
    const app = new App();
    const [stack] = addExampleStacks(app);
    const template = Template.fromStack(stack);
    const consumers = Object.values<any>(template.findResources('AWS::Kinesis::StreamConsumer')).map((c) => c.Properties.ConsumerName);
    expect(consumers.sort()).toEqual(['analytics', 'fraud-detection', 'orders-billing']);
    template.resourceCountIs('AWS::Lambda::EventSourceMapping', 1);
    template.hasResourceProperties('AWS::DynamoDB::Table', { TableName: 'orders-billing' });
  });
});
