import { CfnParameter, RemovalPolicy } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { EnhancedFanOutConsumer } from '../src/efo-consumer';
import { KclApplication, KclApplicationProps, KclVersion } from '../src/kcl-application';
import { KinesisStream } from '../src/stream';
import { logicalIdOf, newStack, policyStatements } from './setup/util';

const TABLE_ACTIONS = [
  'dynamodb:DeleteItem',
  'dynamodb:DescribeTable',
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:Scan',
  'dynamodb:UpdateItem',
];

function tableId(template: Template, tableName: string): string {
  return Object.keys(template.findResources('AWS::DynamoDB::Table', { Properties: { TableName: tableName } }))[0];
}

function tableArnOf(name: string) {
  return { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':dynamodb:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, `:table/${name}`]] };
}

function setup(props: Partial<KclApplicationProps> = {}) {
  const stack = newStack();
  const stream = new KinesisStream(stack, 'Orders');
  const app = new KclApplication(stack, 'Billing', { stream, applicationName: 'billing', ...props });
  const role = new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') });
  return { stack, stream, app, role };
}

describe('KclApplication tables', () => {
  test('the three KCL 3.x tables: on-demand, PITR, encrypted, RETAIN, with KCL\'s names and keys', () => {
    // GIVEN
    const { stack } = setup();
    // THEN
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::DynamoDB::Table', 3);
    const tables = template.findResources('AWS::DynamoDB::Table');
    for (const table of Object.values<any>(tables)) {
      expect(table.DeletionPolicy).toBe('Retain');
      expect(table.UpdateReplacePolicy).toBe('Retain');
      expect(table.Properties).toMatchObject({
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { SSEEnabled: true },
      });
    }
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      TableName: 'billing',
      KeySchema: [{ AttributeName: 'leaseKey', KeyType: 'HASH' }],
      GlobalSecondaryIndexes: [{
        IndexName: 'LeaseOwnerToLeaseKeyIndex',
        KeySchema: [{ AttributeName: 'leaseOwner', KeyType: 'HASH' }, { AttributeName: 'leaseKey', KeyType: 'RANGE' }],
        Projection: { ProjectionType: 'KEYS_ONLY' },
      }],
    });
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      TableName: 'billing-WorkerMetricStats',
      KeySchema: [{ AttributeName: 'wid', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'wid', AttributeType: 'S' }],
    });
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      TableName: 'billing-CoordinatorState',
      KeySchema: [{ AttributeName: 'key', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'key', AttributeType: 'S' }],
    });
    // The enhanced fan-out consumer KCL reads through, created ahead of time and named after the application.
    template.resourceCountIs('AWS::Kinesis::StreamConsumer', 1);
    template.hasResourceProperties('AWS::Kinesis::StreamConsumer', { ConsumerName: 'billing' });
    expect(template.toJSON()).toMatchSnapshot();
  });

  test('a customer-managed key encrypts the tables', () => {
    // GIVEN
    const stack = newStack();
    const stream = new KinesisStream(stack, 'Orders');
    const key = new kms.Key(stack, 'TableKey');
    // WHEN
    new KclApplication(stack, 'Billing', { stream, applicationName: 'billing', encryptionKey: key });
    // THEN
    const template = Template.fromStack(stack);
    const keyId = Object.keys(template.findResources('AWS::KMS::Key')).find((id) => id.startsWith('TableKey'))!;
    template.allResourcesProperties('AWS::DynamoDB::Table', {
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] } },
    });
  });

  test('removalPolicy applies to the tables', () => {
    const { stack } = setup({ removalPolicy: RemovalPolicy.DESTROY });
    Template.fromStack(stack).allResources('AWS::DynamoDB::Table', { DeletionPolicy: 'Delete' });
  });

  test('KCL 2.x: the lease table only, without the KCL 3.x index', () => {
    // GIVEN
    const { stack, app } = setup({ kclVersion: KclVersion.V2 });
    // THEN
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::DynamoDB::Table', 1);
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      TableName: 'billing',
      GlobalSecondaryIndexes: Match.absent(),
    });
    expect(app.workerMetricsTable).toBeUndefined();
    expect(app.coordinatorStateTable).toBeUndefined();
  });

  test('an existing lease table is imported, not created; KCL 3.x still gets its two tables', () => {
    // GIVEN
    const { stack, app } = setup({ existingLeaseTableName: 'billing-v2-leases' });
    // THEN
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::DynamoDB::Table', 2);
    template.resourcePropertiesCountIs('AWS::DynamoDB::Table', { TableName: 'billing' }, 0);
    expect(stack.resolve(app.leaseTable.tableName)).toBe('billing-v2-leases');
  });

  test('KCL 2.x with an existing lease table creates no table', () => {
    const { stack } = setup({ kclVersion: KclVersion.V2, existingLeaseTableName: 'billing-v2-leases' });
    Template.fromStack(stack).resourceCountIs('AWS::DynamoDB::Table', 0);
  });
});

