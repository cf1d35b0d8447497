import * as path from 'path';
import { App, CfnParameter, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as firehose from 'aws-cdk-lib/aws-kinesisfirehose';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import { EnhancedFanOutConsumer } from '../src/efo-consumer';
import {
  ApplicationCode,
  FlinkApplication,
  FlinkApplicationProps,
  FlinkLogLevel,
  FlinkMetricsLevel,
  FlinkRuntime,
} from '../src/flink-application';
import { KinesisStream } from '../src/stream';
import { logicalIdOf, newStack, policyStatements } from './setup/util';

const FIXTURES = path.join(__dirname, 'runtime', 'fixtures');
const JAR = path.join(FIXTURES, 'app.jar');
const FIREHOSE_ARN = 'arn:aws:firehose:eu-west-1:123456789012:deliverystream/archive';

function jarApp(stack: Stack, props: Partial<FlinkApplicationProps> = {}, id = 'App'): FlinkApplication {
  return new FlinkApplication(stack, id, { runtime: FlinkRuntime.FLINK_1_20, code: ApplicationCode.fromAsset(JAR), ...props });
}

/** The application's runtime property groups, by id. */
function propertyGroups(template: Template): Record<string, any> {
  const app = Object.values<any>(template.findResources('AWS::KinesisAnalyticsV2::Application'))[0];
  const groups = app.Properties.ApplicationConfiguration.EnvironmentProperties?.PropertyGroups ?? [];
  return Object.fromEntries(groups.map((g: any) => [g.PropertyGroupId, g.PropertyMap]));
}

/** Statements that grant every one of `actions`. */
function statementsWith(template: Template, ...actions: string[]): any[] {
  return policyStatements(template).filter((s) => actions.every((a) => [s.Action].flat().includes(a)));
}

describe('FlinkApplication defaults', () => {
  test('a JAR application with the service defaults written out', () => {
    // GIVEN
    const stack = newStack();
    // WHEN
    const app = jarApp(stack);
    app.addSource(new KinesisStream(stack, 'Orders'));
    app.addSink(new KinesisStream(stack, 'Enriched'));
    // THEN
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::KinesisAnalyticsV2::Application', {
      RuntimeEnvironment: 'FLINK-1_20',
      ServiceExecutionRole: { 'Fn::GetAtt': [logicalIdOf(template, 'AWS::IAM::Role'), 'Arn'] },
      ApplicationConfiguration: {
        ApplicationCodeConfiguration: {
          CodeContentType: 'ZIPFILE',
          CodeContent: { S3ContentLocation: { BucketARN: Match.anyValue(), FileKey: Match.stringLikeRegexp('\\.jar$') } },
        },
        ApplicationSnapshotConfiguration: { SnapshotsEnabled: true },
        FlinkApplicationConfiguration: {
          CheckpointConfiguration: { ConfigurationType: 'CUSTOM', CheckpointingEnabled: true, CheckpointInterval: 60000, MinPauseBetweenCheckpoints: 5000 },
          MonitoringConfiguration: { ConfigurationType: 'CUSTOM', LogLevel: 'INFO', MetricsLevel: 'APPLICATION' },
          ParallelismConfiguration: { ConfigurationType: 'CUSTOM', Parallelism: 1, ParallelismPerKPU: 1, AutoScalingEnabled: true },
        },
        VpcConfigurations: Match.absent(),
      },
      RunConfiguration: {
        ApplicationRestoreConfiguration: { ApplicationRestoreType: 'RESTORE_FROM_LATEST_SNAPSHOT' },
        FlinkRunConfiguration: { AllowNonRestoredState: false },
      },
    });
    expect(template.toJSON()).toMatchSnapshot();
  });

  test('the service role is assumed by Managed Flink for this account only', () => {
    // GIVEN
    const stack = newStack();
    // WHEN
    const app = jarApp(stack);
    // THEN
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [{
          Action: 'sts:AssumeRole',
          Effect: 'Allow',
          Principal: { Service: 'kinesisanalytics.amazonaws.com' },
          Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
        }],
      },
    });
    expect(app.grantPrincipal).toBe(app.role);
  });

  test('the application waits for its role and policy, and exposes its name and ARN', () => {
    // GIVEN
    const stack = newStack();
    // WHEN
    const app = jarApp(stack, { applicationName: 'orders-enrich' });
    // THEN
    const template = Template.fromStack(stack);
    const resource = Object.values<any>(template.findResources('AWS::KinesisAnalyticsV2::Application'))[0];
    expect(resource.Properties.ApplicationName).toBe('orders-enrich');
    expect(resource.DependsOn).toEqual(expect.arrayContaining([logicalIdOf(template, 'AWS::IAM::Role'), logicalIdOf(template, 'AWS::IAM::Policy')]));
    const appId = logicalIdOf(template, 'AWS::KinesisAnalyticsV2::Application');
    expect(stack.resolve(app.applicationName)).toEqual({ Ref: appId });
    expect(stack.resolve(app.applicationArn)).toEqual({
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':kinesisanalytics:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':application/', { Ref: appId }]],
    });
  });
});

