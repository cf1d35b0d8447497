import { RemovalPolicy, Token } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { EnhancedFanOutConsumer } from './efo-consumer';
import { grantStreamRead } from './private/grants';
import { KinesisKitValidationError } from './private/validation';

/** The suffixes KCL 3.x appends to the application name for its two extra tables. */
const WORKER_METRICS_SUFFIX = '-WorkerMetricStats';
const COORDINATOR_STATE_SUFFIX = '-CoordinatorState';
/** The global secondary index KCL 3.x adds to the lease table if it is missing. */
const LEASE_OWNER_INDEX = 'LeaseOwnerToLeaseKeyIndex';
/** DynamoDB's table name rule. */
const TABLE_NAME = /^[a-zA-Z0-9_.-]+$/;

/** What a KCL worker does on every metadata table once it exists. */
const TABLE_ACTIONS = [
  'dynamodb:DescribeTable',
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:Scan',
];
/** What an enhanced fan-out KCL application does with its own consumer. */
const REGISTER_CONSUMER_ACTIONS = ['kinesis:RegisterStreamConsumer'];
const TABLE_KEY_ACTIONS = ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey*', 'kms:ReEncrypt*', 'kms:DescribeKey'];

/**
 * The major version of the Kinesis Client Library an application runs, which decides the
 * metadata tables it needs.
 */
export enum KclVersion {
  /**
   * KCL 2.x: the lease table only.
   */
  V2 = 'V2',

  /**
   * KCL 3.x: the lease table with its `LeaseOwnerToLeaseKeyIndex`, the worker metrics table
   * `<applicationName>-WorkerMetricStats` and the coordinator state table
   * `<applicationName>-CoordinatorState`.
   */
  V3 = 'V3',
}

/**
 * Properties of a `KclApplication`.
 */
export interface KclApplicationProps {
  /**
   * The stream the application reads.
   */
  readonly stream: kinesis.IStream;

  /**
   * The KCL application name (`ConfigsBuilder`'s `applicationName`). KCL names its DynamoDB
   * tables and its enhanced fan-out consumer after it, so it must be unique per account and
   * Region: 3 to 255 characters of `[a-zA-Z0-9_.-]`, at most 237 with KCL 3.x (so that
   * `<name>-WorkerMetricStats` fits DynamoDB's 255) and at most 128 with `enhancedFanOut`
   * (Kinesis's consumer name limit).
   */
  readonly applicationName: string;

  /**
   * Whether the application reads with enhanced fan-out, KCL's default retrieval
   * (`FanOutConfig`). KCL then registers a consumer named after the application itself; it
   * counts towards the stream's 20 consumers. Set false for polling (`PollingConfig`), which
   * shares the stream's read throughput.
   *
   * @default true
   */
  readonly enhancedFanOut?: boolean;

  /**
   * The KCL major version, which decides the tables created.
   *
   * @default KclVersion.V3
   */
  readonly kclVersion?: KclVersion;

  /**
   * The name of an existing lease table to use instead of creating one, e.g. the table of a
   * KCL 2.x application moving to this construct (KCL 2.x uses only the lease table). With
   * `KclVersion.V3` the two other tables are still created, and KCL adds its
   * `LeaseOwnerToLeaseKeyIndex` to the existing table itself (hence dynamodb:UpdateTable).
   *
   * @default - a lease table named `applicationName` is created
   */
  readonly existingLeaseTableName?: string;

  /**
   * A customer-managed key for the created tables.
   *
   * @default - the AWS-managed key for DynamoDB (`aws/dynamodb`)
   */
  readonly encryptionKey?: kms.IKey;

  /**
   * The CloudWatch namespace KCL publishes its metrics to (`MetricsConfig`'s namespace).
   * `grant` limits cloudwatch:PutMetricData to it.
   *
   * @default - the application name, as KCL does
   */
  readonly metricsNamespace?: string;

  /**
   * What happens to the created tables when removed from the stack. They hold the checkpoints.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The AWS side of a Kinesis Client Library (KCL) consumer application: its DynamoDB metadata
 * tables, created ahead of time with on-demand billing, point-in-time recovery, encryption and
 * `RETAIN`, and a `grant` that gives the workers exactly what KCL calls.
 *
 * Tables (KCL's default names, which the application must keep):
 * - `<applicationName>`: the lease table, partition key `leaseKey` (S); with KCL 3.x its global
 *   secondary index `LeaseOwnerToLeaseKeyIndex` (`leaseOwner`, `leaseKey`, keys only);
 * - `<applicationName>-WorkerMetricStats`: KCL 3.x worker metrics, partition key `wid` (S);
 * - `<applicationName>-CoordinatorState`: KCL 3.x coordinator state, partition key `key` (S).
 *
 * @example
 * const app = new KclApplication(this, 'Billing', { stream, applicationName: 'billing' });
 * app.grant(workerRole);
 *
 * @see https://docs.aws.amazon.com/streams/latest/dev/kcl-dynamoDB.html
 */
export class KclApplication extends Construct {
  /** The application name. */
  public readonly applicationName: string;