describe('KclApplication grant', () => {
  test('enhanced fan-out, KCL 3.x: stream, consumer, tables, index and namespace-limited metrics', () => {
    // GIVEN
    const { stack, app, role } = setup();
    // WHEN
    app.grant(role);
    // THEN
    const template = Template.fromStack(stack);
    const streamArn = { 'Fn::GetAtt': [logicalIdOf(template, 'AWS::Kinesis::Stream'), 'Arn'] };
    const consumerArn = { 'Fn::GetAtt': [logicalIdOf(template, 'AWS::Kinesis::StreamConsumer'), 'ConsumerARN'] };
    const tableArn = (name: string) => ({ 'Fn::GetAtt': [tableId(template, name), 'Arn'] });
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
        Resource: streamArn,
      },
      {
        Effect: 'Allow',
        Action: 'kms:Decrypt',
        Resource: { 'Fn::GetAtt': [logicalIdOf(template, 'AWS::KMS::Key'), 'Arn'] },
      },
      {
        Effect: 'Allow',
        Action: 'kinesis:RegisterStreamConsumer',
        Resource: streamArn,
      },
      {
        Effect: 'Allow',
        Action: ['kinesis:DescribeStreamConsumer', 'kinesis:SubscribeToShard'],
        Resource: consumerArn,
      },
      {
        Effect: 'Allow',
        Action: TABLE_ACTIONS,
        Resource: [tableArn('billing'), tableArn('billing-WorkerMetricStats'), tableArn('billing-CoordinatorState')],
      },
      {
        Effect: 'Allow',
        Action: 'dynamodb:Query',
        Resource: { 'Fn::Join': ['', [tableArn('billing'), '/index/LeaseOwnerToLeaseKeyIndex']] },
      },
      {
        Effect: 'Allow',
        Action: 'cloudwatch:PutMetricData',
        Resource: '*',
        Condition: { StringEquals: { 'cloudwatch:namespace': 'billing' } },
      },
    ]);
  });

  test('polling: no consumer registration, no consumer actions', () => {
    // GIVEN
    const { stack, app, role } = setup({ enhancedFanOut: false });
    // WHEN
    app.grant(role);
    // THEN
    const actions = policyStatements(Template.fromStack(stack)).flatMap((s: any) => [s.Action].flat());
    expect(actions).not.toContain('kinesis:RegisterStreamConsumer');
    expect(actions).not.toContain('kinesis:DescribeStreamConsumer');
    expect(actions).toEqual(expect.arrayContaining(['kinesis:GetRecords', 'kms:Decrypt', 'dynamodb:Scan']));
  });

  test('an existing lease table gets UpdateTable for the index KCL 3.x adds; no CreateTable anywhere', () => {
    // GIVEN
    const { stack, app, role } = setup({ existingLeaseTableName: 'billing-v2-leases' });
    // WHEN
    app.grant(role);
    // THEN
    const statements = policyStatements(Template.fromStack(stack));
    expect(statements).toContainEqual({ Effect: 'Allow', Action: 'dynamodb:UpdateTable', Resource: tableArnOf('billing-v2-leases') });
    expect(statements).toContainEqual({
      Effect: 'Allow',
      Action: 'dynamodb:Query',
      Resource: tableArnOf('billing-v2-leases/index/LeaseOwnerToLeaseKeyIndex'),
    });
    expect(statements.flatMap((s: any) => [s.Action].flat())).not.toContain('dynamodb:CreateTable');
  });

  test('KCL 2.x: the lease table only, no Query and no UpdateTable', () => {
    // GIVEN
    const { stack, app, role } = setup({ kclVersion: KclVersion.V2, existingLeaseTableName: 'billing-v2-leases' });
    // WHEN
    app.grant(role);
    // THEN
    const statements = policyStatements(Template.fromStack(stack));
    expect(statements).toContainEqual({ Effect: 'Allow', Action: TABLE_ACTIONS, Resource: tableArnOf('billing-v2-leases') });
    const actions = statements.flatMap((s: any) => [s.Action].flat());
    expect(actions).not.toContain('dynamodb:Query');
    expect(actions).not.toContain('dynamodb:UpdateTable');
  });

  test('a customer-managed table key is granted; a custom namespace limits PutMetricData', () => {
    // GIVEN
    const stack = newStack();
    const stream = new KinesisStream(stack, 'Orders');
    const key = new kms.Key(stack, 'TableKey');
    const app = new KclApplication(stack, 'Billing', { stream, applicationName: 'billing', encryptionKey: key, metricsNamespace: 'Billing/KCL' });
    const role = new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') });
    // WHEN
    app.grant(role);
    // THEN
    const template = Template.fromStack(stack);
    const keyId = Object.keys(template.findResources('AWS::KMS::Key')).find((id) => id.startsWith('TableKey'))!;
    const statements = policyStatements(template);
    expect(statements).toContainEqual({
      Effect: 'Allow',
      Action: ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey*', 'kms:ReEncrypt*'],
      Resource: { 'Fn::GetAtt': [keyId, 'Arn'] },
    });
    expect(statements).toContainEqual(expect.objectContaining({
      Action: 'cloudwatch:PutMetricData',
      Condition: { StringEquals: { 'cloudwatch:namespace': 'Billing/KCL' } },
    }));
  });
});

