import * as fs from 'fs';
import * as path from 'path';
import { CfnParameter, Stack, Stage } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as s3_assets from 'aws-cdk-lib/aws-s3-assets';
import { FlinkRuntime } from '../src/flink-application';
import { FlinkSqlApplication, FlinkSqlApplicationProps } from '../src/flink-sql-application';
import { KinesisStream } from '../src/stream';
import { newStack, policyStatements } from './setup/util';

const CONNECTOR_JAR = path.join(__dirname, 'runtime', 'fixtures', 'fake-connector.jar');

const STATEMENTS = [
  `CREATE TABLE orders (
     order_id STRING, product_id STRING, amount DOUBLE, order_time TIMESTAMP(3),
     WATERMARK FOR order_time AS order_time - INTERVAL '5' SECOND
   ) WITH ('connector' = 'kinesis', 'stream.arn' = '<orders>', 'aws.region' = 'eu-west-1', 'format' = 'json')`,
  'INSERT INTO counts SELECT window_start, product_id, COUNT(*) FROM TABLE(TUMBLE(TABLE orders, DESCRIPTOR(order_time), INTERVAL \'1\' MINUTE)) GROUP BY window_start, window_end, product_id',
];

function sqlApp(stack: Stack, props: Partial<FlinkSqlApplicationProps> = {}): FlinkSqlApplication {
  return new FlinkSqlApplication(stack, 'Sql', {
    runtime: FlinkRuntime.FLINK_1_20,
    statements: STATEMENTS,
    connectorJar: CONNECTOR_JAR,
    ...props,
  });
}

function propertyGroups(template: Template): Record<string, any> {
  const app = Object.values<any>(template.findResources('AWS::KinesisAnalyticsV2::Application'))[0];
  const groups = app.Properties.ApplicationConfiguration.EnvironmentProperties?.PropertyGroups ?? [];
  return Object.fromEntries(groups.map((g: any) => [g.PropertyGroupId, g.PropertyMap]));
}

/** The files of the application's code asset, as staged in the cloud assembly. */
function bundledFiles(stack: Stack, app: FlinkSqlApplication): string[] {
  const asset = app.node.findChild('Code') as s3_assets.Asset;
  const dir = path.join(Stage.of(stack)!.outdir, asset.assetPath);
  const walk = (d: string): string[] => fs.readdirSync(d, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? walk(path.join(d, e.name)).map((f) => `${e.name}/${f}`) : [e.name]));
  return walk(dir).sort();
}