describe('FlinkApplication code', () => {
  test('an asset: the role reads that object only', () => {
    // GIVEN
    const stack = newStack();
    // WHEN
    jarApp(stack);
    // THEN
    const template = Template.fromStack(stack);
    const [read] = statementsWith(template, 's3:GetObject', 's3:GetObjectVersion');
    expect(read.Action).toEqual(['s3:GetObject', 's3:GetObjectVersion']);
    expect(JSON.stringify(read.Resource)).toMatch(/\/[0-9a-f]{64}\.jar"/);
  });

  test('an S3 object with a version, in an encrypted bucket: object read and kms:Decrypt', () => {
    // GIVEN
    const stack = newStack();
    const bucket = new s3.Bucket(stack, 'Artifacts', { encryption: s3.BucketEncryption.KMS });
    // WHEN
    new FlinkApplication(stack, 'App', { runtime: FlinkRuntime.FLINK_1_19, code: ApplicationCode.fromBucket(bucket, 'apps/enrich-1.2.jar', 'v42') });
    // THEN
    const template = Template.fromStack(stack);
    const bucketId = logicalIdOf(template, 'AWS::S3::Bucket');
    template.hasResourceProperties('AWS::KinesisAnalyticsV2::Application', {
      RuntimeEnvironment: 'FLINK-1_19',
      ApplicationConfiguration: {
        ApplicationCodeConfiguration: {
          CodeContent: { S3ContentLocation: { BucketARN: { 'Fn::GetAtt': [bucketId, 'Arn'] }, FileKey: 'apps/enrich-1.2.jar', ObjectVersion: 'v42' } },
        },
      },
    });
    const statements = policyStatements(template);
    expect(statements).toContainEqual(expect.objectContaining({
      Action: ['s3:GetObject', 's3:GetObjectVersion'],
      Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, '/apps/enrich-1.2.jar']] },
    }));
    expect(statements).toContainEqual(expect.objectContaining({
      Action: 'kms:Decrypt',
      Resource: { 'Fn::GetAtt': [logicalIdOf(template, 'AWS::KMS::Key'), 'Arn'] },
    }));
  });

  test('a Python application: a zipped directory and the run options property group', () => {
    // GIVEN
    const stack = newStack();
    // WHEN
    new FlinkApplication(stack, 'PyApp', {
      runtime: FlinkRuntime.FLINK_1_20,
      code: ApplicationCode.fromAsset(path.join(FIXTURES, 'python-app')),
      python: { mainFile: 'main.py', jarFile: 'lib/deps.jar', pyFiles: 'lib/helpers.py', pyArchives: 'lib/venv.zip' },
      propertyGroups: { 'app.settings': { window: '1 minute' } },
    });
    // THEN
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::KinesisAnalyticsV2::Application', {
      ApplicationConfiguration: {
        ApplicationCodeConfiguration: { CodeContent: { S3ContentLocation: { FileKey: Match.stringLikeRegexp('\\.zip$') } } },
      },
    });
    expect(propertyGroups(template)).toEqual({
      'kinesis.analytics.flink.run.options': { python: 'main.py', jarfile: 'lib/deps.jar', pyFiles: 'lib/helpers.py', pyArchives: 'lib/venv.zip' },
      'app.settings': { window: '1 minute' },
    });
    expect(template.toJSON()).toMatchSnapshot();
  });

  test('run options given twice (python and propertyGroups) fail', () => {
    const stack = newStack();
    expect(() => jarApp(stack, {
      python: { mainFile: 'main.py' },
      propertyGroups: { 'kinesis.analytics.flink.run.options': { python: 'other.py' } },
    })).toThrow(/TestStack\/App: propertyGroups must be unique in the application, got 'kinesis.analytics.flink.run.options'/);
  });
});

