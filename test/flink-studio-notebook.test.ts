import { App, CfnParameter, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import { AwsSolutionsChecks } from 'cdk-nag';
import { FlinkLogLevel } from '../src/flink-application';
import { FlinkStudioNotebook, FlinkStudioNotebookProps, FlinkStudioRuntime } from '../src/flink-studio-notebook';
import { KinesisStream } from '../src/stream';
import { logicalIdOf, newStack, policyStatements } from './setup/util';

const glueArn = (resource: string) => ({
  'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':glue:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, `:${resource}`]],
});

describe('FlinkStudioNotebook', () => {
  test('an interactive Zeppelin application with a Glue database, reading its streams with KMS, logging encrypted', () => {
    // GIVEN
    const stack = newStack();
    const stream = new KinesisStream(stack, 'Orders');
    // WHEN
    const notebook = new FlinkStudioNotebook(stack, 'Notebook', { sources: [stream] });
    // THEN
    const template = Template.fromStack(stack);
    const databaseName = notebook.databaseName;
    expect(databaseName).toMatch(/^[a-z0-9_]+$/);
    template.hasResource('AWS::Glue::Database', {
      Properties: { CatalogId: { Ref: 'AWS::AccountId' }, DatabaseInput: { Name: databaseName } },
      DeletionPolicy: 'Retain',
    });
    template.hasResourceProperties('AWS::KinesisAnalyticsV2::Application', {
      ApplicationMode: 'INTERACTIVE',
      RuntimeEnvironment: 'ZEPPELIN-FLINK-3_0',
      ApplicationConfiguration: {
        FlinkApplicationConfiguration: { ParallelismConfiguration: { ConfigurationType: 'CUSTOM', Parallelism: 4, ParallelismPerKPU: 1 } },
        ZeppelinApplicationConfiguration: {
          CatalogConfiguration: { GlueDataCatalogConfiguration: { DatabaseARN: glueArn(`database/${databaseName}`) } },
          MonitoringConfiguration: { LogLevel: 'INFO' },
        },
      },
    });
    const app = Object.values<any>(template.findResources('AWS::KinesisAnalyticsV2::Application'))[0];
    expect(app.DependsOn).toEqual(expect.arrayContaining([logicalIdOf(template, 'AWS::Glue::Database')]));

    const streamId = logicalIdOf(template, 'AWS::Kinesis::Stream');
    const streamKeyId = Object.keys(template.findResources('AWS::KMS::Key')).find((id) => id.startsWith('Orders'))!;
    const statements = policyStatements(template);
    expect(statements).toContainEqual(expect.objectContaining({
      Action: expect.arrayContaining(['kinesis:GetRecords', 'kinesis:GetShardIterator', 'kinesis:ListShards']),
      Resource: { 'Fn::GetAtt': [streamId, 'Arn'] },
    }));
    expect(statements).toContainEqual(expect.objectContaining({ Action: 'kms:Decrypt', Resource: { 'Fn::GetAtt': [streamKeyId, 'Arn'] } }));
    expect(statements).toContainEqual(expect.objectContaining({
      Action: ['glue:CreateTable', 'glue:DeleteTable', 'glue:GetConnection', 'glue:GetDatabase', 'glue:GetTable', 'glue:GetTables', 'glue:UpdateTable'],
      Resource: [glueArn('catalog'), glueArn(`database/${databaseName}`), glueArn('database/hive'), glueArn(`table/${databaseName}/*`), glueArn('connection/*')],
    }));
    expect(statements).toContainEqual(expect.objectContaining({ Action: 'glue:GetDatabases', Resource: '*' }));

    const logsKeyId = Object.keys(template.findResources('AWS::KMS::Key')).find((id) => id.startsWith('NotebookLogsKey'))!;
    template.hasResourceProperties('AWS::Logs::LogGroup', { KmsKeyId: { 'Fn::GetAtt': [logsKeyId, 'Arn'] } });
    template.hasResourceProperties('AWS::KinesisAnalyticsV2::ApplicationCloudWatchLoggingOption', {
      ApplicationName: { Ref: logicalIdOf(template, 'AWS::KinesisAnalyticsV2::Application') },
    });
    expect(statements).toContainEqual(expect.objectContaining({ Action: 'logs:PutLogEvents' }));
    expect(template.toJSON()).toMatchSnapshot();
  });

  test('an existing database: none created, its ARN used', () => {
    // GIVEN
    const stack = newStack();
    // WHEN
    const notebook = new FlinkStudioNotebook(stack, 'Notebook', { existingDatabaseName: 'analytics' });
    // THEN
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::Glue::Database', 0);
    template.hasResourceProperties('AWS::KinesisAnalyticsV2::Application', {
      ApplicationConfiguration: { ZeppelinApplicationConfiguration: { CatalogConfiguration: { GlueDataCatalogConfiguration: { DatabaseARN: glueArn('database/analytics') } } } },
    });
    expect(notebook.database).toBeUndefined();
    expect(notebook.databaseName).toBe('analytics');
  });

  test('settings pass through, and addSource grants a stream later', () => {
    // GIVEN
    const stack = newStack();
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2 });
    const notebook = new FlinkStudioNotebook(stack, 'Notebook', {
      applicationName: 'explore',
      databaseName: 'explore_tables',
      runtime: FlinkStudioRuntime.of('ZEPPELIN-FLINK-4_0'),
      parallelism: 2,
      parallelismPerKpu: 4,
      logLevel: FlinkLogLevel.WARN,
      vpc,
    });
    // WHEN
    notebook.addSource(kinesis.Stream.fromStreamArn(stack, 'Imported', 'arn:aws:kinesis:eu-west-1:123456789012:stream/clicks'));
    // THEN
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Glue::Database', { DatabaseInput: { Name: 'explore_tables' } });
    template.hasResourceProperties('AWS::KinesisAnalyticsV2::Application', {
      ApplicationName: 'explore',
      RuntimeEnvironment: 'ZEPPELIN-FLINK-4_0',
      ApplicationConfiguration: {
        FlinkApplicationConfiguration: { ParallelismConfiguration: { Parallelism: 2, ParallelismPerKPU: 4 } },
        ZeppelinApplicationConfiguration: { MonitoringConfiguration: { LogLevel: 'WARN' } },
        VpcConfigurations: [{ SecurityGroupIds: [Match.anyValue()], SubnetIds: Match.arrayWith([{ Ref: Match.stringLikeRegexp('PrivateSubnet1') }]) }],
      },
    });
    const statements = policyStatements(template);
    expect(statements).toContainEqual(expect.objectContaining({
      Action: expect.arrayContaining(['kinesis:GetRecords']),
      Resource: 'arn:aws:kinesis:eu-west-1:123456789012:stream/clicks',
    }));
    expect(statements).toContainEqual(expect.objectContaining({ Action: expect.arrayContaining(['ec2:CreateNetworkInterface']), Resource: '*' }));
  });

  test('metrics carry the Application dimension', () => {
    const stack = newStack();
    const notebook = new FlinkStudioNotebook(stack, 'Notebook');
    const appRef = { Ref: logicalIdOf(Template.fromStack(stack), 'AWS::KinesisAnalyticsV2::Application') };
    for (const metric of [notebook.metricKpus(), notebook.metric('zeppelinHeapMemoryUtilization')]) {
      expect(metric.namespace).toBe('AWS/KinesisAnalytics');
      expect(stack.resolve(metric.dimensions)).toEqual({ Application: appRef });
    }
    expect(notebook.metricKpus().period.toSeconds()).toBe(3600);
  });

  test.each<[string, FlinkStudioNotebookProps, RegExp]>([
    ['both database props', { databaseName: 'a', existingDatabaseName: 'b' }, /TestStack\/Notebook: databaseName and existingDatabaseName cannot be used together, got databaseName 'a' and existingDatabaseName 'b'/],
    ['a database name with capitals', { databaseName: 'Analytics' }, /databaseName must be 1 to 255 characters of \[a-z0-9_\], got 'Analytics' \(9 characters\)/],
    ['an empty existing database name', { existingDatabaseName: '' }, /existingDatabaseName must name a database, got an empty string/],
    ['parallelism 0', { parallelism: 0 }, /parallelism must be at least 1, got 0/],
    ['parallelismPerKpu 9', { parallelismPerKpu: 9 }, /parallelismPerKpu must be between 1 and 8, got 9/],
    ['a bad name', { applicationName: 'no/slash' }, /applicationName must be 1 to 128 characters of \[a-zA-Z0-9_.-\], got 'no\/slash'/],
    ['subnets without a VPC', { vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC } }, /vpcSubnets can only be used with vpc, got vpcSubnets and no vpc/],
  ])('%s fails', (_name, props, message) => {
    const stack = newStack();
    expect(() => new FlinkStudioNotebook(stack, 'Notebook', props)).toThrow(message);
  });

  test('tokens are not validated', () => {
    const stack = newStack();
    const parallelism = new CfnParameter(stack, 'Parallelism', { type: 'Number' });
    const db = new CfnParameter(stack, 'Db');
    new FlinkStudioNotebook(stack, 'Notebook', { parallelism: parallelism.valueAsNumber, databaseName: db.valueAsString });
    Template.fromStack(stack).hasResourceProperties('AWS::KinesisAnalyticsV2::Application', {
      ApplicationConfiguration: { FlinkApplicationConfiguration: { ParallelismConfiguration: { Parallelism: { Ref: 'Parallelism' } } } },
    });
  });

  test('AwsSolutions finds nothing unacknowledged', () => {
    // GIVEN
    const app = new App();
    const stack = new Stack(app, 'NagStack');
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2 });
    new FlinkStudioNotebook(stack, 'Notebook', { sources: [new KinesisStream(stack, 'Orders')], vpc });
    // WHEN
    const report = new AwsSolutionsChecks().validateScope(app);
    // THEN
    const findings = report.violations
      .flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} ${r.constructPath}`))
      .filter((f) => f.includes('NagStack/Notebook/'));
    expect(findings).toEqual([]);
  });
});
