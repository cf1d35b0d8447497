import { Duration, RemovalPolicy, Size, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as firehose from 'aws-cdk-lib/aws-kinesisfirehose';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import {
  DestinationType,
  HttpEndpointDestinationProps,
  OpenSearchDestinationProps,
  OpenSearchServerlessDestinationProps,
  RedshiftDestinationProps,
  SplunkDestinationProps,
} from './firehose-destinations';
import { acknowledgeComplianceRule, allowCloudWatchLogs } from './private/compliance';
import {
  acknowledgeRoleWildcards,
  bufferingIntervalSeconds,
  DEFAULT_BACKUP_PREFIX,
  DestinationContext,
  FIREHOSE_NAMESPACE,
  grantTransformInvoke,
  loggingOptions,
  metricNamesOf,
  renderFormatConversion,
  renderHttpEndpoint,
  renderOpenSearch,
  renderOpenSearchServerless,
  renderRedshift,
  renderSplunk,
  renderTransformParameters,
  resolveS3Destination,
  TransformProcessor,
  validateDestination,
  validateDeliveryProps,
} from './private/firehose-helpers';
import { grantStreamRead } from './private/grants';
import { KinesisKitValidationError } from './private/validation';
import { KinesisStream } from './stream';

/**
 * Converts JSON records to Apache Parquet or Apache ORC before they are written to S3, with the
 * schema of an AWS Glue table.
 *
 * Give either `table`, or `databaseName` and `tableName`. The delivery role is granted
 * `glue:GetTable`, `glue:GetTableVersion` and `glue:GetTableVersions` on the catalog, the
 * database and the table. Tables whose schema lives in the Glue Schema Registry also need
 * `glue:GetSchemaVersion`, which is not granted.
 *
 * @see https://docs.aws.amazon.com/firehose/latest/dev/record-format-conversion.html
 */
export interface DataFormatConversionOptions {
  /**
   * The columnar format to write: `firehose.OutputFormat.PARQUET`, `firehose.OutputFormat.ORC`,
   * or a `firehose.ParquetOutputFormat` / `firehose.OrcOutputFormat` with settings.
   */
  readonly outputFormat: firehose.IOutputFormat;

  /**
   * How the JSON input is read.
   *
   * @default firehose.InputFormat.OPENX_JSON
   */
  readonly inputFormat?: firehose.IInputFormat;

  /**
   * The Glue table with the schema. Not with `databaseName` and `tableName`.
   *
   * @default - `databaseName` and `tableName` name the table
   */
  readonly table?: glue.CfnTable;

  /**
   * The Glue database of the table. With `tableName`; not with `table`.
   *
   * @default - taken from `table`
   */
  readonly databaseName?: string;

  /**
   * The Glue table with the schema. With `databaseName`; not with `table`.
   *
   * @default - taken from `table`
   */
  readonly tableName?: string;

  /**
   * The id (account) of the Glue Data Catalog.
   *
   * @default - the catalog of `table`, else this stack's account
   */
  readonly catalogId?: string;

  /**
   * The region of the Glue Data Catalog.
   *
   * @default - this stack's region
   */
  readonly region?: string;

  /**
   * The table version whose schema is used.
   *
   * @default 'LATEST'
   */
  readonly versionId?: string;
}

/**
 * Writes records under S3 prefixes computed from their content: `!{partitionKeyFromQuery:key}`
 * (a jq query per key, here) or `!{partitionKeyFromLambda:key}` (keys returned by the transform
 * function in `metadata.partitionKeys`).
 *
 * The buffering size must be 64 to 128 MiB, the buffering interval 60 to 900 seconds, the
 * `dataOutputPrefix` must use at least one `partitionKeyFrom...` expression and an
 * `errorOutputPrefix` is required. Dynamic partitioning cannot be turned off on an existing
 * delivery stream.
 *
 * @see https://docs.aws.amazon.com/firehose/latest/dev/dynamic-partitioning.html
 */
export interface DynamicPartitioningOptions {
  /**
   * The partition keys read from each JSON record with jq 1.6, by name: for example
   * `{ customer: '.customer.id' }` for `!{partitionKeyFromQuery:customer}`.
   *
   * @default - no `partitionKeyFromQuery` keys: keys come from the transform function
   */
  readonly partitionKeys?: { [key: string]: string };

  /**
   * How long Firehose retries delivering to S3 after a failure: 0 to 7,200 seconds.
   *
   * @default Duration.seconds(300)
   */
  readonly retryDuration?: Duration;
}

/**
 * Properties of an S3 destination: `DeliveryDestination.s3(...)`.
 *
 * Props named as in aws-cdk-lib's `firehose.S3BucketProps` mean the same thing here; the
 * defaults of `dataOutputPrefix` and `errorOutputPrefix` differ.
 *
 * @see https://docs.aws.amazon.com/firehose/latest/dev/create-destination.html#create-destination-s3
 */
export interface S3DestinationProps {
  /**
   * The bucket to deliver to.
   *
   * @default - a bucket is created with the secure defaults of `FirehoseDelivery`: SSE-KMS with
   * the delivery's key, public access blocked, TLS only, versioning, server access logs,
   * `lifecycleRules` and `RETAIN`
   */
  readonly bucket?: s3.IBucket;

  /**
   * The lifecycle rules of the created bucket. Not with `bucket`.
   *
   * @default - one rule: objects move to S3 Standard-IA after 30 days, noncurrent versions
   * after 30 days, and incomplete multipart uploads are aborted after 7 days. Nothing expires.
   */
  readonly lifecycleRules?: s3.LifecycleRule[];

  /**
   * How much data Firehose buffers before writing an object: 1 to 128 MiB, and at least 64 MiB
   * with `dataFormatConversion` or `dynamicPartitioning`.
   *
   * @default - Size.mebibytes(5), or Size.mebibytes(128) with `dataFormatConversion` or
   * `dynamicPartitioning`
   */
  readonly bufferingSize?: Size;

  /**
   * How long Firehose buffers data before writing an object: 0 to 900 seconds, and at least
   * 60 seconds with `dynamicPartitioning`.
   *
   * @default Duration.seconds(300)
   */
  readonly bufferingInterval?: Duration;

  /**
   * The compression of the objects: GZIP, Snappy, Hadoop-compatible Snappy or ZIP. Not with
   * `dataFormatConversion`, whose output format sets its own compression.
   *
   * @default firehose.Compression.UNCOMPRESSED
   */
  readonly compression?: firehose.Compression;

  /**
   * The prefix of delivered objects. It may use `!{timestamp:...}`, `!{firehose:random-string}`
   * and, with `dynamicPartitioning`, `!{partitionKeyFromQuery:...}` and
   * `!{partitionKeyFromLambda:...}` expressions; with any expression, `errorOutputPrefix` is
   * required. Without a `!{timestamp:...}` expression, Firehose appends `yyyy/MM/dd/HH/`.
   *
   * @default 'data/'
   * @see https://docs.aws.amazon.com/firehose/latest/dev/s3-prefixes.html
   */
  readonly dataOutputPrefix?: string;

  /**
   * The prefix of records Firehose could not deliver, convert or partition, and of records the
   * transform function marked `ProcessingFailed`. An expression here must be accompanied by
   * `!{firehose:error-output-type}` (which evaluates to `processing-failed`,
   * `format-conversion-failed`, ...); `partitionKeyFrom...` expressions are not allowed.
   *
   * @default - 'errors/!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd}/' when
   * `dataOutputPrefix` has no expressions; required when it has
   */
  readonly errorOutputPrefix?: string;

  /**
   * Convert JSON records to Parquet or ORC.
   *
   * @default - records are written as they arrive (or as the transform returns them)
   */
  readonly dataFormatConversion?: DataFormatConversionOptions;

  /**
   * Partition records into prefixes by keys in their content.
   *
   * @default - no dynamic partitioning
   */
  readonly dynamicPartitioning?: DynamicPartitioningOptions;
}

/**
 * Where a `FirehoseDelivery` delivers: Amazon S3, Amazon Redshift, Amazon OpenSearch Service
 * (domain or Serverless collection), Splunk or an HTTP endpoint.
 *
 * S3 is built on aws-cdk-lib's `firehose.DeliveryStream`; the others, for which aws-cdk-lib has
 * no L2 destination, on the `CfnDeliveryStream`. Every one keeps records that could not be
 * delivered in an S3 backup bucket.
 */
export class DeliveryDestination {
  /**
   * Amazon S3.
   */
  public static s3(props: S3DestinationProps = {}): DeliveryDestination {
    return new DeliveryDestination(DestinationType.S3, props);
  }

  /**
   * Amazon Redshift, through an intermediate S3 bucket and `COPY`.
   */
  public static redshift(props: RedshiftDestinationProps): DeliveryDestination {
    return new DeliveryDestination(DestinationType.REDSHIFT, props);
  }

  /**
   * An Amazon OpenSearch Service domain.
   */
  public static openSearch(props: OpenSearchDestinationProps): DeliveryDestination {
    return new DeliveryDestination(DestinationType.OPENSEARCH, props);
  }

  /**
   * An Amazon OpenSearch Serverless collection.
   */
  public static openSearchServerless(props: OpenSearchServerlessDestinationProps): DeliveryDestination {
    return new DeliveryDestination(DestinationType.OPENSEARCH_SERVERLESS, props);
  }

  /**
   * Splunk, through its HTTP Event Collector.
   */
  public static splunk(props: SplunkDestinationProps): DeliveryDestination {
    return new DeliveryDestination(DestinationType.SPLUNK, props);
  }

  /**
   * An HTTPS endpoint that implements Firehose's HTTP delivery request and response contract.
   *
   * @see https://docs.aws.amazon.com/firehose/latest/dev/httpdeliveryrequestresponse.html
   */
  public static httpEndpoint(props: HttpEndpointDestinationProps): DeliveryDestination {
    return new DeliveryDestination(DestinationType.HTTP_ENDPOINT, props);
  }

  /** The kind of destination. */
  public readonly destinationType: DestinationType;

  /**
   * The props given to the factory, read as the type `destinationType` implies.
   *
   * @internal
   */
  public readonly _props: S3DestinationProps | RedshiftDestinationProps | OpenSearchDestinationProps
  | OpenSearchServerlessDestinationProps | SplunkDestinationProps | HttpEndpointDestinationProps;

  private constructor(
    destinationType: DestinationType,
    props: S3DestinationProps | RedshiftDestinationProps | OpenSearchDestinationProps
    | OpenSearchServerlessDestinationProps | SplunkDestinationProps | HttpEndpointDestinationProps,
  ) {
    this.destinationType = destinationType;
    this._props = props;
  }
}

/**
 * A Lambda function that transforms records before delivery.
 *
 * Firehose invokes the function synchronously with `{ invocationId, deliveryStreamArn, region,
 * records: [{ recordId, approximateArrivalTimestamp, data }] }`, `data` base64-encoded. The
 * function must return `{ records: [{ recordId, result, data }] }` with one entry per input
 * record and the same `recordId`s, where `result` is `Ok` (deliver `data`), `Dropped` (deliver
 * nothing, on purpose) or `ProcessingFailed` (deliver nothing; the original record goes to the
 * error output prefix, under `processing-failed`), and `data` is the transformed record,
 * base64-encoded. Records missing from the response, and every record of an invocation that
 * fails after `retries`, count as `ProcessingFailed`. The request and the response are each
 * limited to 6 MB; the invocation to 5 minutes.
 *
 * @see https://docs.aws.amazon.com/firehose/latest/dev/data-transformation.html
 */
export interface LambdaTransformProps {
  /**
   * The function. The delivery role is granted `lambda:InvokeFunction` and
   * `lambda:GetFunctionConfiguration` on it (and its versions and aliases).
   */
  readonly function: lambda.IFunction;

  /**
   * How much data Firehose buffers before invoking the function: 0.2 to 3 MiB. Firehose's
   * `BufferSizeInMBs` processor parameter counts in mebibytes and takes decimals: give
   * `Size.kibibytes(256)` for 0.25, `Size.mebibytes(2)` for 2.
   *
   * @default - Size.mebibytes(1); Size.kibibytes(256) for Splunk
   */
  readonly bufferSize?: Size;

  /**
   * How long Firehose buffers data before invoking the function: 0 to 900 seconds.
   *
   * @default Duration.seconds(60)
   */
  readonly bufferInterval?: Duration;

  /**
   * How many times Firehose retries a failed invocation before the records count as
   * `ProcessingFailed`: 0 to 300.
   *
   * @default 3
   */
  readonly retries?: number;
}

/**
 * Properties of a `FirehoseDelivery`.
 */
export interface FirehoseDeliveryProps {
  /**
   * Where records are delivered.
   */
  readonly destination: DeliveryDestination;

  /**
   * The Kinesis data stream to read: a `KinesisStream`, or any `kinesis.IStream`. The delivery
   * role is granted the stream's read actions and kms:Decrypt on the stream's key (import a
   * stream with its `encryptionKey` to get the latter).
   *
   * @default - Direct PUT: producers call PutRecord / PutRecordBatch (see `grantPutRecords`)
   */
  readonly source?: kinesis.IStream;

  /**
   * The delivery stream's name: 1 to 64 characters of `[a-zA-Z0-9_.-]`.
   *
   * @default - a name generated by CloudFormation
   */
  readonly deliveryStreamName?: string;

  /**
   * Transform records with a Lambda function before delivery.
   *
   * @default - records are delivered as they arrive
   */
  readonly transform?: LambdaTransformProps;

  /**
   * Back up every source record, as received and before any transform, to `backupBucket`, so
   * that a bad transform never loses data.
   *
   * For Redshift and S3 this is Firehose's source record backup. For OpenSearch, Splunk and
   * HTTP endpoints it is the `All...` S3 backup mode, which Firehose cannot switch back to
   * failed-records-only later; with `false` those destinations still write failed records to
   * the backup bucket.
   *
   * @default true
   */
  readonly sourceBackup?: boolean;

  /**
   * The backup bucket: source records, and the failed records of OpenSearch, Splunk and HTTP
   * endpoints (S3 and Redshift keep theirs in their own bucket). Not with `sourceBackup: false`
   * for an S3 or Redshift destination.
   *
   * @default - a bucket is created (when needed) with the same secure defaults as the S3
   * destination's and `backupLifecycleRules`
   */
  readonly backupBucket?: s3.IBucket;

  /**
   * The prefix of source records in the backup bucket. Without a `!{timestamp:...}` expression
   * Firehose appends `yyyy/MM/dd/HH/`.
   *
   * @default 'source-records/'
   */
  readonly backupPrefix?: string;

  /**
   * The lifecycle rules of the created backup bucket. Not with `backupBucket`.
   *
   * @default - one rule: objects move to S3 Standard-IA after 30 days, noncurrent versions
   * after 30 days, and incomplete multipart uploads are aborted after 7 days. Nothing expires.
   */
  readonly backupLifecycleRules?: s3.LifecycleRule[];

  /**
   * Server-side encryption of the data Firehose holds, for Direct PUT only: Firehose does not
   * allow it with a Kinesis stream source (encrypt the stream instead).
   *
   * @default - `firehose.StreamEncryption.awsOwnedKey()` with Direct PUT; none with a stream
   * source
   */
  readonly encryption?: firehose.StreamEncryption;

  /**
   * The KMS key of the buckets and the log group this construct creates. A key of your own
   * must allow the CloudWatch Logs service principal of the region in its key policy when
   * `logging` is on; a `kms.Key` created in this app is given that statement.
   *
   * @default - a key is created, with rotation on and `removalPolicy`
   */
  readonly encryptionKey?: kms.IKey;

  /**
   * Log delivery and transform errors to CloudWatch Logs.
   *
   * @default true
   */
  readonly logging?: boolean;

  /**
   * The log group for errors. Not with `logging: false`.
   *
   * @default - a log group is created, encrypted with `encryptionKey`, keeping `logRetention`
   */
  readonly logGroup?: logs.ILogGroup;

  /**
   * How long the created log group keeps error logs.
   *
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * The bucket that receives the server access logs of the buckets this construct creates.
   *
   * @default - a bucket is created for them (SSE-S3, since S3 cannot deliver server access
   * logs to an SSE-KMS bucket; public access blocked, TLS only, versioning, `removalPolicy`)
   */
  readonly serverAccessLogsBucket?: s3.IBucket;

  /**
   * What happens to the created buckets, key and log group when they leave the stack.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * Options of the recommended alarms of a `FirehoseDelivery`.
 */
export interface FirehoseDeliveryAlarmsProps {
  /**
   * Alarm when the oldest undelivered record is older than this.
   *
   * @default - twice the destination's buffering interval plus `dataFreshnessMargin`
   */
  readonly dataFreshnessThreshold?: Duration;

  /**
   * What is added to twice the buffering interval for the default `dataFreshnessThreshold`.
   *
   * @default Duration.minutes(5)
   */
  readonly dataFreshnessMargin?: Duration;

  /**
   * With a stream source: alarm when Firehose's reading falls this far behind the stream.
   *
   * @default - half the stream's retention period (a `KinesisStream`'s, else 24 hours)
   */
  readonly sourceIteratorAgeThreshold?: Duration;
}

/**
 * The alarms `FirehoseDelivery.addAlarms` creates. Each evaluates one 5-minute period and
 * treats missing data (no traffic) as not breaching.
 */
export interface FirehoseDeliveryAlarms {
  /** The destination's data freshness above the threshold. */
  readonly dataFreshness: cloudwatch.Alarm;

  /** The destination's delivery success below 1: some deliveries failed. */
  readonly deliverySuccess: cloudwatch.Alarm;

  /**
   * Throttled records above 0: producers exceed the delivery stream's limits.
   *
   * @default - none with a stream source, which has no Direct PUT throttling
   */
  readonly throttledRecords?: cloudwatch.Alarm;

  /**
   * Firehose's `KinesisMillisBehindLatest` above the threshold.
   *
   * @default - none with Direct PUT
   */
  readonly sourceIteratorAge?: cloudwatch.Alarm;
}

/**
 * An Amazon Data Firehose delivery stream, from a Kinesis stream or Direct PUT, to S3,
 * Redshift, OpenSearch (Service or Serverless), Splunk or an HTTP endpoint, with secure
 * defaults:
 *
 * - created buckets: SSE-KMS with a created key (rotation on), public access blocked, TLS
 *   only, versioning, server access logs, a lifecycle rule, `RETAIN`;
 * - every source record backed up to a backup bucket, so a bad transform loses nothing;
 * - errors logged to a KMS-encrypted log group;
 * - one IAM role for Firehose, granted only what the configuration needs;
 * - buffering, retries, transform parameters and S3 prefixes checked at synth.
 *
 * @example
 * const delivery = new FirehoseDelivery(this, 'OrdersToS3', {
 *   source: ordersStream,
 *   destination: DeliveryDestination.s3({ bufferingInterval: Duration.minutes(1) }),
 * });
 * delivery.addAlarms();
 */
export class FirehoseDelivery extends Construct {
  /**
   * The delivery stream: aws-cdk-lib's `DeliveryStream` (child `Resource`) for S3, an
   * `IDeliveryStream` over the `CfnDeliveryStream` (child `Resource`) for the others.
   */
  public readonly deliveryStream: firehose.IDeliveryStream;

  /** The CloudFormation delivery stream, for escape hatches. */
  public readonly cfnDeliveryStream: firehose.CfnDeliveryStream;

  /** The delivery stream's name. */
  public readonly deliveryStreamName: string;

  /** The delivery stream's ARN. */
  public readonly deliveryStreamArn: string;

  /** The kind of destination. */
  public readonly destinationType: DestinationType;

  /** The role Firehose assumes (child `Role`). */
  public readonly role: iam.IRole;

  /**
   * The S3 destination's bucket, or Redshift's intermediate bucket: given or created (child
   * `Bucket`).
   *
   * @default - none for OpenSearch, Splunk and HTTP endpoints
   */
  public readonly bucket?: s3.IBucket;

  /**
   * The backup bucket, given or created (child `BackupBucket`).
   *
   * @default - none for an S3 or Redshift destination with `sourceBackup: false`
   */
  public readonly backupBucket?: s3.IBucket;

  /**
   * The bucket of the created buckets' server access logs, given or created (child
   * `AccessLogsBucket`).
   *
   * @default - none when no bucket is created
   */
  public readonly serverAccessLogsBucket?: s3.IBucket;

  /**
   * The key of the created buckets and log group, given or created (child `Key`).
   *
   * @default - none when nothing is created that needs it
   */
  public readonly encryptionKey?: kms.IKey;

  /**
   * The error log group, given or created (child `LogGroup`).
   *
   * @default - none with `logging: false`
   */
  public readonly logGroup?: logs.ILogGroup;

  /**
   * The source stream.
   *
   * @default - none: Direct PUT
   */
  public readonly source?: kinesis.IStream;

  /**
   * The customer-managed key of server-side encryption, given or created (child `StreamKey`).
   *
   * @default - none, unless `encryption` is `StreamEncryption.customerManagedKey()`
   */
  public readonly streamEncryptionKey?: kms.IKey;

  /** The destination's buffering interval, used for the data freshness alarm. */
  public readonly bufferingInterval: Duration;

  private readonly removalPolicy: RemovalPolicy;
  private readonly givenKey?: kms.IKey;
  private createdKey?: kms.IKey;
  private accessLogs?: s3.IBucket;
  private readonly givenAccessLogs?: s3.IBucket;

  constructor(scope: Construct, id: string, props: FirehoseDeliveryProps) {
    super(scope, id);
    const destination = props.destination;
    validateDeliveryProps(this, props);
    validateDestination(this, destination, props);

    this.destinationType = destination.destinationType;
    this.source = props.source;
    this.removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    this.givenKey = props.encryptionKey;
    this.givenAccessLogs = props.serverAccessLogsBucket;
    this.bufferingInterval = Duration.seconds(bufferingIntervalSeconds(destination));

    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('firehose.amazonaws.com'),
      // Firehose assumes its role with the account id as external id (confused deputy guard).
      externalIds: [Stack.of(this).account],
      description: 'Assumed by Amazon Data Firehose to read the source and write the destination',
    });
    this.role = role;

    if (props.logging ?? true) {
      this.logGroup = props.logGroup ?? this.createLogGroup(props.logRetention ?? logs.RetentionDays.ONE_YEAR);
    }

    if (props.source) {
      // Our action list, with kms:Decrypt on the stream's key when it has a customer-managed one.
      grantStreamRead(props.source, this.role);
    }

    const sourceBackup = props.sourceBackup ?? true;
    // OpenSearch, Splunk and HTTP endpoints keep failed records in the backup bucket even
    // without source backup; S3 and Redshift keep them in their own bucket.
    const needsBackupBucket = sourceBackup
      || (destination.destinationType !== DestinationType.S3 && destination.destinationType !== DestinationType.REDSHIFT);
    if (needsBackupBucket) {
      this.backupBucket = props.backupBucket
        ?? this.createSecureBucket('BackupBucket', props.backupLifecycleRules);
    }

    const transform = props.transform;
    const transformParameters = transform
      ? renderTransformParameters(transform, this.role, destination.destinationType)
      : undefined;
    if (transform) {
      grantTransformInvoke(transform.function, this.role);
    }

    this.streamEncryptionKey = this.streamKey(props);
    const context: DestinationContext = {
      role: this.role,
      source: props.source,
      logGroup: this.logGroup,
      backupBucket: this.backupBucket,
      backupPrefix: props.backupPrefix ?? DEFAULT_BACKUP_PREFIX,
      sourceBackup,
      transformParameters,
      encryption: props.source
        ? undefined
        : this.streamEncryptionKey
          ? firehose.StreamEncryption.customerManagedKey(this.streamEncryptionKey)
          : (props.encryption ?? firehose.StreamEncryption.awsOwnedKey()),
      deliveryStreamName: props.deliveryStreamName,
    };

    if (destination.destinationType === DestinationType.S3) {
      const s3Props = destination._props as S3DestinationProps;
      this.bucket = s3Props.bucket ?? this.createSecureBucket('Bucket', s3Props.lifecycleRules);
      const stream = this.createS3Delivery(s3Props, this.bucket, transform, context);
      this.deliveryStream = stream;
      this.cfnDeliveryStream = stream.node.defaultChild as firehose.CfnDeliveryStream;
      // Escape hatches on aws-cdk-lib's rendering: its log streams are children of the log
      // group (two deliveries sharing one group would collide), and its format conversion
      // only takes a glue.CfnTable.
      const rendered = this.cfnDeliveryStream.extendedS3DestinationConfiguration as
        firehose.CfnDeliveryStream.ExtendedS3DestinationConfigurationProperty;
      const backup = rendered.s3BackupConfiguration as firehose.CfnDeliveryStream.S3DestinationConfigurationProperty | undefined;
      this.cfnDeliveryStream.extendedS3DestinationConfiguration = {
        ...rendered,
        cloudWatchLoggingOptions: loggingOptions(this, context, 'DestinationLogStream'),
        s3BackupConfiguration: backup
          ? { ...backup, cloudWatchLoggingOptions: loggingOptions(this, context, 'BackupLogStream') }
          : undefined,
        dataFormatConversionConfiguration: s3Props.dataFormatConversion
          ? renderFormatConversion(this, s3Props.dataFormatConversion, this.role)
          : undefined,
      };
    } else {
      let destinationConfig: Partial<firehose.CfnDeliveryStreamProps>;
      switch (destination.destinationType) {
        case DestinationType.REDSHIFT: {
          const redshiftProps = destination._props as RedshiftDestinationProps;
          this.bucket = redshiftProps.intermediateBucket ?? this.createSecureBucket('Bucket');
          destinationConfig = renderRedshift(this, redshiftProps, this.bucket, context);
          break;
        }
        case DestinationType.OPENSEARCH:
          destinationConfig = renderOpenSearch(this, destination._props as OpenSearchDestinationProps, context);
          break;
        case DestinationType.OPENSEARCH_SERVERLESS:
          destinationConfig = renderOpenSearchServerless(this, destination._props as OpenSearchServerlessDestinationProps, context);
          break;
        case DestinationType.SPLUNK:
          destinationConfig = renderSplunk(this, destination._props as SplunkDestinationProps, context);
          break;
        default:
          destinationConfig = renderHttpEndpoint(this, destination._props as HttpEndpointDestinationProps, context);
          break;
      }
      this.cfnDeliveryStream = this.createCfnDelivery(destinationConfig, context);
      this.deliveryStream = firehose.DeliveryStream.fromDeliveryStreamAttributes(this, 'DeliveryStream', {
        deliveryStreamArn: this.cfnDeliveryStream.attrArn,
        deliveryStreamName: this.cfnDeliveryStream.ref,
        role: this.role,
      });
    }
    // Firehose checks its permissions when the stream is created: the role's policy goes first.
    this.cfnDeliveryStream.node.addDependency(this.role);

    this.deliveryStreamName = this.deliveryStream.deliveryStreamName;
    this.deliveryStreamArn = this.deliveryStream.deliveryStreamArn;
    this.encryptionKey = this.givenKey ?? this.createdKey;
    this.serverAccessLogsBucket = this.givenAccessLogs ?? this.accessLogs;

    // cdk-nag's AwsSolutions-IAM5 flags every wildcard; each of the role's is scoped to a
    // resource of this delivery.
    acknowledgeRoleWildcards(role,
      'Each wildcard of the Firehose delivery role is scoped to a resource of the delivery: objects in its buckets, versions of its transform function, paths of its OpenSearch domain, or the object and key actions of aws-cdk-lib\'s S3 destination grant.');
    if (props.source) {
      // cdk-nag's AwsSolutions-KDF1 asks for server-side encryption, which Firehose forbids
      // with a Kinesis stream source.
      Validations.of(this).acknowledge({
        id: 'AwsSolutions-KDF1',
        reason: 'Firehose does not allow server-side encryption on a delivery stream whose source is a Kinesis data stream; the records are encrypted in the source stream and in the destination.',
      });
    }
  }

  /**
   * Grants a producer `firehose:PutRecord` and `firehose:PutRecordBatch` on this delivery
   * stream. Only for Direct PUT: a delivery stream reading a Kinesis stream accepts no puts
   * (grant write on the stream instead).
   */
  public grantPutRecords(grantee: iam.IGrantable): iam.Grant {
    if (this.source) {
      throw new KinesisKitValidationError(this,
        'grantPutRecords needs a Direct PUT delivery stream, got one reading a Kinesis stream; grant write on the source stream instead');
    }
    return this.deliveryStream.grantPutRecords(grantee);
  }

  /**
   * A metric of this delivery stream in `AWS/Firehose`, with its `DeliveryStreamName`
   * dimension. Default: the average over 5 minutes.
   *
   * @param metricName the Firehose metric name
   * @param props overrides
   */
  public metric(metricName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: FIREHOSE_NAMESPACE,
      metricName,
      dimensionsMap: { DeliveryStreamName: this.deliveryStreamName },
      statistic: cloudwatch.Stats.AVERAGE,
      period: Duration.minutes(5),
      ...props,
    });
  }

  /**
   * The age of the oldest record not yet delivered to the destination, in seconds:
   * `DeliveryToS3.DataFreshness` for S3 and for Redshift's intermediate bucket (Redshift has no
   * freshness metric of its own), `DeliveryToAmazonOpenSearchService.DataFreshness`,
   * `DeliveryToAmazonOpenSearchServerless.DataFreshness`, `DeliveryToSplunk.DataFreshness` or
   * `DeliveryToHttpEndpoint.DataFreshness`. Default: the maximum over 5 minutes.
   */
  public metricDataFreshness(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(metricNamesOf(this.destinationType).dataFreshness, {
      statistic: cloudwatch.Stats.MAXIMUM,
      ...props,
    });
  }

  /**
   * The share of successful deliveries, 0 to 1: `DeliveryToS3.Success`,
   * `DeliveryToRedshift.Success` (COPY commands), `DeliveryToAmazonOpenSearchService.Success`,
   * `DeliveryToAmazonOpenSearchServerless.Success`, `DeliveryToSplunk.Success` or
   * `DeliveryToHttpEndpoint.Success`. Default: the average over 5 minutes.
   */
  public metricDeliverySuccess(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(metricNamesOf(this.destinationType).deliverySuccess, {
      statistic: cloudwatch.Stats.AVERAGE,
      ...props,
    });
  }

  /**
   * `ThrottledRecords`: records Direct PUT throttled because producers exceeded the delivery
   * stream's limits. Default: the sum over 5 minutes.
   */
  public metricThrottledRecords(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('ThrottledRecords', { statistic: cloudwatch.Stats.SUM, ...props });
  }

  /**
   * `IncomingRecords`: records ingested (after throttling). Default: the sum over 5 minutes.
   */
  public metricIncomingRecords(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('IncomingRecords', { statistic: cloudwatch.Stats.SUM, ...props });
  }

  /**
   * How far Firehose's reading lags behind the source stream, in milliseconds: Firehose's own
   * `KinesisMillisBehindLatest`, which (unlike the stream's `GetRecords.IteratorAgeMilliseconds`,
   * shared by all its consumers) concerns this delivery stream alone. Only with a stream
   * source. Default: the maximum over 5 minutes.
   */
  public metricSourceIteratorAge(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    if (!this.source) {
      throw new KinesisKitValidationError(this,
        'metricSourceIteratorAge needs a Kinesis stream source, got a Direct PUT delivery stream');
    }
    return this.metric('KinesisMillisBehindLatest', { statistic: cloudwatch.Stats.MAXIMUM, ...props });
  }

  /**
   * Creates the recommended alarms, each on a metric with this delivery stream's
   * `DeliveryStreamName` dimension: data freshness above twice the buffering interval plus a
   * margin, delivery success below 1, and either throttled records above 0 (Direct PUT) or
   * the source iterator age above half the stream's retention (stream source). Call it once.
   *
   * @see https://docs.aws.amazon.com/firehose/latest/dev/firehose-cloudwatch-metrics-best-practices.html
   */
  public addAlarms(props: FirehoseDeliveryAlarmsProps = {}): FirehoseDeliveryAlarms {
    const margin = props.dataFreshnessMargin ?? Duration.minutes(5);
    const freshnessSeconds = props.dataFreshnessThreshold?.toSeconds({ integral: false })
      ?? this.bufferingInterval.toSeconds() * 2 + margin.toSeconds({ integral: false });
    const common = {
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    };
    const dataFreshness = this.metricDataFreshness().createAlarm(this, 'DataFreshnessAlarm', {
      ...common,
      threshold: freshnessSeconds,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      alarmDescription: `Records wait more than ${freshnessSeconds} seconds for delivery`,
    });
    const deliverySuccess = this.metricDeliverySuccess().createAlarm(this, 'DeliverySuccessAlarm', {
      ...common,
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      alarmDescription: 'Some deliveries to the destination failed',
    });
    let throttledRecords: cloudwatch.Alarm | undefined;
    let sourceIteratorAge: cloudwatch.Alarm | undefined;
    if (this.source) {
      const retention = this.source instanceof KinesisStream ? this.source.retentionPeriod : Duration.hours(24);
      const threshold = props.sourceIteratorAgeThreshold ?? Duration.millis(retention.toMilliseconds() / 2);
      sourceIteratorAge = this.metricSourceIteratorAge().createAlarm(this, 'SourceIteratorAgeAlarm', {
        ...common,
        threshold: threshold.toMilliseconds({ integral: false }),
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        alarmDescription: 'Firehose falls behind the source stream: records risk expiring unread',
      });
    } else {
      throttledRecords = this.metricThrottledRecords().createAlarm(this, 'ThrottledRecordsAlarm', {
        ...common,
        threshold: 0,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        alarmDescription: 'Producers exceed the delivery stream\'s limits',
      });
    }
    return { dataFreshness, deliverySuccess, throttledRecords, sourceIteratorAge };
  }

  private createS3Delivery(
    props: S3DestinationProps,
    bucket: s3.IBucket,
    transform: LambdaTransformProps | undefined,
    context: DestinationContext,
  ): firehose.DeliveryStream {
    const resolved = resolveS3Destination(props, context);
    // Logging is rendered by FirehoseDelivery itself, see the constructor.
    const loggingConfig = new firehose.DisableLogging();
    const processors: firehose.IDataProcessor[] = [];
    if (props.dynamicPartitioning?.partitionKeys && Object.keys(props.dynamicPartitioning.partitionKeys).length > 0) {
      processors.push(firehose.MetadataExtractionProcessor.jq16(props.dynamicPartitioning.partitionKeys));
    }
    if (transform && context.transformParameters) {
      processors.push(new TransformProcessor(transform.function, context.transformParameters));
    }
    const destination = new firehose.S3Bucket(bucket, {
      role: this.role,
      bufferingSize: resolved.bufferingSize,
      bufferingInterval: resolved.bufferingInterval,
      compression: props.compression,
      encryptionKey: bucket.encryptionKey,
      dataOutputPrefix: resolved.dataOutputPrefix,
      errorOutputPrefix: resolved.errorOutputPrefix,
      loggingConfig,
      processors: processors.length > 0 ? processors : undefined,
      dynamicPartitioning: props.dynamicPartitioning
        ? { enabled: true, retryDuration: resolved.retryDuration }
        : undefined,
      s3Backup: context.sourceBackup && this.backupBucket
        ? {
          mode: firehose.BackupMode.ALL,
          bucket: this.backupBucket,
          dataOutputPrefix: context.backupPrefix,
          errorOutputPrefix: resolved.backupErrorOutputPrefix,
          encryptionKey: this.backupBucket.encryptionKey,
          loggingConfig,
        }
        : undefined,
    });
    return new firehose.DeliveryStream(this, 'Resource', {
      deliveryStreamName: context.deliveryStreamName,
      destination,
      source: context.source ? new firehose.KinesisStreamSource(context.source) : undefined,
      role: this.role,
      encryption: context.encryption,
    });
  }

  private createCfnDelivery(
    destinationConfig: Partial<firehose.CfnDeliveryStreamProps>,
    context: DestinationContext,
  ): firehose.CfnDeliveryStream {
    let encryptionInput: firehose.CfnDeliveryStream.DeliveryStreamEncryptionConfigurationInputProperty | undefined;
    if (this.streamEncryptionKey) {
      this.streamEncryptionKey.grantEncryptDecrypt(this.role);
      encryptionInput = { keyType: 'CUSTOMER_MANAGED_CMK', keyArn: this.streamEncryptionKey.keyArn };
    } else if (context.encryption?.type === firehose.StreamEncryptionType.AWS_OWNED) {
      encryptionInput = { keyType: 'AWS_OWNED_CMK' };
    }
    return new firehose.CfnDeliveryStream(this, 'Resource', {
      deliveryStreamName: context.deliveryStreamName,
      deliveryStreamType: context.source ? 'KinesisStreamAsSource' : 'DirectPut',
      kinesisStreamSourceConfiguration: context.source
        ? { kinesisStreamArn: context.source.streamArn, roleArn: this.role.roleArn }
        : undefined,
      deliveryStreamEncryptionConfigurationInput: encryptionInput,
      ...destinationConfig,
    });
  }

  /** The customer-managed key of Direct PUT server-side encryption: the one given, or created. */
  private streamKey(props: FirehoseDeliveryProps): kms.IKey | undefined {
    const encryption = props.encryption;
    if (props.source || encryption?.type !== firehose.StreamEncryptionType.CUSTOMER_MANAGED) {
      return undefined;
    }
    return encryption.encryptionKey ?? new kms.Key(this, 'StreamKey', {
      enableKeyRotation: true,
      removalPolicy: this.removalPolicy,
      description: 'Server-side encryption of a Firehose delivery stream',
    });
  }

  /** The key of created buckets and the log group: the one given, or one created on first use. */
  private key(): kms.IKey {
    if (this.givenKey) {
      return this.givenKey;
    }
    if (!this.createdKey) {
      this.createdKey = new kms.Key(this, 'Key', {
        enableKeyRotation: true,
        removalPolicy: this.removalPolicy,
        description: 'Encrypts the buckets and the error log group of a Firehose delivery stream',
      });
    }
    return this.createdKey;
  }

  /** The bucket for server access logs: the one given, or one created on first use. */
  private accessLogsBucket(): s3.IBucket {
    if (this.givenAccessLogs) {
      return this.givenAccessLogs;
    }
    if (!this.accessLogs) {
      const bucket = new s3.Bucket(this, 'AccessLogsBucket', {
        // S3 server access logging cannot write to a bucket whose default encryption is SSE-KMS.
        encryption: s3.BucketEncryption.S3_MANAGED,
        blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
        enforceSSL: true,
        versioned: true,
        removalPolicy: this.removalPolicy,
        lifecycleRules: defaultLifecycleRules(),
      });
      // cdk-nag's AwsSolutions-S1 asks every bucket for server access logs; logging the
      // access-log bucket into itself or into another bucket adds nothing.
      Validations.of(bucket).acknowledge({
        id: 'AwsSolutions-S1',
        reason: 'This bucket receives the server access logs of the Firehose delivery\'s buckets; it does not log its own access.',
      });
      acknowledgeComplianceRule(bucket, 'S3DefaultEncryptionKMS',
        'S3 server access logging can only write to a bucket encrypted with S3-managed keys (SSE-S3), not SSE-KMS.');
      this.accessLogs = bucket;
    }
    return this.accessLogs;
  }

  /** A bucket with the secure defaults: SSE-KMS, no public access, TLS only, versioned, logged. */
  private createSecureBucket(id: string, lifecycleRules?: s3.LifecycleRule[]): s3.IBucket {
    return new s3.Bucket(this, id, {
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: this.key(),
      bucketKeyEnabled: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: true,
      removalPolicy: this.removalPolicy,
      lifecycleRules: lifecycleRules ?? defaultLifecycleRules(),
      serverAccessLogsBucket: this.accessLogsBucket(),
      serverAccessLogsPrefix: `${id}/`,
    });
  }

  /** A log group encrypted with the delivery's key, which CloudWatch Logs is allowed to use. */
  private createLogGroup(retention: logs.RetentionDays): logs.ILogGroup {
    const key = this.key();
    allowCloudWatchLogs(key);
    return new logs.LogGroup(this, 'LogGroup', {
      encryptionKey: key,
      retention,
      removalPolicy: this.removalPolicy,
    });
  }
}

/** Standard-IA after 30 days, noncurrent versions too; incomplete uploads aborted after 7 days. */
function defaultLifecycleRules(): s3.LifecycleRule[] {
  return [{
    id: 'InfrequentAccessAfter30Days',
    transitions: [{ storageClass: s3.StorageClass.INFREQUENT_ACCESS, transitionAfter: Duration.days(30) }],
    noncurrentVersionTransitions: [{ storageClass: s3.StorageClass.INFREQUENT_ACCESS, transitionAfter: Duration.days(30) }],
    abortIncompleteMultipartUploadAfter: Duration.days(7),
  }];
}