  /** The stream the application reads. */
  public readonly stream: kinesis.IStream;

  /** Whether the application reads with enhanced fan-out. */
  public readonly enhancedFanOut: boolean;

  /** The CloudWatch namespace of the application's metrics. */
  public readonly metricsNamespace: string;

  /** The lease table: created (child `LeaseTable`) or imported by `existingLeaseTableName`. */
  public readonly leaseTable: dynamodb.ITable;

  /**
   * The worker metrics table (child `WorkerMetricsTable`).
   *
   * @default - none with KCL 2.x
   */
  public readonly workerMetricsTable?: dynamodb.ITable;

  /**
   * The coordinator state table (child `CoordinatorStateTable`).
   *
   * @default - none with KCL 2.x
   */
  public readonly coordinatorStateTable?: dynamodb.ITable;

  /**
   * The enhanced fan-out consumer the workers read through (child `Consumer`), named after the
   * application as KCL names its own. Created by CloudFormation, so that the workers' grant
   * names its exact ARN: pass `consumer.consumerArn` to KCL's `FanOutConfig.consumerArn(...)`.
   *
   * @default - none when `enhancedFanOut` is false
   */
  public readonly consumer?: EnhancedFanOutConsumer;

  private readonly kclVersion: KclVersion;
  private readonly leaseTableImported: boolean;

  constructor(scope: Construct, id: string, props: KclApplicationProps) {
    super(scope, id);
    this.kclVersion = props.kclVersion ?? KclVersion.V3;
    this.enhancedFanOut = props.enhancedFanOut ?? true;
    validateApplicationName(this, props.applicationName, this.kclVersion, this.enhancedFanOut);
    if (props.existingLeaseTableName !== undefined) {
      validateTableName(this, 'existingLeaseTableName', props.existingLeaseTableName);
    }

    this.applicationName = props.applicationName;
    this.stream = props.stream;
    this.metricsNamespace = props.metricsNamespace ?? props.applicationName;
    this.leaseTableImported = props.existingLeaseTableName !== undefined;

    const tableProps = {
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: props.encryptionKey ? dynamodb.TableEncryption.CUSTOMER_MANAGED : dynamodb.TableEncryption.AWS_MANAGED,
      encryptionKey: props.encryptionKey,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    };

    if (props.existingLeaseTableName !== undefined) {
      this.leaseTable = dynamodb.Table.fromTableName(this, 'LeaseTable', props.existingLeaseTableName);
    } else {
      const leaseTable = new dynamodb.Table(this, 'LeaseTable', {
        ...tableProps,
        tableName: props.applicationName,
        partitionKey: { name: 'leaseKey', type: dynamodb.AttributeType.STRING },
      });
      if (this.kclVersion === KclVersion.V3) {
        // Created here so that KCL finds it and needs no dynamodb:UpdateTable.
        leaseTable.addGlobalSecondaryIndex({
          indexName: LEASE_OWNER_INDEX,
          partitionKey: { name: 'leaseOwner', type: dynamodb.AttributeType.STRING },
          sortKey: { name: 'leaseKey', type: dynamodb.AttributeType.STRING },
          projectionType: dynamodb.ProjectionType.KEYS_ONLY,
        });
      }
      this.leaseTable = leaseTable;
    }

    if (this.kclVersion === KclVersion.V3) {
      this.workerMetricsTable = new dynamodb.Table(this, 'WorkerMetricsTable', {
        ...tableProps,
        tableName: `${props.applicationName}${WORKER_METRICS_SUFFIX}`,
        partitionKey: { name: 'wid', type: dynamodb.AttributeType.STRING },
      });
      this.coordinatorStateTable = new dynamodb.Table(this, 'CoordinatorStateTable', {
        ...tableProps,
        tableName: `${props.applicationName}${COORDINATOR_STATE_SUFFIX}`,
        partitionKey: { name: 'key', type: dynamodb.AttributeType.STRING },
      });
    }

    if (this.enhancedFanOut) {
      // Created here rather than by KCL at run time: it counts towards the stream's 20, joins the
      // creation chain, and its exact ARN (which ends with a creation timestamp) can be granted.
      this.consumer = new EnhancedFanOutConsumer(this, 'Consumer', { stream: props.stream, consumerName: props.applicationName });
    }
  }

