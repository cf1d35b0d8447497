import { App, Duration, Stack, StackProps, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { Construct } from 'constructs';
import { KclApplication, KinesisStream, StreamCapacity } from '../src';

/**
 * The "orders" platform: a stream sized from its expected peak throughput and autoscaled from
 * there, and a producer function that is granted write.
 */
export class OrdersPlatformStack extends Stack {
  public readonly orders: KinesisStream;

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

    const producer = new lambda.Function(this, 'OrderProducer', {
      runtime: lambda.Runtime.NODEJS_24_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline([
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
      ].join('\n')),
      environment: { STREAM_ARN: this.orders.streamArn },
      timeout: Duration.seconds(30),
      logGroup: new logs.LogGroup(this, 'OrderProducerLogs', { retention: logs.RetentionDays.ONE_MONTH }),
    });
    this.orders.grantWrite(producer);

    // Consumers: two enhanced fan-out readers, a Lambda function, and a KCL application whose
    // workers (on ECS, say) assume the role below.
    this.orders.addConsumer('fraud-detection');
    this.orders.addConsumer('analytics');

    const indexer = new lambda.Function(this, 'OrderIndexer', {
      runtime: lambda.Runtime.NODEJS_24_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline([
        'exports.handler = async (event) => {',
        '  for (const record of event.Records) {',
        "    const order = JSON.parse(Buffer.from(record.kinesis.data, 'base64').toString());",
        '    console.log(JSON.stringify({ indexed: order.id }));',
        '  }',
        '  return { batchItemFailures: [] };',
        '};',
      ].join('\n')),
      timeout: Duration.seconds(60),
      logGroup: new logs.LogGroup(this, 'OrderIndexerLogs', { retention: logs.RetentionDays.ONE_MONTH }),
    });
    this.orders.addLambdaConsumer(indexer, { batchSize: 500, maxBatchingWindow: Duration.seconds(5) });

    const billing = new KclApplication(this, 'Billing', { stream: this.orders, applicationName: 'orders-billing' });
    const billingWorkers = new iam.Role(this, 'BillingWorkers', {
      assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
      description: 'Role of the KCL workers of the orders-billing application',
    });
    billing.grant(billingWorkers);

    for (const fn of [producer, indexer]) {
      Validations.of(fn).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason: 'The AWS-managed basic execution role only allows writing the function\'s own CloudWatch logs.',
      });
    }
    Validations.of(billingWorkers).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'cloudwatch:PutMetricData has no resource-level permissions; the statement is limited to the application\'s metrics namespace by condition.',
    });
  }
}

/** Adds the example stacks to an app, with cdk-nag's AwsSolutions pack as a validation plugin. */
export function addExampleStacks(app: App): Stack[] {
  const stacks = [new OrdersPlatformStack(app, 'OrdersPlatform')];
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return stacks;
}
