import { Arn, ArnFormat, Duration, Lazy, RemovalPolicy, Resource, Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as kinesisanalytics from 'aws-cdk-lib/aws-kinesisanalyticsv2';
import * as firehose from 'aws-cdk-lib/aws-kinesisfirehose';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3_assets from 'aws-cdk-lib/aws-s3-assets';
import { Construct } from 'constructs';
import { IEnhancedFanOutConsumer } from './efo-consumer';
import {
  acknowledgeWildcardResource,
  addLoggingOption,
  checkAtLeast,
  checkDurationMillis,
  checkVpcSettings,
  configureLogging,
  configureVpc,
  createServiceRole,
  FIREHOSE_PUT_ACTIONS,
  FLINK_METRICS_NAMESPACE,
  grantCodeRead,
  MAX_PARALLELISM_PER_KPU,
  MIN_PARALLELISM_PER_KPU,
  PropertyGroups,
  RUN_OPTIONS_GROUP_ID,
} from './private/flink-helpers';
import { grantStreamRead, grantStreamWrite } from './private/grants';
import { checkInteger, checkKinesisName, checkRange, KinesisKitValidationError } from './private/validation';

/**
 * A Managed Service for Apache Flink runtime (`RuntimeEnvironment`).
 *
 * @see https://docs.aws.amazon.com/managed-flink/latest/java/how-it-works.html
 */
export class FlinkRuntime {
  /** Apache Flink 1.15. */
  public static readonly FLINK_1_15 = new FlinkRuntime('FLINK-1_15');

  /** Apache Flink 1.18. */
  public static readonly FLINK_1_18 = new FlinkRuntime('FLINK-1_18');

  /** Apache Flink 1.19. */
  public static readonly FLINK_1_19 = new FlinkRuntime('FLINK-1_19');

  /** Apache Flink 1.20, the last 1.x release. */
  public static readonly FLINK_1_20 = new FlinkRuntime('FLINK-1_20');

  /**
   * Apache Flink 2.2: Java 17, no DataSet API, AWS connectors 6.x. The `fullRestarts` metric is
   * gone (`numRestarts` replaces it) and `uptime`/`downtime` are deprecated.
   *
   * @see https://docs.aws.amazon.com/managed-flink/latest/java/flink-2-2.html
   */
  public static readonly FLINK_2_2 = new FlinkRuntime('FLINK-2_2');

  /**
   * A runtime by its `RuntimeEnvironment` value, for one newer than this library.
   *
   * @param value e.g. `FLINK-1_20`
   */
  public static of(value: string): FlinkRuntime {
    return new FlinkRuntime(value);
  }

  /** The `RuntimeEnvironment` value, e.g. `FLINK-1_20`. */
  public readonly value: string;

  private constructor(value: string) {
    this.value = value;
  }
}

/** The verbosity of an application's CloudWatch logs. */
export enum FlinkLogLevel {
  /** Debug messages and above: for troubleshooting only, it is voluminous. */
  DEBUG = 'DEBUG',
  /** Informational messages and above. */
  INFO = 'INFO',
  /** Warnings and errors. */
  WARN = 'WARN',
  /** Errors only. */
  ERROR = 'ERROR',
}

/** The granularity of the metrics an application publishes to CloudWatch. */
export enum FlinkMetricsLevel {
  /** Metrics for the whole application. */
  APPLICATION = 'APPLICATION',
  /** Application and operator metrics. */
  OPERATOR = 'OPERATOR',
  /** Application and task metrics. */
  TASK = 'TASK',
  /**
   * Metrics for every parallel subtask: costly with a high parallelism (above 64, the service
   * advises against it).
   */
  PARALLELISM = 'PARALLELISM',
}

/** Where the code of an application is, once bound to it. */
export interface ApplicationCodeConfig {
  /** The bucket holding the code. */
  readonly bucket: s3.IBucket;

  /** The key of the code object: a JAR file, or a zip file for a Python application. */
  readonly fileKey: string;

  /**
   * The version of the code object.
   *
   * @default - the latest version
   */
  readonly objectVersion?: string;
}

/**
 * The code of a Managed Service for Apache Flink application: a JAR file for Java, or a zip
 * file for Python. The service reads it from S3 by bucket ARN and file key.
 */
export abstract class ApplicationCode {
  /**
   * Code already in S3. The service role is granted s3:GetObject and s3:GetObjectVersion on
   * this object (and kms:Decrypt on the bucket's key, if it has one).
   *
   * @param bucket the bucket
   * @param fileKey the object's key
   * @param objectVersion a version of the object. Default: the latest
   */
  public static fromBucket(bucket: s3.IBucket, fileKey: string, objectVersion?: string): ApplicationCode {
    return new BucketApplicationCode(bucket, fileKey, objectVersion);
  }

  /**
   * Local code, uploaded as an S3 asset: a JAR file, a zip file, or a directory (zipped by the
   * CDK, for a Python application). The service role is granted read on that object only.
   *
   * @param path the file or directory
   * @param options asset options, such as `bundling` or `exclude`
   */
  public static fromAsset(path: string, options?: s3_assets.AssetOptions): ApplicationCode {
    return new AssetApplicationCode(path, options);
  }

  /**
   * Called by the application once, to find (and for an asset, create) the code object.
   *
   * @param scope the application
   */
  public abstract bind(scope: Construct): ApplicationCodeConfig;
}

class BucketApplicationCode extends ApplicationCode {
  constructor(private readonly bucket: s3.IBucket, private readonly fileKey: string, private readonly objectVersion?: string) {
    super();
  }

  public bind(_scope: Construct): ApplicationCodeConfig {
    return { bucket: this.bucket, fileKey: this.fileKey, objectVersion: this.objectVersion };
  }
}

class AssetApplicationCode extends ApplicationCode {
  constructor(private readonly path: string, private readonly options?: s3_assets.AssetOptions) {
    super();
  }

  public bind(scope: Construct): ApplicationCodeConfig {
    const asset = new s3_assets.Asset(scope, 'Code', { ...this.options, path: this.path });
    return { bucket: asset.bucket, fileKey: asset.s3ObjectKey };
  }
}

/**
 * The entry point of a Python application, given to the service in the
 * `kinesis.analytics.flink.run.options` property group. Paths are relative to the root of
 * the application's zip file, which must hold every file and JAR the application uses.
 *
 * @see https://docs.aws.amazon.com/managed-flink/latest/java/how-python-creating.html
 */
export interface FlinkPythonOptions {
  /** The Python file with the main method, e.g. `main.py`. */
  readonly mainFile: string;

  /**
   * A JAR in the zip with the connectors and Java functions the application uses, e.g.
   * `lib/pyflink-dependencies.jar`. The service takes one: build an uber-JAR for several.
   *
   * @default - no JAR
   */
  readonly jarFile?: string;

  /**
   * Python files in the zip the application imports, comma-separated.
   *
   * @default - none
   */
  readonly pyFiles?: string;

  /**
   * Archives in the zip the application uses, comma-separated.
   *
   * @default - none
   */
  readonly pyArchives?: string;
}

/**
 * How an application reads a Kinesis data stream.
 */
export interface FlinkSourceOptions {
  /**
   * An enhanced fan-out consumer of the stream to read through. The application is then granted
   * `consumer.grantSubscribe` (the stream's read actions with kms:Decrypt, plus
   * DescribeStreamConsumer and SubscribeToShard on the consumer) instead of `grantRead`. The
   * consumer is registered by CloudFormation: configure the Flink connector to use this existing
   * consumer (its name and ARN are in the source's property group).
   *
   * @default - shared-throughput polling, with the stream's read grant
   */
  readonly consumer?: IEnhancedFanOutConsumer;
}

/**
 * Thresholds of `FlinkApplication.addRecommendedAlarms`.
 */
export interface FlinkAlarmOptions {
  /**
   * The longest a checkpoint may take (`lastCheckpointDuration`, maximum over 1 minute, 3
   * periods in a row). A checkpoint that takes longer than the checkpoint interval means the
   * application is falling behind on its state.
   *
   * @default - the checkpoint interval; no alarm when checkpointing is off
   */
  readonly maxCheckpointDuration?: Duration;

  /**
   * How far behind the tip of its Kinesis sources the application may read
   * (`millisBehindLatest`, maximum over 1 minute, 5 periods in a row). The alarm is only made
   * for an application with a source added by `addSource`.
   *
   * @default Duration.minutes(1)
   */
  readonly maxMillisBehindLatest?: Duration;
}

/**
 * Settings shared by `FlinkApplication` and `FlinkSqlApplication`. Every default is the
 * service's own, written out in the template.
 */
export interface FlinkApplicationOptions {
  /**
   * The Apache Flink runtime. The code must be built for it (a connector such as
   * `flink-sql-connector-kinesis` is published per Flink version), so there is no default.
   */
  readonly runtime: FlinkRuntime;

  /**
   * The application's name: 1 to 128 characters of `[a-zA-Z0-9_.-]`, unique per account and
   * Region. Changing it replaces the application.
   *
   * @default - a name generated by CloudFormation
   */
  readonly applicationName?: string;

  /**
   * A description of the application, at most 1,024 characters.
   *
   * @default - none
   */
  readonly description?: string;

  /**
   * The initial number of parallel tasks, at least 1. With `autoScaling` the service raises it
   * under load.
   *
   * @default 1
   * @see https://docs.aws.amazon.com/managed-flink/latest/java/how-scaling.html
   */
  readonly parallelism?: number;

  /**
   * Parallel tasks per Kinesis Processing Unit (1 vCPU, 4 GiB): 1 to 8. Raise it for
   * applications that wait on I/O rather than compute.
   *
   * @default 1
   */
  readonly parallelismPerKpu?: number;

  /**
   * Whether the service may raise the parallelism under load (and lower it back).
   *
   * @default true
   */
  readonly autoScaling?: boolean;

  /**
   * Whether the application checkpoints its state, which its recovery from failures relies
   * on (cdk-nag's AwsSolutions-KDA3 asks for it).
   *
   * @default true
   */
  readonly checkpointing?: boolean;

  /**
   * The interval between checkpoints, a whole number of milliseconds, at least 1 ms.
   *
   * @default Duration.seconds(60)
   */
  readonly checkpointInterval?: Duration;

  /**
   * The least time between the end of a checkpoint and the start of the next, a whole number
   * of milliseconds, at least 0.
   *
   * @default Duration.seconds(5)
   */
  readonly minPauseBetweenCheckpoints?: Duration;

  /**
   * Whether the service takes a snapshot of the application's state when it is stopped or
   * updated, to restore it from.
   *
   * @default true
   */
  readonly snapshots?: boolean;

  /**
   * Whether the application restarts from its latest snapshot when an update restarts it
   * (`RESTORE_FROM_LATEST_SNAPSHOT`) rather than from empty state
   * (`SKIP_RESTORE_FROM_SNAPSHOT`). Needs `snapshots`.
   *
   * @default - true when `snapshots` is on
   */
  readonly restoreFromLatestSnapshot?: boolean;

  /**
   * Whether a restore may skip state that no operator of the new code claims (after removing an
   * operator, for example).
   *
   * @default false
   */
  readonly allowNonRestoredState?: boolean;

  /**
   * The verbosity of the application's logs.
   *
   * @default FlinkLogLevel.INFO
   */
  readonly logLevel?: FlinkLogLevel;

  /**
   * The granularity of the application's metrics.
   *
   * @default FlinkMetricsLevel.APPLICATION
   */
  readonly metricsLevel?: FlinkMetricsLevel;

  /**
   * The log group to write the application's logs to. A log stream is created in it.
   *
   * @default - a log group encrypted with a customer-managed KMS key (rotation on) created for
   * the application, whose key policy lets CloudWatch Logs use it
   */
  readonly logGroup?: logs.ILogGroup;

  /**
   * How long the created log group keeps logs. Only without `logGroup`.
   *
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * Runtime properties the application code reads (in Java with `KinesisAnalyticsRuntime
   * .getApplicationProperties()`, in Python from `/etc/flink/application_properties.json`):
   * group id to properties. Group ids are 1 to 50 characters of `[a-zA-Z0-9_.-]`; a group
   * holds 1 to 50 properties, keys and values of 1 to 2,048 characters. An application has at
   * most 50 groups, counting those `addSource`, `addSink` and friends add.
   *
   * @default - none
   * @see https://docs.aws.amazon.com/managed-flink/latest/java/how-properties.html
   */
  readonly propertyGroups?: { [groupId: string]: { [key: string]: string } };

  /**
   * A VPC to place the application in, to reach resources in it. The service role gets the
   * EC2 network-interface permissions the service needs.
   *
   * @default - not in a VPC
   * @see https://docs.aws.amazon.com/managed-flink/latest/java/vpc.html
   */
  readonly vpc?: ec2.IVpc;

  /**
   * The subnets of `vpc` to place the application in: 1 to 16. Only with `vpc`.
   *
   * @default - the private subnets with egress
   */
  readonly vpcSubnets?: ec2.SubnetSelection;

  /**
   * 1 to 5 security groups for the application. Only with `vpc`.
   *
   * @default - a security group is created, allowing all outbound traffic
   */
  readonly securityGroups?: ec2.ISecurityGroup[];

  /**
   * What happens to the created log group, log stream and key when removed from the stack.
   * The application itself is deleted (with its snapshots).
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * Properties of a `FlinkApplication`.
 */
export interface FlinkApplicationProps extends FlinkApplicationOptions {
  /**
   * The application's code: a JAR file, or for Python a zip file (or directory) with
   * `python` set.
   */
  readonly code: ApplicationCode;

  /**
   * The entry point of a Python application, passed in the
   * `kinesis.analytics.flink.run.options` property group.
   *
   * @default - a Java application
   */
  readonly python?: FlinkPythonOptions;
}

/**
 * A Managed Service for Apache Flink application (`AWS::KinesisAnalyticsV2::Application`),
 * built on the aws-cdk-lib L1, with the service's defaults written out: parallelism 1 per KPU
 * with autoscaling, checkpoints every 60 s, snapshots with restore from the latest, logs at
 * INFO in an encrypted log group, application-level metrics.
 *
 * Sources and sinks are wired with `addSource`, `addSink`, `addFirehoseSink` and
 * `addReferenceData`: each grants the service role what the connector needs (with KMS for
 * encrypted streams) and records the resource in a runtime property group the code can read.
 *
 * CloudFormation creates the application in the READY state; start it once (console or
 * `aws kinesisanalyticsv2 start-application`). Later deployments update it in place.
 *
 * @example
 * const app = new FlinkApplication(this, 'Enrich', {
 *   runtime: FlinkRuntime.FLINK_1_20,
 *   code: ApplicationCode.fromAsset('target/enrich.jar'),
 * });
 * app.addSource(orders);
 * app.addSink(enriched);
 * app.addRecommendedAlarms();
 *
 * @resource AWS::KinesisAnalyticsV2::Application
 */
export class FlinkApplication extends Resource implements iam.IGrantable, ec2.IConnectable {
  /** The application's name. */
  public readonly applicationName: string;

  /** The application's ARN. */
  public readonly applicationArn: string;

  /** The runtime. */
  public readonly runtime: FlinkRuntime;

  /** The service execution role (child `Role`). */
  public readonly role: iam.Role;

  /** The service execution role, to grant the application access to other resources. */
  public readonly grantPrincipal: iam.IPrincipal;

  /** The log group: given, or created (child `LogGroup`). */
  public readonly logGroup: logs.ILogGroup;

  /** The log stream the application writes to (child `LogStream`). */
  public readonly logStream: logs.LogStream;

  /**
   * The key the created log group is encrypted with (child `LogsKey`).
   *
   * @default - none when `logGroup` is given
   */
  public readonly logsEncryptionKey?: kms.IKey;

  /** The network connections: empty unless the application is in a VPC. */
  public readonly connections: ec2.Connections;

  /** The L1 application (child `Resource`), for settings this construct does not cover. */
  public readonly cfnApplication: kinesisanalytics.CfnApplication;

  private readonly propertyGroups: PropertyGroups;
  private readonly checkpointIntervalMillis?: number;
  private readonly counters: { [kind: string]: number } = {};
  private sources = 0;

  constructor(scope: Construct, id: string, props: FlinkApplicationProps) {
    super(scope, id, { physicalName: props.applicationName });
    const settings = validateOptions(this, props);
    this.runtime = props.runtime;
    this.checkpointIntervalMillis = settings.checkpointing ? settings.checkpointIntervalMillis : undefined;
    this.propertyGroups = new PropertyGroups(this);

    this.role = createServiceRole(this, `Service execution role of the Managed Service for Apache Flink application ${this.node.path}`);
    this.grantPrincipal = this.role;

    const code = props.code.bind(this);
    grantCodeRead(this.role, code.bucket, code.fileKey);

    const logging = configureLogging(this, this.role, {
      logGroup: props.logGroup,
      retention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    this.logGroup = logging.logGroup;
    this.logStream = logging.logStream;
    this.logsEncryptionKey = logging.encryptionKey;

    const placement = configureVpc(this, this.role, props);
    this.connections = placement.connections;

    if (props.python) {
      this.propertyGroups.add(RUN_OPTIONS_GROUP_ID, pythonRunOptions(props.python), 'python');
    }
    for (const [groupId, properties] of Object.entries(props.propertyGroups ?? {})) {
      this.propertyGroups.add(groupId, properties, 'propertyGroups');
    }

    this.cfnApplication = new kinesisanalytics.CfnApplication(this, 'Resource', {
      applicationName: this.physicalName,
      applicationDescription: props.description,
      runtimeEnvironment: props.runtime.value,
      serviceExecutionRole: this.role.roleArn,
      applicationConfiguration: {
        applicationCodeConfiguration: {
          codeContentType: 'ZIPFILE',
          codeContent: {
            s3ContentLocation: {
              bucketArn: code.bucket.bucketArn,
              fileKey: code.fileKey,
              objectVersion: code.objectVersion,
            },
          },
        },
        applicationSnapshotConfiguration: { snapshotsEnabled: settings.snapshots },
        flinkApplicationConfiguration: {
          checkpointConfiguration: {
            configurationType: 'CUSTOM',
            checkpointingEnabled: settings.checkpointing,
            checkpointInterval: settings.checkpointIntervalMillis,
            minPauseBetweenCheckpoints: settings.minPauseMillis,
          },
          monitoringConfiguration: {
            configurationType: 'CUSTOM',
            logLevel: props.logLevel ?? FlinkLogLevel.INFO,
            metricsLevel: props.metricsLevel ?? FlinkMetricsLevel.APPLICATION,
          },
          parallelismConfiguration: {
            configurationType: 'CUSTOM',
            parallelism: props.parallelism ?? 1,
            parallelismPerKpu: props.parallelismPerKpu ?? 1,
            autoScalingEnabled: props.autoScaling ?? true,
          },
        },
        vpcConfigurations: placement.vpcConfigurations,
      },
      runConfiguration: {
        applicationRestoreConfiguration: {
          applicationRestoreType: settings.restore ? 'RESTORE_FROM_LATEST_SNAPSHOT' : 'SKIP_RESTORE_FROM_SNAPSHOT',
        },
        flinkRunConfiguration: { allowNonRestoredState: props.allowNonRestoredState ?? false },
      },
    });
    // Groups are added until synthesis (addSource, addSink, ...): rendered then, as raw
    // CloudFormation, which an override takes as is.
    this.cfnApplication.addPropertyOverride('ApplicationConfiguration.EnvironmentProperties',
      Lazy.any({ produce: () => this.propertyGroups.render() }));
    // The service reads the code and checks the role when the application is created.
    this.cfnApplication.node.addDependency(this.role);
    addLoggingOption(this, this.cfnApplication, this.role, logging.logStreamArn);

    this.applicationName = this.getResourceNameAttribute(this.cfnApplication.ref);
    this.applicationArn = this.getResourceArnAttribute(
      Stack.of(this).formatArn({ service: 'kinesisanalytics', resource: 'application', resourceName: this.cfnApplication.ref }),
      { service: 'kinesisanalytics', resource: 'application', resourceName: this.physicalName });

    this.node.addValidation({ validate: () => this.propertyGroups.validate() });
  }

  /**
   * Adds a runtime property group the application code can read.
   *
   * @param groupId 1 to 50 characters of `[a-zA-Z0-9_.-]`, unique in the application
   * @param properties 1 to 50 properties; keys and values of 1 to 2,048 characters
   */
  public addPropertyGroup(groupId: string, properties: { [key: string]: string }): void {
    this.propertyGroups.add(groupId, properties, 'groupId');
  }

  /**
   * Reads a Kinesis data stream. Grants the service role the stream's read actions with
   * kms:Decrypt on its key (or, with `options.consumer`, the consumer's `grantSubscribe`), and
   * records the stream in the property group `kinesis.source.<n>` (n counts from 0): keys
   * `stream.name`, `stream.arn`, `aws.region`, and with a consumer `consumer.name` and
   * `consumer.arn`.
   *
   * @param stream the stream; a `KinesisStream` or any aws-cdk-lib `kinesis.IStream`
   * @param options how to read it. Default: polling with shared throughput
   * @returns the id of the property group
   */
  public addSource(stream: kinesis.IStream, options: FlinkSourceOptions = {}): string {
    const properties: { [key: string]: string } = {
      'stream.name': stream.streamName,
      'stream.arn': stream.streamArn,
      'aws.region': stream.env.region,
    };
    if (options.consumer) {
      const consumer = options.consumer;
      if (consumer.stream !== stream && consumer.stream.streamArn !== stream.streamArn) {
        throw new KinesisKitValidationError(this,
          `options.consumer must be registered on the stream it reads, got consumer ${consumer.node.path} of stream ${consumer.stream.node.path} for stream ${stream.node.path}`);
      }
      consumer.grantSubscribe(this.role);
      properties['consumer.name'] = consumer.consumerName;
      properties['consumer.arn'] = consumer.consumerArn;
    } else {
      grantStreamRead(stream, this.role);
    }
    this.sources += 1;
    return this.addNumberedGroup('kinesis.source', properties);
  }

  /**
   * Writes to a Kinesis data stream. Grants the service role PutRecord, PutRecords, ListShards
   * and DescribeStreamSummary on the stream, with kms:GenerateDataKey on its key, and records
   * the stream in the property group `kinesis.sink.<n>`: keys `stream.name`, `stream.arn`,
   * `aws.region`.
   *
   * @param stream the stream
   * @returns the id of the property group
   */
  public addSink(stream: kinesis.IStream): string {
    grantStreamWrite(stream, this.role);
    return this.addNumberedGroup('kinesis.sink', {
      'stream.name': stream.streamName,
      'stream.arn': stream.streamArn,
      'aws.region': stream.env.region,
    });
  }

  /**
   * Writes to a Firehose stream (Direct PUT). Grants the service role firehose:PutRecord and
   * firehose:PutRecordBatch on it, and records it in the property group `firehose.sink.<n>`:
   * keys `delivery-stream.name`, `delivery-stream.arn`, `aws.region`.
   *
   * @param deliveryStream the Firehose stream, e.g. `FirehoseDelivery.deliveryStream`
   * @returns the id of the property group
   */
  public addFirehoseSink(deliveryStream: firehose.IDeliveryStream): string {
    deliveryStream.grantPutRecords(this.role);
    // An import by ARN lives in this stack's environment: the ARN knows the Region.
    const arn = deliveryStream.deliveryStreamArn;
    return this.addNumberedGroup('firehose.sink', {
      'delivery-stream.name': deliveryStream.deliveryStreamName,
      'delivery-stream.arn': arn,
      'aws.region': Token.isUnresolved(arn) ? deliveryStream.env.region : Arn.split(arn, ArnFormat.SLASH_RESOURCE_NAME).region!,
    });
  }

  /**
   * Writes to a Firehose stream known by ARN. Same as `addFirehoseSink`.
   *
   * @param deliveryStreamArn `arn:<partition>:firehose:<region>:<account>:deliverystream/<name>`
   * @returns the id of the property group
   */
  public addFirehoseSinkArn(deliveryStreamArn: string): string {
    iam.Grant.addToPrincipal({ grantee: this.role, actions: FIREHOSE_PUT_ACTIONS, resourceArns: [deliveryStreamArn] });
    const parts = Stack.of(this).splitArn(deliveryStreamArn, ArnFormat.SLASH_RESOURCE_NAME);
    return this.addNumberedGroup('firehose.sink', {
      'delivery-stream.name': parts.resourceName!,
      'delivery-stream.arn': deliveryStreamArn,
      'aws.region': parts.region!,
    });
  }

  /**
   * Reads reference data from S3, e.g. a CSV file joined with a stream through the filesystem
   * connector. Grants the service role s3:GetObject on the object (or, for a key ending in `/`,
   * on the objects under that prefix), s3:ListBucket limited to that key by condition, and
   * kms:Decrypt on the bucket's key. Records the location in a property group: keys
   * `bucket.name`, `object.key`, `path` (`s3://<bucket>/<key>`) and `aws.region`.
   *
   * @param bucket the bucket
   * @param key an object key, or a prefix ending in `/` for a directory of files
   * @param propertyGroupId the property group's id. Default: `s3.reference.<n>`
   * @returns the id of the property group
   */
  public addReferenceData(bucket: s3.IBucket, key: string, propertyGroupId?: string): string {
    const isPrefix = !Token.isUnresolved(key) && key.endsWith('/');
    const objects = bucket.arnForObjects(isPrefix ? `${key}*` : key);
    iam.Grant.addToPrincipal({ grantee: this.role, actions: ['s3:GetObject'], resourceArns: [objects] });
    iam.Grant.addToPrincipal({
      grantee: this.role,
      actions: ['s3:ListBucket'],
      resourceArns: [bucket.bucketArn],
      conditions: { StringLike: { 's3:prefix': [isPrefix ? `${key}*` : key] } },
    });
    bucket.encryptionKey?.grantDecrypt(this.role);
    if (isPrefix) {
      acknowledgeWildcardResource(this.role, objects,
        `Reference data under the prefix ${key} is a directory of files the filesystem connector lists and reads.`);
    }
    const properties = {
      'bucket.name': bucket.bucketName,
      'object.key': key,
      'path': `s3://${bucket.bucketName}/${key}`,
      'aws.region': bucket.env.region,
    };
    if (propertyGroupId !== undefined) {
      this.propertyGroups.add(propertyGroupId, properties, 'propertyGroupId');
      return propertyGroupId;
    }
    return this.addNumberedGroup('s3.reference', properties);
  }

  /**
   * A metric of this application, in `AWS/KinesisAnalytics` with the `Application` dimension.
   *
   * @param metricName e.g. `downtime`
   * @param props overrides
   * @default - statistic Average, period 5 minutes
   * @see https://docs.aws.amazon.com/managed-flink/latest/java/metrics-dimensions.html
   */
  public metric(metricName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: FLINK_METRICS_NAMESPACE,
      metricName,
      dimensionsMap: { Application: this.applicationName },
      ...props,
    }).attachTo(this);
  }

  /**
   * How long the job has been failing or restarting, in milliseconds (`downtime`): 0 while it
   * runs. Deprecated by Flink 2.2 but still reported.
   *
   * @default - statistic Maximum, period 1 minute
   */
  public metricDowntime(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('downtime', { statistic: cloudwatch.Stats.MAXIMUM, period: Duration.minutes(1), ...props });
  }

  /**
   * How long the job has run without interruption, in milliseconds (`uptime`).
   *
   * @default - statistic Maximum, period 1 minute
   */
  public metricUptime(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('uptime', { statistic: cloudwatch.Stats.MAXIMUM, period: Duration.minutes(1), ...props });
  }

  /**
   * How many times the job has fully restarted since it was submitted (`fullRestarts`), a
   * counter. Flink 1.x only: on Flink 2.2 use `metricNumRestarts`.
   *
   * @default - statistic Maximum, period 1 minute
   */
  public metricFullRestarts(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('fullRestarts', { statistic: cloudwatch.Stats.MAXIMUM, period: Duration.minutes(1), ...props });
  }

  /**
   * The job's restart counter for this application's runtime: `fullRestarts`, or `numRestarts`
   * on Flink 2 and later, where `fullRestarts` is gone.
   *
   * @default - statistic Maximum, period 1 minute
   */
  public metricRestarts(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return isFlink2OrLater(this.runtime) ? this.metricNumRestarts(props) : this.metricFullRestarts(props);
  }

  /**
   * How many times the job has restarted (`numRestarts`), a counter: Flink 2.2's replacement
   * of `fullRestarts`.
   *
   * @default - statistic Maximum, period 1 minute
   */
  public metricNumRestarts(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('numRestarts', { statistic: cloudwatch.Stats.MAXIMUM, period: Duration.minutes(1), ...props });
  }

  /**
   * How many checkpoints have failed (`numberOfFailedCheckpoints`), a counter.
   *
   * @default - statistic Maximum, period 1 minute
   */
  public metricNumberOfFailedCheckpoints(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('numberOfFailedCheckpoints', { statistic: cloudwatch.Stats.MAXIMUM, period: Duration.minutes(1), ...props });
  }

  /**
   * How long the last checkpoint took, in milliseconds (`lastCheckpointDuration`).
   *
   * @default - statistic Maximum, period 1 minute
   */
  public metricLastCheckpointDuration(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('lastCheckpointDuration', { statistic: cloudwatch.Stats.MAXIMUM, period: Duration.minutes(1), ...props });
  }

  /**
   * The size of the last checkpoint, in bytes (`lastCheckpointSize`).
   *
   * @default - statistic Maximum, period 5 minutes
   */
  public metricLastCheckpointSize(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('lastCheckpointSize', { statistic: cloudwatch.Stats.MAXIMUM, period: Duration.minutes(5), ...props });
  }

  /**
   * The Kinesis Processing Units the application uses, counting the orchestration KPU
   * (`KPUs`). The service reports it once per billing hour.
   *
   * @default - statistic Maximum, period 1 hour
   */
  public metricKpus(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('KPUs', { statistic: cloudwatch.Stats.MAXIMUM, period: Duration.hours(1), ...props });
  }

  /**
   * CPU utilization of the task managers, in percent (`cpuUtilization`).
   *
   * @default - statistic Maximum, period 1 minute
   */
  public metricCpuUtilization(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('cpuUtilization', { statistic: cloudwatch.Stats.MAXIMUM, period: Duration.minutes(1), ...props });
  }

  /**
   * Heap memory utilization of the task managers, in percent (`heapMemoryUtilization`).
   *
   * @default - statistic Maximum, period 1 minute
   */
  public metricHeapMemoryUtilization(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('heapMemoryUtilization', { statistic: cloudwatch.Stats.MAXIMUM, period: Duration.minutes(1), ...props });
  }

  /**
   * Records the application receives per second (`numRecordsInPerSecond`, application level).
   *
   * @default - statistic Average, period 1 minute
   */
  public metricNumRecordsInPerSecond(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('numRecordsInPerSecond', { statistic: cloudwatch.Stats.AVERAGE, period: Duration.minutes(1), ...props });
  }

  /**
   * Records the application emits per second (`numRecordsOutPerSecond`, application level).
   *
   * @default - statistic Average, period 1 minute
   */
  public metricNumRecordsOutPerSecond(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('numRecordsOutPerSecond', { statistic: cloudwatch.Stats.AVERAGE, period: Duration.minutes(1), ...props });
  }

  /**
   * How far behind the tip of its Kinesis sources the application reads, in milliseconds: the
   * largest `millisBehindLatest` the Kinesis connector reports for this application.
   *
   * The service reports this connector metric with the `Application` dimension plus dimensions
   * naming the source, so this is a CloudWatch Metrics Insights query over the namespace,
   * filtered on `Application` and taking the maximum over every source:
   * `SELECT MAX(millisBehindLatest) FROM "AWS/KinesisAnalytics" WHERE Application = '<name>'`.
   * It can be graphed and alarmed on.
   *
   * @default - period 1 minute
   */
  public metricMillisBehindLatest(props?: cloudwatch.MathExpressionOptions): cloudwatch.MathExpression {
    return new cloudwatch.MathExpression({
      expression: `SELECT MAX(millisBehindLatest) FROM "${FLINK_METRICS_NAMESPACE}" WHERE Application = '${this.applicationName}'`,
      usingMetrics: {},
      label: 'millisBehindLatest',
      period: Duration.minutes(1),
      ...props,
    });
  }

  /**
   * Creates the alarms the service recommends for every application, in this construct's
   * scope, and returns them (add actions to them):
   *
   * - `DowntimeAlarm`: `downtime` above 0 for 1 minute: the job is failing;
   * - `RestartsAlarm`: `RATE(fullRestarts)` (`numRestarts` on Flink 2 and later) above 0:
   *   the job restarted;
   * - `FailedCheckpointsAlarm`: `RATE(numberOfFailedCheckpoints)` above 0;
   * - `CheckpointDurationAlarm`: `lastCheckpointDuration` above `maxCheckpointDuration` for 3
   *   minutes, when checkpointing is on;
   * - `MillisBehindLatestAlarm`: `millisBehindLatest` above `maxMillisBehindLatest` for 5
   *   minutes, when a Kinesis source was added (call this after `addSource`).
   *
   * @param options thresholds
   * @see https://docs.aws.amazon.com/managed-flink/latest/java/monitoring-metrics-alarms.html
   */
  public addRecommendedAlarms(options: FlinkAlarmOptions = {}): cloudwatch.Alarm[] {
    const alarms: cloudwatch.Alarm[] = [];
    const name = this.node.path;
    alarms.push(new cloudwatch.Alarm(this, 'DowntimeAlarm', {
      alarmDescription: `${name}: the Flink job is failing or restarting (downtime above 0)`,
      metric: this.metricDowntime(),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
    }));

    const restarts = isFlink2OrLater(this.runtime) ? this.metricNumRestarts() : this.metricFullRestarts();
    alarms.push(new cloudwatch.Alarm(this, 'RestartsAlarm', {
      alarmDescription: `${name}: the Flink job restarted (${restarts.metricName} increased)`,
      metric: new cloudwatch.MathExpression({ expression: 'RATE(restarts)', usingMetrics: { restarts }, label: `RATE(${restarts.metricName})`, period: Duration.minutes(1) }),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
    }));

    const failed = this.metricNumberOfFailedCheckpoints();
    alarms.push(new cloudwatch.Alarm(this, 'FailedCheckpointsAlarm', {
      alarmDescription: `${name}: a checkpoint failed (numberOfFailedCheckpoints increased)`,
      metric: new cloudwatch.MathExpression({ expression: 'RATE(failed)', usingMetrics: { failed }, label: 'RATE(numberOfFailedCheckpoints)', period: Duration.minutes(1) }),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
    }));

    const maxCheckpointMillis = options.maxCheckpointDuration?.toMilliseconds() ?? this.checkpointIntervalMillis;
    if (maxCheckpointMillis !== undefined) {
      alarms.push(new cloudwatch.Alarm(this, 'CheckpointDurationAlarm', {
        alarmDescription: `${name}: checkpoints take longer than ${maxCheckpointMillis} ms`,
        metric: this.metricLastCheckpointDuration(),
        threshold: maxCheckpointMillis,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 3,
      }));
    }

    if (this.sources > 0) {
      const maxBehind = (options.maxMillisBehindLatest ?? Duration.minutes(1)).toMilliseconds();
      alarms.push(new cloudwatch.Alarm(this, 'MillisBehindLatestAlarm', {
        alarmDescription: `${name}: the application reads more than ${maxBehind} ms behind the tip of its Kinesis sources`,
        metric: this.metricMillisBehindLatest(),
        threshold: maxBehind,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 5,
      }));
    }
    return alarms;
  }

  private addNumberedGroup(prefix: string, properties: { [key: string]: string }): string {
    const n = this.counters[prefix] ?? 0;
    this.counters[prefix] = n + 1;
    const groupId = `${prefix}.${n}`;
    this.propertyGroups.add(groupId, properties, 'propertyGroupId');
    return groupId;
  }
}

/** Validated settings of `FlinkApplicationOptions`, with defaults. */
interface FlinkSettings {
  readonly checkpointing: boolean;
  readonly checkpointIntervalMillis: number;
  readonly minPauseMillis: number;
  readonly snapshots: boolean;
  readonly restore: boolean;
}

const RUNTIME_VALUE = /^FLINK-\d+_\d+$/;

/** Validates the options shared by the Flink applications, and fills in the defaults. */
function validateOptions(scope: Construct, props: FlinkApplicationOptions): FlinkSettings {
  checkKinesisName(scope, 'applicationName', props.applicationName);
  const runtime = props.runtime.value;
  if (!Token.isUnresolved(runtime) && !RUNTIME_VALUE.test(runtime)) {
    throw new KinesisKitValidationError(scope,
      `runtime must be a Managed Service for Apache Flink runtime of the form FLINK-<major>_<minor> (such as FLINK-1_20), got '${runtime}'`);
  }
  if (props.description !== undefined && !Token.isUnresolved(props.description)) {
    checkRange(scope, 'description (length)', props.description.length, 0, 1024, ' characters');
  }
  checkInteger(scope, 'parallelism', props.parallelism);
  checkAtLeast(scope, 'parallelism', props.parallelism, 1);
  checkInteger(scope, 'parallelismPerKpu', props.parallelismPerKpu);
  checkRange(scope, 'parallelismPerKpu', props.parallelismPerKpu, MIN_PARALLELISM_PER_KPU, MAX_PARALLELISM_PER_KPU);
  const checkpointIntervalMillis = checkDurationMillis(scope, 'checkpointInterval', props.checkpointInterval, 1) ?? 60_000;
  const minPauseMillis = checkDurationMillis(scope, 'minPauseBetweenCheckpoints', props.minPauseBetweenCheckpoints, 0) ?? 5_000;
  const snapshots = props.snapshots ?? true;
  if (props.restoreFromLatestSnapshot === true && !snapshots) {
    throw new KinesisKitValidationError(scope,
      'restoreFromLatestSnapshot needs snapshots, got restoreFromLatestSnapshot true with snapshots false; enable snapshots or drop restoreFromLatestSnapshot');
  }
  checkVpcSettings(scope, props);
  return {
    checkpointing: props.checkpointing ?? true,
    checkpointIntervalMillis,
    minPauseMillis,
    snapshots,
    restore: props.restoreFromLatestSnapshot ?? snapshots,
  };
}

function pythonRunOptions(python: FlinkPythonOptions): { [key: string]: string } {
  const options: { [key: string]: string } = { python: python.mainFile };
  if (python.jarFile !== undefined) {
    options.jarfile = python.jarFile;
  }
  if (python.pyFiles !== undefined) {
    options.pyFiles = python.pyFiles;
  }
  if (python.pyArchives !== undefined) {
    options.pyArchives = python.pyArchives;
  }
  return options;
}

/** Whether a runtime is Flink 2 or later, where `fullRestarts` became `numRestarts`. */
function isFlink2OrLater(runtime: FlinkRuntime): boolean {
  const match = /^FLINK-(\d+)_/.exec(runtime.value);
  return match !== null && Number(match[1]) >= 2;
}