describe('KclApplication consumer count', () => {
  test('an enhanced fan-out application counts towards the stream\'s 20 consumers', () => {
    // GIVEN
    const stack = newStack();
    const stream = new KinesisStream(stack, 'Orders');
    for (let i = 0; i < 20; i++) {
      new EnhancedFanOutConsumer(stack, `C${i}`, { stream, consumerName: `c${i}` });
    }
    // WHEN
    new KclApplication(stack, 'Billing', { stream, applicationName: 'billing' });
    // THEN
    expect(() => Template.fromStack(stack)).toThrow(/TestStack\/Billing\/Consumer: stream: a stream has 1 to 20 enhanced fan-out consumers, got 21/);
  });

  test('a polling application does not count', () => {
    const stack = newStack();
    const stream = new KinesisStream(stack, 'Orders');
    for (let i = 0; i < 20; i++) {
      new EnhancedFanOutConsumer(stack, `C${i}`, { stream, consumerName: `c${i}` });
    }
    new KclApplication(stack, 'Billing', { stream, applicationName: 'billing', enhancedFanOut: false });
    expect(() => Template.fromStack(stack)).not.toThrow();
  });
});

describe('KclApplication validation', () => {
  test.each<[Partial<KclApplicationProps>, RegExp]>([
    [{ applicationName: 'ab' }, /TestStack\/Billing: applicationName must be 3 to 128 characters of \[a-zA-Z0-9_.-\] .*got 'ab' \(2 characters\)/],
    [{ applicationName: 'billing app' }, /applicationName must be 3 to 128 characters .*got 'billing app'/],
    [{ applicationName: 'a'.repeat(129) }, /applicationName must be 3 to 128 characters .*KCL names its enhanced fan-out consumer after it, at most 128.* \(129 characters\)/],
    [{ applicationName: 'a'.repeat(238), enhancedFanOut: false }, /applicationName must be 3 to 237 characters .*appends '-WorkerMetricStats'.* \(238 characters\)/],
    [{ applicationName: 'a'.repeat(256), enhancedFanOut: false, kclVersion: KclVersion.V2 }, /applicationName must be 3 to 255 characters of \[a-zA-Z0-9_.-\], got '.*' \(256 characters\)/],
    [{ existingLeaseTableName: 'leases/v2' }, /TestStack\/Billing: existingLeaseTableName must be 3 to 255 characters of \[a-zA-Z0-9_.-\], got 'leases\/v2'/],
  ])('bad input %#', (props, message) => {
    const stack = newStack();
    const stream = new KinesisStream(stack, 'Orders');
    expect(() => new KclApplication(stack, 'Billing', { stream, applicationName: 'billing', ...props })).toThrow(message);
  });

  test('a 255-character name is fine for a polling KCL 2.x application', () => {
    const stack = newStack();
    const stream = new KinesisStream(stack, 'Orders');
    expect(() => new KclApplication(stack, 'Billing', {
      stream, applicationName: 'a'.repeat(255), enhancedFanOut: false, kclVersion: KclVersion.V2,
    })).not.toThrow();
  });

  test('unresolved tokens skip the checks', () => {
    // GIVEN
    const stack = newStack();
    const stream = new KinesisStream(stack, 'Orders');
    const name = new CfnParameter(stack, 'AppName');
    const leaseTable = new CfnParameter(stack, 'LeaseTable');
    // WHEN
    new KclApplication(stack, 'Billing', { stream, applicationName: name.valueAsString, existingLeaseTableName: leaseTable.valueAsString });
    // THEN
    Template.fromStack(stack).hasResourceProperties('AWS::DynamoDB::Table', {
      TableName: { 'Fn::Join': ['', [{ Ref: 'AppName' }, '-WorkerMetricStats']] },
    });
  });
});
