import * as fs from 'fs';
import * as path from 'path';
import { App, Duration, RemovalPolicy, Stack, StackProps, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R5Checks, PCIDSS321Checks } from 'cdk-nag';
import { Construct } from 'constructs';
import { KclApplication, KinesisStream, StreamCapacity, StreamingPipeline } from '../src';

/** The compliance packs (beside AwsSolutions) whose findings the example acknowledges by id. */
const COMPLIANCE_PACKS = ['NIST.800.53.R5', 'HIPAA.Security', 'PCI.DSS.321'];

/** The cdk-nag packs every example stack must pass with zero unacknowledged findings. */
export const NAG_PACKS = ['AwsSolutions', ...COMPLIANCE_PACKS];

/**
 * Flink's Kinesis SQL connector (org.apache.flink:flink-sql-connector-kinesis:5.0.0-1.20 from
 * Maven Central). The build machines cannot download it: put it here to deploy the SQL
 * application. Without it the app still synthesizes, with only the runtime's own connectors.
 */
const KINESIS_CONNECTOR_JAR = path.join(__dirname, 'jars', 'flink-sql-connector-kinesis-5.0.0-1.20.jar');

/**
 * The "orders" platform, a tour of the library: a `StreamingPipeline` with an autoscaled stream,
 * two enhanced fan-out consumers and a Lambda consumer, a Firehose archive with a backup bucket
 * and a transform, a Flink SQL aggregate, and full monitoring; plus a producer function and a
 * KCL application.
 */
export class OrdersPlatformStack extends Stack {
  public readonly pipeline: StreamingPipeline;
  public readonly orders: KinesisStream;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    const functions = new ExampleFunctions(this, 'Functions');

    const indexer = functions.add('OrderIndexer', [
      'exports.handler = async (event) => {',
      '  for (const record of event.Records) {',
      "    const order = JSON.parse(Buffer.from(record.kinesis.data, 'base64').toString());",
      '    console.log(JSON.stringify({ indexed: order.id }));',
      '  }',
      '  return { batchItemFailures: [] };',
      '};',
    ]);
    // Firehose transform: drops test orders, passes the rest on (the response contract:
    // recordId, result Ok / Dropped / ProcessingFailed, data).
    const cleaner = functions.add('ArchiveCleaner', [
      'exports.handler = async (event) => ({',
      '  records: event.records.map((r) => {',
      "    const order = JSON.parse(Buffer.from(r.data, 'base64').toString());",
      "    if (order.test) return { recordId: r.recordId, result: 'Dropped', data: r.data };",
      "    return { recordId: r.recordId, result: 'Ok', data: Buffer.from(JSON.stringify(order) + '\\n').toString('base64') };",
      '  }),',
      '});',
    ]);

    this.pipeline = new StreamingPipeline(this, 'Orders', {
      // 3,000 orders/s of about 1.5 KiB at the expected peak, then following the traffic.
      streamProps: {
        streamName: 'orders',
        retentionPeriod: Duration.days(7),
        capacity: StreamCapacity.fromThroughput({ recordsPerSecond: 3000, averageRecordSizeKiB: 1.5, consumers: 2 }),
        // From 85% of capacity (the default, spelled out) the autoscaler checks the trend, the pace
        // of the last minutes and last week's traffic, and scales up before the stream is full.
        autoscaling: { minShards: 2, maxShards: 64, scaleUpAlarmThreshold: 0.85 },
      },
      enhancedFanOutConsumers: ['fraud-detection', 'analytics'],
      lambdaConsumers: [{ function: indexer, options: { batchSize: 500, maxBatchingWindow: Duration.seconds(5) } }],
      archive: { transform: { function: cleaner } },
      sqlAnalytics: {
        connectorJar: fs.existsSync(KINESIS_CONNECTOR_JAR) ? KINESIS_CONNECTOR_JAR : undefined,
        statements: [
          `CREATE TABLE orders (
             order_id STRING, product_id STRING, amount DOUBLE, order_time TIMESTAMP(3),
             WATERMARK FOR order_time AS order_time - INTERVAL '5' SECOND
           ) WITH ('connector' = 'kinesis', 'stream.arn' = '{{stream.arn}}', 'aws.region' = '{{region}}',
                   'source.init.position' = 'LATEST', 'format' = 'json')`,
          `CREATE TABLE revenue_per_minute (
             window_start TIMESTAMP(3), product_id STRING, orders BIGINT, revenue DOUBLE
           ) WITH ('connector' = 'kinesis', 'stream.arn' = '{{output.arn}}', 'aws.region' = '{{region}}', 'format' = 'json')`,
          `INSERT INTO revenue_per_minute
           SELECT window_start, product_id, COUNT(*), SUM(amount)
           FROM TABLE(TUMBLE(TABLE orders, DESCRIPTOR(order_time), INTERVAL '1' MINUTE))
           GROUP BY window_start, window_end, product_id`,
        ],
      },
    });
    this.orders = this.pipeline.stream as KinesisStream;
    for (const pack of COMPLIANCE_PACKS) {
      Validations.of(this.pipeline).acknowledge({
        id: `${pack}-S3BucketReplicationEnabled`,
        reason: 'The archive and its backup are kept in one Region; cross-Region replication is a disaster-recovery choice this example does not make.',
      });
    }
    acknowledgeInlinePolicies(this.pipeline, 'The Firehose and Flink roles\' inline policies are generated from grants scoped to the pipeline\'s stream, keys and buckets, and belong to those roles alone.');
    // aws-cdk-lib's DeliveryStream adds a mapping of Firehose's CIDR blocks that this template
    // does not use; CloudFormation's own validation warns about it.
    Validations.of(this).acknowledge({
      id: 'CloudFormation-Validate::W7001',
      reason: 'The unused mapping is the Firehose CIDR-block table that aws-cdk-lib\'s DeliveryStream always renders.',
    });