describe('FlinkApplication settings', () => {
  test('parallelism, checkpoints, snapshots, logging levels and description pass through', () => {
    // GIVEN
    const stack = newStack();
    // WHEN
    jarApp(stack, {
      description: 'Enriches orders',
      parallelism: 4,
      parallelismPerKpu: 2,
      autoScaling: false,
      checkpointInterval: Duration.seconds(30),
      minPauseBetweenCheckpoints: Duration.seconds(10),
      logLevel: FlinkLogLevel.DEBUG,
      metricsLevel: FlinkMetricsLevel.TASK,
      allowNonRestoredState: true,
    });
    // THEN
    Template.fromStack(stack).hasResourceProperties('AWS::KinesisAnalyticsV2::Application', {
      ApplicationDescription: 'Enriches orders',
      ApplicationConfiguration: {
        FlinkApplicationConfiguration: {
          CheckpointConfiguration: { CheckpointingEnabled: true, CheckpointInterval: 30000, MinPauseBetweenCheckpoints: 10000 },
          MonitoringConfiguration: { LogLevel: 'DEBUG', MetricsLevel: 'TASK' },
          ParallelismConfiguration: { Parallelism: 4, ParallelismPerKPU: 2, AutoScalingEnabled: false },
        },
      },
      RunConfiguration: { FlinkRunConfiguration: { AllowNonRestoredState: true } },
    });
  });

  test('snapshots off: no restore', () => {
    const stack = newStack();
    jarApp(stack, { snapshots: false });
    Template.fromStack(stack).hasResourceProperties('AWS::KinesisAnalyticsV2::Application', {
      ApplicationConfiguration: { ApplicationSnapshotConfiguration: { SnapshotsEnabled: false } },
      RunConfiguration: { ApplicationRestoreConfiguration: { ApplicationRestoreType: 'SKIP_RESTORE_FROM_SNAPSHOT' } },
    });
  });

  test('restore can be turned off with snapshots on', () => {
    const stack = newStack();
    jarApp(stack, { restoreFromLatestSnapshot: false });
    Template.fromStack(stack).hasResourceProperties('AWS::KinesisAnalyticsV2::Application', {
      ApplicationConfiguration: { ApplicationSnapshotConfiguration: { SnapshotsEnabled: true } },
      RunConfiguration: { ApplicationRestoreConfiguration: { ApplicationRestoreType: 'SKIP_RESTORE_FROM_SNAPSHOT' } },
    });
  });

  test('checkpointing can be turned off', () => {
    const stack = newStack();
    jarApp(stack, { checkpointing: false });
    Template.fromStack(stack).hasResourceProperties('AWS::KinesisAnalyticsV2::Application', {
      ApplicationConfiguration: { FlinkApplicationConfiguration: { CheckpointConfiguration: { ConfigurationType: 'CUSTOM', CheckpointingEnabled: false } } },
    });
  });

  test('runtimes: the statics and of()', () => {
    const statics = [FlinkRuntime.FLINK_1_15, FlinkRuntime.FLINK_1_18, FlinkRuntime.FLINK_1_19, FlinkRuntime.FLINK_1_20, FlinkRuntime.FLINK_2_2];
    expect(statics.map((r) => r.value)).toEqual(['FLINK-1_15', 'FLINK-1_18', 'FLINK-1_19', 'FLINK-1_20', 'FLINK-2_2']);
    const stack = newStack();
    jarApp(stack, { runtime: FlinkRuntime.of('FLINK-2_3') });
    Template.fromStack(stack).hasResourceProperties('AWS::KinesisAnalyticsV2::Application', { RuntimeEnvironment: 'FLINK-2_3' });
  });

  test('runtime property groups: from props and addPropertyGroup, in order', () => {
    // GIVEN
    const stack = newStack();
    const app = jarApp(stack, { propertyGroups: { 'app.config': { 'window.seconds': '60' } } });
    // WHEN
    app.addPropertyGroup('app.extra', { mode: 'strict' });
    // THEN
    const groups = Template.fromStack(stack).findResources('AWS::KinesisAnalyticsV2::Application');
    expect(Object.values<any>(groups)[0].Properties.ApplicationConfiguration.EnvironmentProperties).toEqual({
      PropertyGroups: [
        { PropertyGroupId: 'app.config', PropertyMap: { 'window.seconds': '60' } },
        { PropertyGroupId: 'app.extra', PropertyMap: { mode: 'strict' } },
      ],
    });
  });

  test('no property groups: no EnvironmentProperties', () => {
    const stack = newStack();
    jarApp(stack);
    Template.fromStack(stack).hasResourceProperties('AWS::KinesisAnalyticsV2::Application', {
      ApplicationConfiguration: { EnvironmentProperties: Match.absent() },
    });
  });
});

describe('FlinkApplication logging', () => {
  test('an encrypted log group: a rotating key CloudWatch Logs may use, a stream, the logging option and the role\'s log permissions', () => {
    // GIVEN
    const stack = newStack();
    // WHEN
    const app = jarApp(stack);
    // THEN
    const template = Template.fromStack(stack);
    const keyId = logicalIdOf(template, 'AWS::KMS::Key');
    const logGroupId = logicalIdOf(template, 'AWS::Logs::LogGroup');
    const logStreamId = logicalIdOf(template, 'AWS::Logs::LogStream');
    template.hasResource('AWS::KMS::Key', {
      Properties: {
        EnableKeyRotation: true,
        KeyPolicy: {
          Statement: Match.arrayWith([Match.objectLike({
            Principal: { Service: { 'Fn::Join': ['', ['logs.', { Ref: 'AWS::Region' }, '.amazonaws.com']] } },
            Action: Match.arrayWith(['kms:Encrypt*', 'kms:Decrypt*', 'kms:GenerateDataKey*']),
            Condition: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': Match.anyValue() } },
          })]),
        },
      },
      DeletionPolicy: 'Retain',
    });
    template.hasResource('AWS::Logs::LogGroup', {
      Properties: { KmsKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] }, RetentionInDays: 365 },
      DeletionPolicy: 'Retain',
    });
    template.hasResourceProperties('AWS::Logs::LogStream', { LogGroupName: { Ref: logGroupId } });
    const streamArn = {
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':logs:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' },
        ':log-group:', { Ref: logGroupId }, ':log-stream:', { Ref: logStreamId }]],
    };
    template.hasResourceProperties('AWS::KinesisAnalyticsV2::ApplicationCloudWatchLoggingOption', {
      ApplicationName: { Ref: logicalIdOf(template, 'AWS::KinesisAnalyticsV2::Application') },
      CloudWatchLoggingOption: { LogStreamARN: streamArn },
    });
    const statements = policyStatements(template);
    expect(statements).toContainEqual(expect.objectContaining({ Action: 'logs:PutLogEvents', Resource: streamArn }));
    expect(statements).toContainEqual(expect.objectContaining({ Action: 'logs:DescribeLogStreams', Resource: { 'Fn::GetAtt': [logGroupId, 'Arn'] } }));
    expect(statements).toContainEqual(expect.objectContaining({ Action: 'logs:DescribeLogGroups' }));
    expect(app.logsEncryptionKey).toBeDefined();
  });

  test('a given log group: no key created, the stream goes in it', () => {
    // GIVEN
    const stack = newStack();
    const logGroup = new logs.LogGroup(stack, 'Shared');
    // WHEN
    const app = jarApp(stack, { logGroup, removalPolicy: RemovalPolicy.DESTROY });
    // THEN
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::KMS::Key', 0);
    template.resourceCountIs('AWS::Logs::LogGroup', 1);
    template.hasResource('AWS::Logs::LogStream', {
      Properties: { LogGroupName: { Ref: logicalIdOf(template, 'AWS::Logs::LogGroup') } },
      DeletionPolicy: 'Delete',
    });
    expect(app.logGroup).toBe(logGroup);
    expect(app.logsEncryptionKey).toBeUndefined();
  });
});