describe('FlinkSqlApplication', () => {
  test('a Python application running the runner, the connector JAR in its zip, and the SQL in property groups', () => {
    // GIVEN
    const stack = newStack();
    // WHEN
    const app = sqlApp(stack);
    // THEN
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::KinesisAnalyticsV2::Application', {
      RuntimeEnvironment: 'FLINK-1_20',
      ApplicationConfiguration: {
        ApplicationCodeConfiguration: {
          CodeContentType: 'ZIPFILE',
          CodeContent: { S3ContentLocation: { FileKey: Match.stringLikeRegexp('^[0-9a-f]{64}\\.zip$') } },
        },
        FlinkApplicationConfiguration: {
          CheckpointConfiguration: { CheckpointingEnabled: true, CheckpointInterval: 60000 },
          ParallelismConfiguration: { Parallelism: 1, ParallelismPerKPU: 1, AutoScalingEnabled: true },
        },
      },
    });
    expect(propertyGroups(template)).toEqual({
      'kinesis.analytics.flink.run.options': { python: 'main.py', jarfile: 'lib/fake-connector.jar' },
      'sql.statements': { 'statement.000': STATEMENTS[0], 'statement.001': STATEMENTS[1] },
    });
    expect(bundledFiles(stack, app)).toEqual(['lib/fake-connector.jar', 'main.py']);
    expect(app.statementCount).toBe(2);
    expect(template.toJSON()).toMatchSnapshot();
  });

  test('the bundled runner is the shipped one', () => {
    const stack = newStack();
    const app = sqlApp(stack);
    Template.fromStack(stack);
    const asset = app.node.findChild('Code') as s3_assets.Asset;
    const bundled = fs.readFileSync(path.join(Stage.of(stack)!.outdir, asset.assetPath, 'main.py'), 'utf-8');
    expect(bundled).toBe(fs.readFileSync(path.join(__dirname, '..', 'runtime', 'flink-sql-runner', 'main.py'), 'utf-8'));
  });

  test('without a connector JAR: the runner alone, no jarfile', () => {
    // GIVEN
    const stack = newStack();
    // WHEN
    const app = sqlApp(stack, { connectorJar: undefined });
    // THEN
    const template = Template.fromStack(stack);
    expect(propertyGroups(template)['kinesis.analytics.flink.run.options']).toEqual({ python: 'main.py' });
    expect(bundledFiles(stack, app)).toEqual(['main.py']);
  });

  test('sources and sinks are granted with KMS and recorded next to the SQL, whose tokens resolve', () => {
    // GIVEN
    const stack = newStack();
    const orders = new KinesisStream(stack, 'Orders');
    const counts = new KinesisStream(stack, 'Counts');
    // WHEN
    const app = sqlApp(stack, {
      statements: [`CREATE TABLE orders (x INT) WITH ('connector' = 'kinesis', 'stream.arn' = '${orders.streamArn}')`, 'INSERT INTO counts SELECT x FROM orders'],
    });
    app.addSource(orders);
    app.addSink(counts);
    // THEN
    const template = Template.fromStack(stack);
    const actions = policyStatements(template).flatMap((s) => [s.Action].flat());
    expect(actions).toEqual(expect.arrayContaining(['kinesis:GetRecords', 'kms:Decrypt', 'kinesis:PutRecords', 'kms:GenerateDataKey']));
    const groups = propertyGroups(template);
    expect(Object.keys(groups)).toEqual(['kinesis.analytics.flink.run.options', 'sql.statements', 'kinesis.source.0', 'kinesis.sink.0']);
    const ordersId = Object.keys(template.findResources('AWS::Kinesis::Stream')).find((id) => id.startsWith('Orders'))!;
    expect(groups['sql.statements']['statement.000']).toEqual({
      'Fn::Join': ['', ['CREATE TABLE orders (x INT) WITH (\'connector\' = \'kinesis\', \'stream.arn\' = \'', { 'Fn::GetAtt': [ordersId, 'Arn'] }, '\')']],
    });
  });

  test('a statement longer than a property value is split across keys, never inside a token', () => {
    // GIVEN: 1,949 characters of literal, then a token that counts as 256
    const stack = newStack();
    const stream = new KinesisStream(stack, 'Orders');
    const head = `-- ${'x'.repeat(1900)}\n`;
    const long = `${head}CREATE TABLE t (x INT) WITH ('stream.arn' = '${stream.streamArn}')`;
    // WHEN
    sqlApp(stack, { statements: ['SET \'a\' = \'b\'', long, 'INSERT INTO t SELECT 1'] });
    // THEN
    const sql = propertyGroups(Template.fromStack(stack))['sql.statements'];
    expect(Object.keys(sql)).toEqual(['statement.000', 'statement.001', 'statement.001.001', 'statement.002']);
    expect(sql['statement.001']).toBe(`${head}CREATE TABLE t (x INT) WITH ('stream.arn' = '`);
    expect(sql['statement.001.001']).toEqual({ 'Fn::Join': ['', [{ 'Fn::GetAtt': [expect.stringMatching(/^Orders/), 'Arn'] }, '\')']] });
    expect(sql['statement.001'].length).toBeLessThanOrEqual(2048);
  });

  test('a script of 60 statements spills into a second group; every chunk fits', () => {
    // GIVEN
    const stack = newStack();
    const statements = Array.from({ length: 59 }, (_, i) => `CREATE TEMPORARY VIEW v${i} AS SELECT ${i}`);
    statements.push(`INSERT INTO t SELECT * FROM v0 -- ${'y'.repeat(5000)}`);
    // WHEN
    sqlApp(stack, { statements });
    // THEN
    const groups = propertyGroups(Template.fromStack(stack));
    expect(Object.keys(groups['sql.statements'])).toHaveLength(50);
    expect(Object.keys(groups['sql.statements.1'])).toEqual([
      'statement.050', 'statement.051', 'statement.052', 'statement.053', 'statement.054', 'statement.055', 'statement.056',
      'statement.057', 'statement.058', 'statement.059', 'statement.059.001', 'statement.059.002',
    ]);
    const last = ['statement.059', 'statement.059.001', 'statement.059.002'].map((k) => groups['sql.statements.1'][k]);
    expect(last.join('')).toBe(statements[59]);
    expect(last.every((chunk: string) => chunk.length >= 1 && chunk.length <= 2048)).toBe(true);
  });

  test('settings of FlinkApplication apply', () => {
    const stack = newStack();
    sqlApp(stack, { applicationName: 'order-counts', parallelism: 2, runtime: FlinkRuntime.FLINK_1_19 });
    Template.fromStack(stack).hasResourceProperties('AWS::KinesisAnalyticsV2::Application', {
      ApplicationName: 'order-counts',
      RuntimeEnvironment: 'FLINK-1_19',
      ApplicationConfiguration: { FlinkApplicationConfiguration: { ParallelismConfiguration: { Parallelism: 2 } } },
    });
  });

  test.each<[string, Partial<FlinkSqlApplicationProps>, RegExp]>([
    ['no statements', { statements: [] }, /TestStack\/Sql: statements must hold at least 1 statement, got 0/],
    ['an empty statement', { statements: ['INSERT INTO t SELECT 1', '  '] }, /TestStack\/Sql: statements\[1\] must hold SQL, got an empty string/],
    ['a missing JAR', { connectorJar: 'nowhere/connector.jar' }, /TestStack\/Sql: connectorJar must be the path of a local .jar file, got 'nowhere\/connector.jar' \(no such file\)/],
    ['a JAR that is not a .jar', { connectorJar: path.join(__dirname, 'runtime', 'test_runner.py') }, /connectorJar must be the path of a local .jar file, got '.*test_runner.py' \(not a .jar file\)/],
    ['a bad application name', { applicationName: 'bad name' }, /TestStack\/Sql: applicationName must be 1 to 128 characters of \[a-zA-Z0-9_.-\], got 'bad name'/],
  ])('%s fails', (_name, props, message) => {
    const stack = newStack();
    expect(() => sqlApp(stack, props)).toThrow(message);
  });

  test('a statement that is a token is passed through', () => {
    const stack = newStack();
    const sql = new CfnParameter(stack, 'Statements');
    sqlApp(stack, { statements: [sql.valueAsString] });
    expect(propertyGroups(Template.fromStack(stack))['sql.statements']).toEqual({ 'statement.000': { Ref: 'Statements' } });
  });
});
