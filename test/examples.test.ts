import * as fs from 'fs';
import * as path from 'path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R5Checks, PCIDSS321Checks } from 'cdk-nag';
import { addExampleStacks, NAG_PACKS, OrdersPlatformStack } from '../examples/platform';

/** The cdk-nag findings the validation plugins wrote, keyed by pack. */
function reportOf(outdir: string): Record<string, any[]> {
  const file = path.join(outdir, 'validation-report.json');
  const report = JSON.parse(fs.readFileSync(file, 'utf-8'));
  return Object.fromEntries(report.pluginReports.map((r: any) => [r.pluginName, r.violations]));
}

describe('example app', () => {
  test('every stack passes the AwsSolutions, NIST 800-53 r5, HIPAA and PCI DSS packs with zero unacknowledged findings', () => {
    // GIVEN
    const app = new App();
    const stacks = addExampleStacks(app);
    // WHEN
    const assembly = app.synth();
    // THEN
    expect(stacks.length).toBeGreaterThan(0);
    // A pack with no finding writes no report; any report is a finding.
    const report = reportOf(assembly.directory);
    const findings = Object.entries(report).flatMap(([pack, violations]) => violations.map((v: any) => `${pack}: ${v.ruleName}`));
    expect(findings).toEqual([]);
  });

  test('the nag check can fail: every pack reports an unencrypted, non-TLS bucket', () => {
    const app = new App();
    const stack = new Stack(app, 'Bad');
    new s3.Bucket(stack, 'Bucket');
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new NIST80053R5Checks(app), new HIPAASecurityChecks(app), new PCIDSS321Checks(app));
    let outdir = '';
    try {
      outdir = app.synth().directory;
    } catch (err) {
      outdir = app.outdir;
    }
    const report = reportOf(outdir);
    expect(Object.keys(report).sort()).toEqual([...NAG_PACKS].sort());
    expect(report.AwsSolutions.map((v: any) => v.ruleName)).toContain('AwsSolutions-S10');
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
    const alarmNames = Object.values<any>(template.findResources('AWS::CloudWatch::Alarm')).map((a) => JSON.stringify(a.Properties.AlarmName ?? ''));
    expect(alarmNames.filter((n) => n.includes('KinesisKitAutoscaler-'))).toHaveLength(3);
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

  test('the pipeline archives to S3 with a backup bucket and a transform, and runs a Flink SQL aggregate', () => {
    const app = new App();
    const [stack] = addExampleStacks(app) as OrdersPlatformStack[];
    const template = Template.fromStack(stack);
    const archive = stack.pipeline.archive!;
    expect(archive.backupBucket).toBeDefined();
    const delivery = Object.values<any>(template.findResources('AWS::KinesisFirehose::DeliveryStream'))[0].Properties;
    const destination = delivery.ExtendedS3DestinationConfiguration;
    expect(destination.S3BackupMode).toBe('Enabled');
    expect(destination.ProcessingConfiguration.Processors.map((p: any) => p.Type)).toContain('Lambda');
    template.resourceCountIs('AWS::KinesisAnalyticsV2::Application', 1);
    const sql = JSON.stringify(Object.values<any>(template.findResources('AWS::KinesisAnalyticsV2::Application'))[0].Properties);
    expect(sql).toContain('TUMBLE');
    expect(sql).not.toContain('{{');
    // Full monitoring: the stream, both consumers, the Lambda consumer, the autoscaler, the archive and Flink.
    const alarms = Object.values<any>(template.findResources('AWS::CloudWatch::Alarm')).map((a) => a.Properties.MetricName ?? 'math');
    expect(alarms).toEqual(expect.arrayContaining([
      'GetRecords.IteratorAgeMilliseconds', 'SubscribeToShardEvent.MillisBehindLatest', 'IteratorAge', 'AtMaxShards',
      'DeliveryToS3.DataFreshness', 'downtime',
    ]));
  });
});