describe('FlinkApplication VPC', () => {
  test('subnets, a created security group and the ENI permissions', () => {
    // GIVEN
    const stack = newStack();
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2 });
    // WHEN
    const app = jarApp(stack, { vpc });
    // THEN
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::KinesisAnalyticsV2::Application', {
      ApplicationConfiguration: {
        VpcConfigurations: [{
          SecurityGroupIds: [{ 'Fn::GetAtt': [Match.stringLikeRegexp('^AppSecurityGroup'), 'GroupId'] }],
          SubnetIds: [{ Ref: Match.stringLikeRegexp('PrivateSubnet1') }, { Ref: Match.stringLikeRegexp('PrivateSubnet2') }],
        }],
      },
    });
    expect(policyStatements(template)).toContainEqual(expect.objectContaining({
      Action: expect.arrayContaining(['ec2:CreateNetworkInterface', 'ec2:DeleteNetworkInterface', 'ec2:DescribeVpcs', 'ec2:CreateNetworkInterfacePermission']),
      Resource: '*',
    }));
    expect(app.connections.securityGroups).toHaveLength(1);
  });

  test('given security groups are used and none is created', () => {
    // GIVEN
    const stack = newStack();
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2 });
    const sg = new ec2.SecurityGroup(stack, 'Sg', { vpc });
    // WHEN
    jarApp(stack, { vpc, securityGroups: [sg], vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC } });
    // THEN
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::EC2::SecurityGroup', 1);
    template.hasResourceProperties('AWS::KinesisAnalyticsV2::Application', {
      ApplicationConfiguration: {
        VpcConfigurations: [{
          SecurityGroupIds: [{ 'Fn::GetAtt': [logicalIdOf(template, 'AWS::EC2::SecurityGroup'), 'GroupId'] }],
          SubnetIds: [{ Ref: Match.stringLikeRegexp('PublicSubnet1') }, { Ref: Match.stringLikeRegexp('PublicSubnet2') }],
        }],
      },
    });
  });
});

