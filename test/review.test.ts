/**
 * Output that teams can review and redeploy: deterministic synth, stable logical ids of the
 * data-bearing resources, environment-agnostic stacks, and the platform in a CDK Pipelines stage.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack, Stage, StageProps } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as pipelines from 'aws-cdk-lib/pipelines';
import { Construct } from 'constructs';
import { addExampleStacks, OrdersPlatformStack } from '../examples/platform';

/** Synthesizes the example app into a fresh directory; returns file name -> content. */
function synthExample(): Record<string, string> {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-kinesis-kit-'));
  const app = new App({ outdir });
  addExampleStacks(app);
  app.synth();
  const files: Record<string, string> = {};
  for (const name of fs.readdirSync(outdir)) {
    if (name.endsWith('.template.json') || name.endsWith('.assets.json')) {
      files[name] = fs.readFileSync(path.join(outdir, name), 'utf-8');
    }
  }
  fs.rmSync(outdir, { recursive: true, force: true });
  return files;
}

/** Logical ids of the data-bearing resources: a changed id makes CloudFormation replace them. */
const DATA_BEARING = ['AWS::Kinesis::Stream', 'AWS::KMS::Key', 'AWS::S3::Bucket', 'AWS::DynamoDB::Table', 'AWS::DynamoDB::GlobalTable'];

function dataBearingIds(template: Template): Record<string, string[]> {
  return Object.fromEntries(DATA_BEARING.map((type) => [type, Object.keys(template.findResources(type)).sort()]));
}

describe('deterministic synth', () => {
  test('synthesizing the example app twice gives identical templates and asset manifests', () => {
    const first = synthExample();
    const second = synthExample();
    expect(Object.keys(first).length).toBeGreaterThan(0);
    expect(Object.keys(second).sort()).toEqual(Object.keys(first).sort());
    for (const name of Object.keys(first)) {
      expect({ name, content: second[name] }).toEqual({ name, content: first[name] });
    }
  });
});

describe('stable logical ids', () => {
  test('the example\'s streams, keys, buckets and tables keep their logical ids', () => {
    const app = new App();
    const [stack] = addExampleStacks(app);
    // If this fails after a refactor, the refactor would replace these resources (and lose their
    // data) on the next deployment: keep the construct ids, or migrate the resources deliberately.
    expect(dataBearingIds(Template.fromStack(stack))).toEqual({
      'AWS::Kinesis::Stream': [
        'OrdersAnalyticsOutputA8D7BDE3',
        'OrdersStream160EEBFB',
      ],
      'AWS::KMS::Key': [
        'FunctionsLogsKeyC86FD550',
        'KinesisKitShardAutoscalerLogsKeyDF6DA31E',
        'OrdersAnalyticsLogsKeyA2678DEB',
        'OrdersAnalyticsOutputKey67EE5A02',
        'OrdersArchiveKey3BF0F2B9',
        'OrdersMonitoringAlarmTopicKey7ECEB017',
        'OrdersStreamKey1BEC3CF9',
      ],
      'AWS::S3::Bucket': [
        'OrdersArchiveAccessLogsBucket2A5CEA5D',
        'OrdersArchiveBackupBucket8C6B528F',
        'OrdersArchiveBucketA7E920C3',
      ],
      'AWS::DynamoDB::Table': [
        'BillingCoordinatorStateTable269F877B',
        'BillingLeaseTable256C6EDB',
        'BillingWorkerMetricsTable36DF1263',
      ],
      'AWS::DynamoDB::GlobalTable': [
        'KinesisKitShardAutoscalerState9D646D2B',
      ],
    });
  });
});

describe('environment-agnostic', () => {
  test('the example stacks synthesize with no account, region or context lookup', () => {
    const app = new App();
    const stacks = addExampleStacks(app);
    const assembly = app.synth();
    for (const stack of stacks) {
      expect(stack.environment).toBe('aws://unknown-account/unknown-region');
    }
    expect(assembly.manifest.missing ?? []).toEqual([]);
  });

  test('the platform deploys from a CDK Pipelines stage', () => {
    // GIVEN a pipeline stack, as a platform team's pipeline repository would have it
    const app = new App();
    const pipelineStack = new Stack(app, 'Pipeline', { env: { account: '111111111111', region: 'eu-west-1' } });
    const pipeline = new pipelines.CodePipeline(pipelineStack, 'Pipeline', {
      crossAccountKeys: true,
      synth: new pipelines.ShellStep('Synth', {
        input: pipelines.CodePipelineSource.connection('example-org/orders-platform', 'main', {
          connectionArn: 'arn:aws:codeconnections:eu-west-1:111111111111:connection/00000000-0000-0000-0000-000000000000',
        }),
        commands: ['npm ci', 'npx cdk synth'],
      }),
    });
    // WHEN the platform is a stage of it
    class PlatformStage extends Stage {
      public readonly platform: OrdersPlatformStack;
      constructor(scope: Construct, id: string, props?: StageProps) {
        super(scope, id, props);
        this.platform = new OrdersPlatformStack(this, 'OrdersPlatform');
      }
    }
    const stage = new PlatformStage(app, 'Prod', { env: { account: '222222222222', region: 'eu-west-1' } });
    pipeline.addStage(stage);
    // THEN the stage's stack synthesizes, and the pipeline deploys it
    const template = Template.fromStack(stage.platform);
    template.hasResourceProperties('AWS::Kinesis::Stream', { Name: 'orders' });
    const pipelineTemplate = JSON.stringify(Template.fromStack(pipelineStack).toJSON());
    expect(pipelineTemplate).toContain('Prod-OrdersPlatform');
  });
});