    const producer = functions.add('OrderProducer', [
      "const { KinesisClient, PutRecordsCommand } = require('@aws-sdk/client-kinesis');",
      'const client = new KinesisClient({});',
      'exports.handler = async (event) => {',
      '  const orders = event.orders ?? [];',
      '  if (orders.length === 0) return { sent: 0 };',
      '  const out = await client.send(new PutRecordsCommand({',
      '    StreamARN: process.env.STREAM_ARN,',
      '    Records: orders.map((o) => ({ PartitionKey: String(o.id), Data: Buffer.from(JSON.stringify(o)) })),',
      '  }));',
      '  return { sent: orders.length, failed: out.FailedRecordCount };',
      '};',
    ], { STREAM_ARN: this.orders.streamArn });
    this.orders.grantWrite(producer);

    // A KCL application whose workers (on ECS, say) assume the role below.
    const billing = new KclApplication(this, 'Billing', { stream: this.orders, applicationName: 'orders-billing' });
    for (const pack of COMPLIANCE_PACKS) {
      Validations.of(billing).acknowledge({
        id: `${pack}-DynamoDBInBackupPlan`,
        reason: 'The KCL tables hold leases and checkpoints that KCL rebuilds; point-in-time recovery is on for all three.',
      });
    }
    const billingWorkers = new iam.Role(this, 'BillingWorkers', {
      assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
      description: 'Role of the KCL workers of the orders-billing application',
    });
    billing.grant(billingWorkers);
    Validations.of(billingWorkers).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'cloudwatch:PutMetricData has no resource-level permissions; the statement is limited to the application\'s metrics namespace by condition.',
    });
    acknowledgeInlinePolicies(billingWorkers, 'The workers\' inline policy is generated from KclApplication.grant, scoped to the stream, its consumer and the KCL tables.');
  }
}

/**
 * The example's own Lambda functions, with what the compliance packs ask of them: encrypted
 * logs, reserved concurrency and an encrypted dead-letter queue.
 */
class ExampleFunctions extends Construct {
  private readonly logKey: kms.Key;
  private readonly deadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.logKey = new kms.Key(this, 'LogsKey', {
      description: 'Encrypts the example functions\' logs',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.logKey.grantEncryptDecrypt(new iam.ServicePrincipal(`logs.${Stack.of(this).region}.amazonaws.com`));
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is the dead-letter queue of the example functions.',
    });
  }

  public add(id: string, code: string[], environment?: Record<string, string>): lambda.Function {
    const fn = new lambda.Function(this, id, {
      runtime: lambda.Runtime.NODEJS_24_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline(code.join('\n')),
      environment,
      timeout: Duration.seconds(60),
      reservedConcurrentExecutions: 10,
      deadLetterQueue: this.deadLetterQueue,
      logGroup: new logs.LogGroup(this, `${id}Logs`, {
        retention: logs.RetentionDays.ONE_MONTH,
        encryptionKey: this.logKey,
        removalPolicy: RemovalPolicy.DESTROY,
      }),
    });
    Validations.of(fn).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason: 'The AWS-managed basic execution role only allows writing the function\'s own CloudWatch logs.',
    });
    for (const pack of COMPLIANCE_PACKS) {
      Validations.of(fn).acknowledge({
        id: `${pack}-LambdaInsideVPC`,
        reason: 'The example functions call only AWS APIs over TLS; the platform has no VPC resources.',
      });
    }
    acknowledgeInlinePolicies(fn, 'The function\'s inline policy is generated from grants scoped to the stream, its key and the dead-letter queue.');
    return fn;
  }
}

function acknowledgeInlinePolicies(scope: Construct, reason: string): void {
  for (const pack of COMPLIANCE_PACKS) {
    Validations.of(scope).acknowledge({ id: `${pack}-IAMNoInlinePolicy`, reason });
  }
}

/**
 * Adds the example stacks to an app, with cdk-nag's AwsSolutions, NIST 800-53 rev 5, HIPAA
 * Security and PCI DSS 3.2.1 packs as validation plugins.
 */
export function addExampleStacks(app: App): Stack[] {
  const stacks = [new OrdersPlatformStack(app, 'OrdersPlatform')];
  Validations.of(app).addPlugins(
    new AwsSolutionsChecks(app),
    new NIST80053R5Checks(app),
    new HIPAASecurityChecks(app),
    new PCIDSS321Checks(app),
  );
  return stacks;
}