  /**
   * Grants a KCL worker what it calls, and nothing wider:
   *
   * - the stream: GetRecords, GetShardIterator, DescribeStream, DescribeStreamSummary,
   *   ListShards, SubscribeToShard, with kms:Decrypt on the stream's key; with enhanced fan-out
   *   also RegisterStreamConsumer on the stream and DescribeStreamConsumer and SubscribeToShard
   *   on the ARN of `consumer`;
   * - every table: DescribeTable, GetItem, PutItem, UpdateItem, DeleteItem, Scan (no
   *   CreateTable: the tables exist); with KCL 3.x, Query on the lease table's
   *   `LeaseOwnerToLeaseKeyIndex`, and
   *   UpdateTable on an existing lease table, to which KCL adds `LeaseOwnerToLeaseKeyIndex`;
   *   the table key's encrypt and decrypt actions when it is customer-managed;
   * - cloudwatch:PutMetricData, limited to the application's namespace by condition
   *   (PutMetricData has no resource-level permissions).
   *
   * @see https://docs.aws.amazon.com/streams/latest/dev/kcl-iam-permissions.html
   */
  public grant(grantee: iam.IGrantable): iam.Grant {
    let grant = grantStreamRead(this.stream, grantee);
    if (this.consumer) {
      // KCL without a consumerArn first tries to register its consumer; the registration finds
      // this one, which the workers then describe and subscribe to.
      grant = grant
        .combine(this.stream.grant(grantee, ...REGISTER_CONSUMER_ACTIONS))
        .combine(this.consumer.grantSubscribe(grantee));
    }

    const tables = [this.leaseTable, this.workerMetricsTable, this.coordinatorStateTable]
      .filter((t): t is dynamodb.ITable => t !== undefined);
    grant = grant.combine(iam.Grant.addToPrincipal({
      grantee,
      actions: TABLE_ACTIONS,
      resourceArns: tables.map((t) => t.tableArn),
    }));
    if (this.kclVersion === KclVersion.V3) {
      grant = grant.combine(iam.Grant.addToPrincipal({
        grantee,
        actions: ['dynamodb:Query'],
        resourceArns: [`${this.leaseTable.tableArn}/index/${LEASE_OWNER_INDEX}`],
      }));
      if (this.leaseTableImported) {
        grant = grant.combine(iam.Grant.addToPrincipal({
          grantee,
          actions: ['dynamodb:UpdateTable'],
          resourceArns: [this.leaseTable.tableArn],
        }));
      }
    }
    const keys = new Set(tables.map((t) => t.encryptionKey).filter((k): k is kms.IKey => k !== undefined));
    for (const key of keys) {
      key.grant(grantee, ...TABLE_KEY_ACTIONS);
    }

    return grant.combine(iam.Grant.addToPrincipal({
      grantee,
      actions: ['cloudwatch:PutMetricData'],
      resourceArns: ['*'],
      conditions: { StringEquals: { 'cloudwatch:namespace': this.metricsNamespace } },
    }));
  }
}

function validateApplicationName(scope: Construct, name: string, version: KclVersion, enhancedFanOut: boolean): void {
  if (Token.isUnresolved(name)) {
    return;
  }
  let max = 255;
  const reasons: string[] = [];
  if (version === KclVersion.V3) {
    max = 255 - WORKER_METRICS_SUFFIX.length;
    reasons.push(`KCL 3.x appends '${WORKER_METRICS_SUFFIX}' to it for a table name of at most 255`);
  }
  if (enhancedFanOut) {
    max = 128;
    reasons.push('KCL names its enhanced fan-out consumer after it, at most 128');
  }
  if (name.length < 3 || name.length > max || !TABLE_NAME.test(name)) {
    const why = reasons.length > 0 ? ` (${reasons.join('; ')})` : '';
    throw new KinesisKitValidationError(scope,
      `applicationName must be 3 to ${max} characters of [a-zA-Z0-9_.-]${why}, got '${name}' (${name.length} characters)`);
  }
}

function validateTableName(scope: Construct, prop: string, name: string): void {
  if (Token.isUnresolved(name)) {
    return;
  }
  if (name.length < 3 || name.length > 255 || !TABLE_NAME.test(name)) {
    throw new KinesisKitValidationError(scope,
      `${prop} must be 3 to 255 characters of [a-zA-Z0-9_.-], got '${name}' (${name.length} characters)`);
  }
}
