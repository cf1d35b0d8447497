import { App, Duration, RemovalPolicy, Stack, StackProps, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R5Checks, PCIDSS321Checks } from 'cdk-nag';
import { Construct } from 'constructs';
import { KclApplication, KinesisStream, StreamCapacity, StreamingMonitoring } from '../src';

/** The cdk-nag packs every example stack must pass with zero unacknowledged findings. */
export const NAG_PACKS = ['AwsSolutions', 'NIST.800.53.R5', 'HIPAA.Security', 'PCI.DSS.321'];

/**
 * The "orders" platform: a stream sized from its expected peak throughput and autoscaled from
 * there, a producer function, two enhanced fan-out consumers, a Lambda consumer, a KCL
 * application, and monitoring.
 */
export class OrdersPlatformStack extends Stack {
  public readonly orders: KinesisStream;
  public readonly monitoring: StreamingMonitoring;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);

    // 3,000 orders/s of about 1.5 KiB, read by two shared-throughput consumers.
    this.orders = new KinesisStream(this, 'Orders', {
      streamName: 'orders',
      retentionPeriod: Duration.days(7),
      capacity: StreamCapacity.fromThroughput({
        recordsPerSecond: 3000,
        averageRecordSizeKiB: 1.5,
        consumers: 2,
      }),
      // Start at the size for the expected peak, then follow the traffic.
      autoscaling: { minShards: 2, maxShards: 64 },
    });

    const functions = new ExampleFunctions(this, 'Functions');
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

    // Consumers: two enhanced fan-out readers, a Lambda function, and a KCL application whose
    // workers (on ECS, say) assume the role below.
    const fraud = this.orders.addConsumer('fraud-detection');
    const analytics = this.orders.addConsumer('analytics');

    const indexer = functions.add('OrderIndexer', [
      'exports.handler = async (event) => {',
      '  for (const record of event.Records) {',
      "    const order = JSON.parse(Buffer.from(record.kinesis.data, 'base64').toString());",
      '    console.log(JSON.stringify({ indexed: order.id }));',
      '  }',
      '  return { batchItemFailures: [] };',
      '};',
    ]);
    this.orders.addLambdaConsumer(indexer, { batchSize: 500, maxBatchingWindow: Duration.seconds(5) });

    const billing = new KclApplication(this, 'Billing', { stream: this.orders, applicationName: 'orders-billing' });
    for (const pack of ['NIST.800.53.R5', 'HIPAA.Security', 'PCI.DSS.321']) {
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

    this.monitoring = new StreamingMonitoring(this, 'Monitoring');
    this.monitoring.monitorStream(this.orders);
    this.monitoring.monitorConsumer(fraud);
    this.monitoring.monitorConsumer(analytics);
    this.monitoring.monitorLambdaConsumer(indexer);
    this.monitoring.monitorAutoscaler(this.orders.autoscaler!);
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
    for (const pack of ['NIST.800.53.R5', 'HIPAA.Security', 'PCI.DSS.321']) {
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
  for (const pack of ['NIST.800.53.R5', 'HIPAA.Security', 'PCI.DSS.321']) {
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