describe('FlinkApplication sources and sinks', () => {
  test('addSource: read on the stream, kms:Decrypt on its key, and a property group', () => {
    // GIVEN
    const stack = newStack();
    const app = jarApp(stack);
    const stream = new KinesisStream(stack, 'Orders');
    // WHEN
    const groupId = app.addSource(stream);
    // THEN
    const template = Template.fromStack(stack);
    const streamId = logicalIdOf(template, 'AWS::Kinesis::Stream');
    const keyId = Object.keys(template.findResources('AWS::KMS::Key')).find((id) => id.startsWith('Orders'))!;
    const statements = policyStatements(template);
    expect(statements).toContainEqual(expect.objectContaining({
      Action: ['kinesis:DescribeStream', 'kinesis:DescribeStreamSummary', 'kinesis:GetRecords', 'kinesis:GetShardIterator', 'kinesis:ListShards', 'kinesis:SubscribeToShard'],
      Resource: { 'Fn::GetAtt': [streamId, 'Arn'] },
    }));
    expect(statements).toContainEqual(expect.objectContaining({ Action: 'kms:Decrypt', Resource: { 'Fn::GetAtt': [keyId, 'Arn'] } }));
    expect(groupId).toBe('kinesis.source.0');
    expect(propertyGroups(template)['kinesis.source.0']).toEqual({
      'stream.name': { Ref: streamId },
      'stream.arn': { 'Fn::GetAtt': [streamId, 'Arn'] },
      'aws.region': { Ref: 'AWS::Region' },
    });
  });

  test('addSource through an enhanced fan-out consumer: grantSubscribe, and the consumer in the property group', () => {
    // GIVEN
    const stack = newStack();
    const app = jarApp(stack);
    const stream = new KinesisStream(stack, 'Orders');
    const consumer = stream.addConsumer('flink');
    // WHEN
    app.addSource(stream, { consumer });
    app.addSource(new KinesisStream(stack, 'Payments'));
    // THEN
    const template = Template.fromStack(stack);
    const consumerId = logicalIdOf(template, 'AWS::Kinesis::StreamConsumer');
    const statements = policyStatements(template);
    expect(statements).toContainEqual(expect.objectContaining({
      Action: ['kinesis:DescribeStreamConsumer', 'kinesis:SubscribeToShard'],
      Resource: { 'Fn::GetAtt': [consumerId, 'ConsumerARN'] },
    }));
    expect(statements.filter((s) => s.Action === 'kms:Decrypt')).toHaveLength(2);
    const groups = propertyGroups(template);
    expect(groups['kinesis.source.0']).toEqual(expect.objectContaining({
      'consumer.name': 'flink',
      'consumer.arn': { 'Fn::GetAtt': [consumerId, 'ConsumerARN'] },
    }));
    expect(groups['kinesis.source.1']['consumer.name']).toBeUndefined();
  });

  test('addSource with a consumer of another stream fails', () => {
    const stack = newStack();
    const app = jarApp(stack);
    const orders = new KinesisStream(stack, 'Orders');
    const payments = new KinesisStream(stack, 'Payments');
    const consumer = new EnhancedFanOutConsumer(stack, 'Consumer', { stream: payments, consumerName: 'flink' });
    expect(() => app.addSource(orders, { consumer }))
      .toThrow(/TestStack\/App: options.consumer must be registered on the stream it reads, got consumer TestStack\/Consumer of stream TestStack\/Payments for stream TestStack\/Orders/);
  });

  test('addSink: write on the stream, kms:GenerateDataKey on its key, and a property group', () => {
    // GIVEN
    const stack = newStack();
    const app = jarApp(stack);
    const stream = new KinesisStream(stack, 'Enriched');
    // WHEN
    const groupId = app.addSink(stream);
    // THEN
    const template = Template.fromStack(stack);
    const streamId = logicalIdOf(template, 'AWS::Kinesis::Stream');
    const keyId = Object.keys(template.findResources('AWS::KMS::Key')).find((id) => id.startsWith('Enriched'))!;
    const statements = policyStatements(template);
    expect(statements).toContainEqual(expect.objectContaining({
      Action: ['kinesis:DescribeStreamSummary', 'kinesis:ListShards', 'kinesis:PutRecord', 'kinesis:PutRecords'],
      Resource: { 'Fn::GetAtt': [streamId, 'Arn'] },
    }));
    expect(statements).toContainEqual(expect.objectContaining({ Action: 'kms:GenerateDataKey', Resource: { 'Fn::GetAtt': [keyId, 'Arn'] } }));
    expect(statements.filter((s) => s.Action === 'kms:Decrypt')).toHaveLength(0);
    expect(groupId).toBe('kinesis.sink.0');
    expect(propertyGroups(template)['kinesis.sink.0']).toEqual({
      'stream.name': { Ref: streamId },
      'stream.arn': { 'Fn::GetAtt': [streamId, 'Arn'] },
      'aws.region': { Ref: 'AWS::Region' },
    });
  });

  test('addFirehoseSink and addFirehoseSinkArn: PutRecord and PutRecordBatch, and property groups', () => {
    // GIVEN
    const stack = newStack();
    const app = jarApp(stack);
    const deliveryStream = firehose.DeliveryStream.fromDeliveryStreamArn(stack, 'Archive', FIREHOSE_ARN);
    // aws-cdk-lib's import adds a CIDR mapping for its connections, which nothing here uses.
    Validations.of(stack).acknowledge({ id: 'CloudFormation-Validate::W7001', reason: 'unused Firehose CIDR mapping of the import' });
    // WHEN
    const first = app.addFirehoseSink(deliveryStream);
    const second = app.addFirehoseSinkArn('arn:aws:firehose:eu-west-1:123456789012:deliverystream/audit');
    // THEN
    const template = Template.fromStack(stack);
    const statements = statementsWith(template, 'firehose:PutRecord', 'firehose:PutRecordBatch');
    expect(statements.map((s) => s.Resource)).toEqual([FIREHOSE_ARN, 'arn:aws:firehose:eu-west-1:123456789012:deliverystream/audit']);
    expect([first, second]).toEqual(['firehose.sink.0', 'firehose.sink.1']);
    const groups = propertyGroups(template);
    expect(groups['firehose.sink.0']).toEqual({ 'delivery-stream.name': 'archive', 'delivery-stream.arn': FIREHOSE_ARN, 'aws.region': 'eu-west-1' });
    expect(groups['firehose.sink.1']).toEqual(expect.objectContaining({ 'delivery-stream.name': 'audit', 'aws.region': 'eu-west-1' }));
  });

  test('addReferenceData: the object, ListBucket limited to its key, kms:Decrypt, and its location', () => {
    // GIVEN
    const stack = newStack();
    const app = jarApp(stack);
    const key = new kms.Key(stack, 'RefKey');
    const bucket = s3.Bucket.fromBucketAttributes(stack, 'Ref', { bucketName: 'reference-data', encryptionKey: key });
    // WHEN
    const groupId = app.addReferenceData(bucket, 'products/products.csv');
    // THEN
    const template = Template.fromStack(stack);
    const statements = policyStatements(template);
    const arn = (suffix: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:s3:::reference-data${suffix}`]] });
    expect(statements).toContainEqual(expect.objectContaining({ Action: 's3:GetObject', Resource: arn('/products/products.csv') }));
    expect(statements).toContainEqual(expect.objectContaining({
      Action: 's3:ListBucket',
      Resource: arn(''),
      Condition: { StringLike: { 's3:prefix': ['products/products.csv'] } },
    }));
    const refKeyId = Object.keys(template.findResources('AWS::KMS::Key')).find((id) => id.startsWith('RefKey'))!;
    expect(statements).toContainEqual(expect.objectContaining({ Action: 'kms:Decrypt', Resource: { 'Fn::GetAtt': [refKeyId, 'Arn'] } }));
    expect(groupId).toBe('s3.reference.0');
    expect(propertyGroups(template)['s3.reference.0']).toEqual({
      'bucket.name': 'reference-data',
      'object.key': 'products/products.csv',
      'path': 's3://reference-data/products/products.csv',
      'aws.region': { Ref: 'AWS::Region' },
    });
  });

  test('addReferenceData with a prefix and a group id: the objects under the prefix', () => {
    // GIVEN
    const stack = newStack();
    const app = jarApp(stack);
    const bucket = s3.Bucket.fromBucketName(stack, 'Ref', 'reference-data');
    // WHEN
    const groupId = app.addReferenceData(bucket, 'products/', 'products');
    // THEN
    const template = Template.fromStack(stack);
    const statements = policyStatements(template);
    expect(statements).toContainEqual(expect.objectContaining({
      Action: 's3:GetObject',
      Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::reference-data/products/*']] },
    }));
    expect(statements).toContainEqual(expect.objectContaining({ Action: 's3:ListBucket', Condition: { StringLike: { 's3:prefix': ['products/*'] } } }));
    expect(groupId).toBe('products');
    expect(propertyGroups(template).products.path).toBe('s3://reference-data/products/');
  });
});

describe('FlinkApplication metrics and alarms', () => {
  test('every metric has the AWS/KinesisAnalytics namespace and the Application dimension', () => {
    // GIVEN
    const stack = newStack();
    const app = jarApp(stack);
    // WHEN
    const metrics = [
      app.metricDowntime(), app.metricUptime(), app.metricFullRestarts(), app.metricNumRestarts(),
      app.metricNumberOfFailedCheckpoints(), app.metricLastCheckpointDuration(), app.metricLastCheckpointSize(),
      app.metricKpus(), app.metricCpuUtilization(), app.metricHeapMemoryUtilization(),
      app.metricNumRecordsInPerSecond(), app.metricNumRecordsOutPerSecond(), app.metric('busyTimeMsPerSecond'),
    ];
    // THEN
    const appRef = { Ref: logicalIdOf(Template.fromStack(stack), 'AWS::KinesisAnalyticsV2::Application') };
    for (const metric of metrics) {
      expect(metric.namespace).toBe('AWS/KinesisAnalytics');
      expect(stack.resolve(metric.dimensions)).toEqual({ Application: appRef });
    }
    expect(metrics.map((m) => m.metricName)).toEqual([
      'downtime', 'uptime', 'fullRestarts', 'numRestarts', 'numberOfFailedCheckpoints', 'lastCheckpointDuration',
      'lastCheckpointSize', 'KPUs', 'cpuUtilization', 'heapMemoryUtilization', 'numRecordsInPerSecond', 'numRecordsOutPerSecond', 'busyTimeMsPerSecond',
    ]);
    expect(app.metricKpus().period.toSeconds()).toBe(3600);
    expect(app.metricDowntime().statistic).toBe('Maximum');
    expect(app.metricDowntime({ period: Duration.minutes(5) }).period.toMinutes()).toBe(5);
  });

  test('millisBehindLatest is the maximum over the application\'s sources, by Metrics Insights on the Application dimension', () => {
    // GIVEN
    const stack = newStack();
    const app = jarApp(stack);
    // WHEN
    const metric = app.metricMillisBehindLatest();
    // THEN
    const appId = logicalIdOf(Template.fromStack(stack), 'AWS::KinesisAnalyticsV2::Application');
    expect(stack.resolve(metric.expression)).toEqual({
      'Fn::Join': ['', ['SELECT MAX(millisBehindLatest) FROM "AWS/KinesisAnalytics" WHERE Application = \'', { Ref: appId }, '\'']],
    });
    expect(metric.period.toSeconds()).toBe(60);
  });

  test('recommended alarms: downtime, restarts, failed checkpoints, checkpoint duration and lag, each on this application', () => {
    // GIVEN
    const stack = newStack();
    const app = jarApp(stack);
    app.addSource(new KinesisStream(stack, 'Orders'));
    // WHEN
    const alarms = app.addRecommendedAlarms();
    // THEN
    expect(alarms).toHaveLength(5);
    const template = Template.fromStack(stack);
    const appRef = { Ref: logicalIdOf(template, 'AWS::KinesisAnalyticsV2::Application') };
    const dimensions = [{ Name: 'Application', Value: appRef }];
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/KinesisAnalytics',
      MetricName: 'downtime',
      Dimensions: dimensions,
      Statistic: 'Maximum',
      Period: 60,
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      EvaluationPeriods: 1,
    });
    for (const [expression, metricName] of [['RATE(restarts)', 'fullRestarts'], ['RATE(failed)', 'numberOfFailedCheckpoints']]) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
        Metrics: Match.arrayWith([
          Match.objectLike({ Expression: expression }),
          Match.objectLike({ MetricStat: { Metric: { Namespace: 'AWS/KinesisAnalytics', MetricName: metricName, Dimensions: dimensions }, Period: 60, Stat: 'Maximum' } }),
        ]),
      });
    }
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'lastCheckpointDuration', Dimensions: dimensions, Threshold: 60000, EvaluationPeriods: 3,
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Threshold: 60000,
      EvaluationPeriods: 5,
      Metrics: [Match.objectLike({
        Expression: { 'Fn::Join': ['', [Match.stringLikeRegexp('millisBehindLatest.*WHERE Application = \''), appRef, '\'']] },
        Period: 60,
      })],
    });
  });

  test('alarms: Flink 2 counts numRestarts; thresholds can be set; no lag alarm without a source; none on checkpoints when they are off', () => {
    // GIVEN
    const stack = newStack();
    const v2 = jarApp(stack, { runtime: FlinkRuntime.FLINK_2_2 }, 'V2');
    const off = jarApp(stack, { checkpointing: false }, 'Off');
    // WHEN
    const v2Alarms = v2.addRecommendedAlarms({ maxCheckpointDuration: Duration.seconds(20) });
    const offAlarms = off.addRecommendedAlarms();
    // THEN
    expect(v2Alarms).toHaveLength(4);
    expect(offAlarms).toHaveLength(3);
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Metrics: Match.arrayWith([Match.objectLike({ MetricStat: Match.objectLike({ Metric: Match.objectLike({ MetricName: 'numRestarts' }) }) })]),
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'lastCheckpointDuration', Threshold: 20000 });
    expect(offAlarms.every((a) => a instanceof cloudwatch.Alarm)).toBe(true);
    const thresholds = Object.values<any>(template.findResources('AWS::CloudWatch::Alarm')).map((a) => a.Properties.MetricName);
    expect(thresholds.filter((n) => n === 'lastCheckpointDuration')).toHaveLength(1);
  });

  test('a lag threshold can be set', () => {
    const stack = newStack();
    const app = jarApp(stack);
    app.addSource(new KinesisStream(stack, 'Orders'));
    app.addRecommendedAlarms({ maxMillisBehindLatest: Duration.seconds(30) });
    Template.fromStack(stack).hasResourceProperties('AWS::CloudWatch::Alarm', {
      Threshold: 30000,
      Metrics: [Match.objectLike({ Expression: Match.anyValue() })],
    });
  });
});

describe('FlinkApplication validation', () => {
  test.each<[string, Partial<FlinkApplicationProps>, RegExp]>([
    ['a name with a space', { applicationName: 'my app' }, /TestStack\/App: applicationName must be 1 to 128 characters of \[a-zA-Z0-9_.-\], got 'my app' \(6 characters\)/],
    ['a name too long', { applicationName: 'a'.repeat(129) }, /applicationName must be 1 to 128 characters of \[a-zA-Z0-9_.-\], got 'a+' \(129 characters\)/],
    ['a runtime that is not Flink', { runtime: FlinkRuntime.of('SQL-1_0') }, /runtime must be a Managed Service for Apache Flink runtime of the form FLINK-<major>_<minor> \(such as FLINK-1_20\), got 'SQL-1_0'/],
    ['parallelism 0', { parallelism: 0 }, /TestStack\/App: parallelism must be at least 1, got 0/],
    ['a fractional parallelism', { parallelism: 1.5 }, /parallelism must be a whole number, got 1.5/],
    ['parallelismPerKpu 9', { parallelismPerKpu: 9 }, /parallelismPerKpu must be between 1 and 8, got 9/],
    ['parallelismPerKpu 0', { parallelismPerKpu: 0 }, /parallelismPerKpu must be between 1 and 8, got 0/],
    ['a checkpoint interval of 0', { checkpointInterval: Duration.millis(0) }, /checkpointInterval must be at least 1 ms, got 0 ms/],
    ['a fractional checkpoint interval', { checkpointInterval: Duration.seconds(0.0015) }, /checkpointInterval \(in milliseconds\) must be a whole number, got 1.5/],
    ['a fractional pause', { minPauseBetweenCheckpoints: Duration.seconds(0.0005) }, /minPauseBetweenCheckpoints \(in milliseconds\) must be a whole number, got 0.5/],
    ['a long description', { description: 'x'.repeat(1025) }, /description \(length\) must be between 0 and 1,024 characters, got 1,025 characters/],
    ['restore without snapshots', { snapshots: false, restoreFromLatestSnapshot: true }, /restoreFromLatestSnapshot needs snapshots, got restoreFromLatestSnapshot true with snapshots false/],
    ['subnets without a VPC', { vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS } }, /TestStack\/App: vpcSubnets can only be used with vpc, got vpcSubnets and no vpc/],
    ['a bad property group id', { propertyGroups: { 'has space': { a: 'b' } } }, /propertyGroups must be 1 to 50 characters of \[a-zA-Z0-9_.-\], got 'has space' \(9 characters\)/],
    ['an empty property group', { propertyGroups: { empty: {} } }, /property group 'empty' must hold 1 to 50 properties, got 0/],
    ['a property value too long', { propertyGroups: { big: { k: 'v'.repeat(2049) } } }, /property group 'big': the value of 'k' must be 1 to 2,048 characters, got 2,049 characters/],
    ['an empty property value', { propertyGroups: { g: { k: '' } } }, /property group 'g': the value of 'k' must be 1 to 2,048 characters, got 0 characters/],
  ])('%s fails', (_name, props, message) => {
    const stack = newStack();
    expect(() => jarApp(stack, props)).toThrow(message);
  });

  test('security groups without a VPC fail', () => {
    const stack = newStack();
    const vpc = new ec2.Vpc(stack, 'Vpc');
    const sg = new ec2.SecurityGroup(stack, 'Sg', { vpc });
    expect(() => jarApp(stack, { securityGroups: [sg] })).toThrow(/securityGroups can only be used with vpc, got 1 security group\(s\) and no vpc/);
  });

  test('more than 5 security groups fail', () => {
    const stack = newStack();
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 1 });
    const sgs = [1, 2, 3, 4, 5, 6].map((i) => new ec2.SecurityGroup(stack, `Sg${i}`, { vpc }));
    expect(() => jarApp(stack, { vpc, securityGroups: sgs })).toThrow(/securityGroups must hold 1 to 5 security groups, got 6/);
  });

  test('a duplicate property group id fails', () => {
    const stack = newStack();
    const app = jarApp(stack, { propertyGroups: { 'kinesis.source.0': { a: 'b' } } });
    expect(() => app.addSource(new KinesisStream(stack, 'Orders'))).toThrow(/propertyGroupId must be unique in the application, got 'kinesis.source.0', which is already defined/);
  });

  test('more than 50 property groups fail at synth', () => {
    // GIVEN
    const stack = newStack();
    const app = jarApp(stack);
    // WHEN
    for (let i = 0; i < 51; i++) {
      app.addPropertyGroup(`group.${i}`, { k: 'v' });
    }
    // THEN
    expect(() => Template.fromStack(stack)).toThrow(/TestStack\/App: an application has 1 to 50 runtime property groups, got 51/);
  });

  test('tokens are not validated', () => {
    // GIVEN
    const stack = newStack();
    const parallelism = new CfnParameter(stack, 'Parallelism', { type: 'Number' });
    const perKpu = new CfnParameter(stack, 'PerKpu', { type: 'Number' });
    const name = new CfnParameter(stack, 'Name');
    const interval = new CfnParameter(stack, 'Interval', { type: 'Number' });
    // WHEN
    jarApp(stack, {
      parallelism: parallelism.valueAsNumber,
      parallelismPerKpu: perKpu.valueAsNumber,
      applicationName: name.valueAsString,
      checkpointInterval: Duration.millis(interval.valueAsNumber),
    });
    // THEN
    Template.fromStack(stack).hasResourceProperties('AWS::KinesisAnalyticsV2::Application', {
      ApplicationName: { Ref: 'Name' },
      ApplicationConfiguration: {
        FlinkApplicationConfiguration: {
          CheckpointConfiguration: { CheckpointInterval: { Ref: 'Interval' } },
          ParallelismConfiguration: { Parallelism: { Ref: 'Parallelism' }, ParallelismPerKPU: { Ref: 'PerKpu' } },
        },
      },
    });
  });
});

describe('FlinkApplication and cdk-nag', () => {
  test('AwsSolutions finds nothing unacknowledged, with a VPC, sources, sinks and reference data under a prefix', () => {
    // GIVEN
    const app = new App();
    const stack = new Stack(app, 'NagStack');
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2 });
    const flink = jarApp(stack, { vpc });
    const orders = new KinesisStream(stack, 'Orders');
    flink.addSource(orders, { consumer: orders.addConsumer('flink') });
    flink.addSink(new KinesisStream(stack, 'Enriched'));
    flink.addFirehoseSinkArn(FIREHOSE_ARN);
    flink.addReferenceData(s3.Bucket.fromBucketName(stack, 'Ref', 'reference-data'), 'products/');
    // WHEN
    const report = new AwsSolutionsChecks().validateScope(app);
    // THEN
    const findings = report.violations
      .flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} ${r.constructPath}`))
      .filter((f) => f.includes('NagStack/App/'));
    expect(findings).toEqual([]);
  });

  test('the check can fail: a wildcard nobody acknowledged is reported on the application\'s role', () => {
    // GIVEN
    const app = new App();
    const stack = new Stack(app, 'NagStack');
    const flink = jarApp(stack);
    // WHEN
    flink.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: ['arn:aws:sqs:eu-west-1:123456789012:*'] }));
    const report = new AwsSolutionsChecks().validateScope(app);
    // THEN
    const findings = report.violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} ${r.constructPath}`));
    expect(findings).toEqual(['AwsSolutions-IAM5[Resource::arn:aws:sqs:eu-west-1:123456789012:*] NagStack/App/Role/DefaultPolicy/Resource']);
  });
});
