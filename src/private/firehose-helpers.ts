import { ArnFormat, Duration, Size, SizeRoundingBehavior, Stack, Token, Tokenization, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as firehose from 'aws-cdk-lib/aws-kinesisfirehose';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct, IConstruct } from 'constructs';
import { checkInteger, checkRange, fmt, KinesisKitValidationError } from './validation';
import type {
  DataFormatConversionOptions,
  DeliveryDestination,
  FirehoseDeliveryProps,
  LambdaTransformProps,
  S3DestinationProps,
} from '../firehose';
import {
  DestinationType,
  HttpContentEncoding,
  HttpEndpointDestinationProps,
  IndexRotation,
  OpenSearchDestinationProps,
  OpenSearchServerlessDestinationProps,
  RedshiftDestinationProps,
  SplunkDestinationProps,
  SplunkEndpointType,
} from '../firehose-destinations';

/** The CloudWatch namespace of Firehose metrics. */
export const FIREHOSE_NAMESPACE = 'AWS/Firehose';

/** Default prefixes. Firehose appends `yyyy/MM/dd/HH/` to a prefix without a timestamp. */
export const DEFAULT_DATA_PREFIX = 'data/';
export const DEFAULT_BACKUP_PREFIX = 'source-records/';
export const DEFAULT_ERROR_PREFIX = 'errors/!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd}/';

/** What Firehose needs on a bucket it writes (its documented S3 destination policy). */
export const S3_DELIVERY_ACTIONS = [
  's3:AbortMultipartUpload',
  's3:GetBucketLocation',
  's3:GetObject',
  's3:ListBucket',
  's3:ListBucketMultipartUploads',
  's3:PutObject',
];
/** What Firehose needs on the key of a bucket it writes. */
export const S3_KEY_ACTIONS = ['kms:Decrypt', 'kms:GenerateDataKey'];
/** What Firehose needs on a transform function. */
export const TRANSFORM_ACTIONS = ['lambda:InvokeFunction', 'lambda:GetFunctionConfiguration'];
/** What Firehose needs on the Glue table of a format conversion. */
export const GLUE_ACTIONS = ['glue:GetTable', 'glue:GetTableVersion', 'glue:GetTableVersions'];
/** What Firehose needs on an OpenSearch Service domain and its paths. */
export const OPENSEARCH_DOMAIN_ACTIONS = [
  'es:DescribeDomain',
  'es:DescribeDomains',
  'es:DescribeDomainConfig',
  'es:ESHttpPost',
  'es:ESHttpPut',
];
/** The domain paths Firehose reads with es:ESHttpGet; `{index}` is the index name. */
export const OPENSEARCH_GET_PATHS = [
  '_all/_settings',
  '_cluster/stats',
  '{index}*/_mapping/*',
  '_nodes',
  '_nodes/stats',
  '_nodes/*/stats',
  '_stats',
  '{index}*/_stats',
];
/** What Firehose needs on an OpenSearch Serverless collection (plus its data access policy). */
export const AOSS_ACTIONS = ['aoss:APIAccessAll'];

/** Firehose's bounds. */
const MAX_RETRY_SECONDS = 7200;
const MAX_PREFIX_LENGTH = 1024;
const MIN_TRANSFORM_BUFFER_MIB = 0.2;
const MAX_TRANSFORM_BUFFER_MIB = 3;
const MAX_TRANSFORM_INTERVAL_SECONDS = 900;
const MAX_TRANSFORM_RETRIES = 300;
const MIN_COLUMNAR_BUFFER_MIB = 64;
const MIN_PARTITIONING_INTERVAL_SECONDS = 60;
const MIN_HEC_ACK_SECONDS = 180;
const MAX_HEC_ACK_SECONDS = 600;
const MAX_INDEX_NAME_LENGTH = 80;
const DELIVERY_STREAM_NAME = /^[a-zA-Z0-9_.-]{1,64}$/;
/** The pattern CloudFormation's schema gives `ClusterJDBCURL`. */
const REDSHIFT_JDBC_URL = /^jdbc:(redshift|postgresql):\/\/((?!-)[A-Za-z0-9-]{1,63}(?<!-)\.)+(redshift(-serverless)?)\.([a-zA-Z0-9.-]+):\d{1,5}\/[a-zA-Z0-9_$-]+$/;

/** The buffering bounds and defaults of one destination. */
interface BufferingLimits {
  readonly maxSizeMiB: number;
  readonly defaultSizeMiB: number;
  readonly maxIntervalSeconds: number;
  readonly defaultIntervalSeconds: number;
}

const BUFFERING: Record<DestinationType, BufferingLimits> = {
  [DestinationType.S3]: { maxSizeMiB: 128, defaultSizeMiB: 5, maxIntervalSeconds: 900, defaultIntervalSeconds: 300 },
  [DestinationType.REDSHIFT]: { maxSizeMiB: 128, defaultSizeMiB: 5, maxIntervalSeconds: 900, defaultIntervalSeconds: 300 },
  [DestinationType.OPENSEARCH]: { maxSizeMiB: 100, defaultSizeMiB: 5, maxIntervalSeconds: 900, defaultIntervalSeconds: 300 },
  [DestinationType.OPENSEARCH_SERVERLESS]: { maxSizeMiB: 100, defaultSizeMiB: 5, maxIntervalSeconds: 900, defaultIntervalSeconds: 300 },
  [DestinationType.SPLUNK]: { maxSizeMiB: 5, defaultSizeMiB: 5, maxIntervalSeconds: 60, defaultIntervalSeconds: 60 },
  [DestinationType.HTTP_ENDPOINT]: { maxSizeMiB: 64, defaultSizeMiB: 5, maxIntervalSeconds: 900, defaultIntervalSeconds: 300 },
};

/** Default retry durations, in seconds. Redshift's matches Firehose's own default. */
const DEFAULT_RETRY_SECONDS = 300;
const DEFAULT_REDSHIFT_RETRY_SECONDS = 3600;

/** The data freshness and delivery success metric of each destination. */
const METRIC_NAMES: Record<DestinationType, { readonly dataFreshness: string; readonly deliverySuccess: string }> = {
  [DestinationType.S3]: { dataFreshness: 'DeliveryToS3.DataFreshness', deliverySuccess: 'DeliveryToS3.Success' },
  // Redshift publishes no freshness metric: the intermediate bucket's is the closest.
  [DestinationType.REDSHIFT]: { dataFreshness: 'DeliveryToS3.DataFreshness', deliverySuccess: 'DeliveryToRedshift.Success' },
  [DestinationType.OPENSEARCH]: {
    dataFreshness: 'DeliveryToAmazonOpenSearchService.DataFreshness',
    deliverySuccess: 'DeliveryToAmazonOpenSearchService.Success',
  },
  [DestinationType.OPENSEARCH_SERVERLESS]: {
    dataFreshness: 'DeliveryToAmazonOpenSearchServerless.DataFreshness',
    deliverySuccess: 'DeliveryToAmazonOpenSearchServerless.Success',
  },
  [DestinationType.SPLUNK]: { dataFreshness: 'DeliveryToSplunk.DataFreshness', deliverySuccess: 'DeliveryToSplunk.Success' },
  [DestinationType.HTTP_ENDPOINT]: {
    dataFreshness: 'DeliveryToHttpEndpoint.DataFreshness',
    deliverySuccess: 'DeliveryToHttpEndpoint.Success',
  },
};

/** The metric names of a destination type. */
export function metricNamesOf(type: DestinationType): { readonly dataFreshness: string; readonly deliverySuccess: string } {
  return METRIC_NAMES[type];
}

/** What every destination renderer needs from the `FirehoseDelivery`. */
export interface DestinationContext {
  readonly role: iam.IRole;
  readonly source?: kinesis.IStream;
  readonly logGroup?: logs.ILogGroup;
  readonly backupBucket?: s3.IBucket;
  readonly backupPrefix: string;
  readonly sourceBackup: boolean;
  readonly transformParameters?: firehose.CfnDeliveryStream.ProcessorParameterProperty[];
  readonly encryption?: firehose.StreamEncryption;
  readonly deliveryStreamName?: string;
}

// ---------------------------------------------------------------------------------------------
// Units

/** A size in MiB, fractions kept; a token stays a token. */
function mebibytes(size: Size | undefined): number | undefined {
  return size?.toMebibytes({ rounding: SizeRoundingBehavior.NONE });
}

/** A duration in seconds, fractions kept; a token stays a token. */
function seconds(duration: Duration | undefined): number | undefined {
  if (duration === undefined) {
    return undefined;
  }
  return duration.isUnresolved() ? duration.toSeconds() : duration.toSeconds({ integral: false });
}

/** A number as a processor parameter string; a token becomes a string token. */
function numberParameter(value: number): string {
  return Token.isUnresolved(value) ? Tokenization.stringifyNumber(value) : String(value);
}

/** Like `checkRange`, with the condition under which the range applies. */
function checkRangeWhen(
  scope: IConstruct,
  prop: string,
  value: number | undefined,
  min: number,
  max: number,
  unit: string,
  condition: string,
): void {
  if (value === undefined || Token.isUnresolved(value)) {
    return;
  }
  if (value < min || value > max) {
    throw new KinesisKitValidationError(scope,
      `${prop} must be between ${fmt(min)} and ${fmt(max)}${unit} ${condition}, got ${fmt(value)}${unit}`);
  }
}

function checkBuffering(
  scope: IConstruct,
  type: DestinationType,
  size: Size | undefined,
  interval: Duration | undefined,
): void {
  const limits = BUFFERING[type];
  const sizeMiB = mebibytes(size);
  checkRange(scope, 'destination.bufferingSize', sizeMiB, 1, limits.maxSizeMiB, ' MiB');
  checkInteger(scope, 'destination.bufferingSize (MiB)', sizeMiB);
  const intervalSeconds = seconds(interval);
  checkRange(scope, 'destination.bufferingInterval', intervalSeconds, 0, limits.maxIntervalSeconds, ' seconds');
  checkInteger(scope, 'destination.bufferingInterval (seconds)', intervalSeconds);
}

function checkRetry(scope: IConstruct, prop: string, duration: Duration | undefined): void {
  const value = seconds(duration);
  checkRange(scope, prop, value, 0, MAX_RETRY_SECONDS, ' seconds');
  checkInteger(scope, `${prop} (seconds)`, value);
}

function checkHttpsUrl(scope: IConstruct, prop: string, value: string): void {
  if (Token.isUnresolved(value)) {
    return;
  }
  if (!/^https:\/\/[^\s/]+/.test(value)) {
    throw new KinesisKitValidationError(scope, `${prop} must be an https:// URL (Firehose delivers over HTTPS only), got '${value}'`);
  }
}

function checkArn(scope: IConstruct, prop: string, value: string, pattern: RegExp, shape: string): void {
  if (Token.isUnresolved(value)) {
    return;
  }
  if (!pattern.test(value)) {
    throw new KinesisKitValidationError(scope, `${prop} must be an ARN of the form ${shape}, got '${value}'`);
  }
}

// ---------------------------------------------------------------------------------------------
// S3 prefixes

/** One `!{namespace:value}` expression of a prefix. */
interface PrefixExpression {
  readonly namespace: string;
  readonly value: string;
  readonly text: string;
}

const PREFIX_NAMESPACES = ['firehose', 'timestamp', 'partitionKeyFromQuery', 'partitionKeyFromLambda'];
const FIREHOSE_VALUES = ['error-output-type', 'random-string'];
const PARTITION_NAMESPACES = ['partitionKeyFromQuery', 'partitionKeyFromLambda'];

/** The expressions of a prefix; fails on anything but Firehose's four namespaces. */
function parseExpressions(scope: IConstruct, prop: string, prefix: string): PrefixExpression[] {
  const expressions: PrefixExpression[] = [];
  let start = prefix.indexOf('!{');
  while (start >= 0) {
    const end = prefix.indexOf('}', start);
    const text = end < 0 ? prefix.slice(start) : prefix.slice(start, end + 1);
    const match = /^!\{([A-Za-z]+):([^{}]+)\}$/.exec(text);
    if (!match || !PREFIX_NAMESPACES.includes(match[1])) {
      throw new KinesisKitValidationError(scope,
        `${prop} may only use !{firehose:...}, !{timestamp:...}, !{partitionKeyFromQuery:...} and !{partitionKeyFromLambda:...} expressions, got '${text}' in '${prefix}'`);
    }
    if (match[1] === 'firehose' && !FIREHOSE_VALUES.includes(match[2])) {
      throw new KinesisKitValidationError(scope,
        `${prop} may only use !{firehose:error-output-type} or !{firehose:random-string} in the firehose namespace, got '${text}' in '${prefix}'`);
    }
    expressions.push({ namespace: match[1], value: match[2], text });
    start = prefix.indexOf('!{', end);
  }
  return expressions;
}

/**
 * Checks a data prefix against Firehose's rules and returns its expressions. Unresolved tokens
 * are skipped (no expressions are reported for them).
 */
function checkDataPrefix(scope: IConstruct, prop: string, prefix: string | undefined, partitioning: boolean): PrefixExpression[] {
  if (prefix === undefined || Token.isUnresolved(prefix)) {
    return [];
  }
  checkPrefixLength(scope, prop, prefix);
  const expressions = parseExpressions(scope, prop, prefix);
  if (expressions.some((e) => e.namespace === 'firehose' && e.value === 'error-output-type')) {
    throw new KinesisKitValidationError(scope,
      `${prop} cannot use !{firehose:error-output-type}, which is only allowed in the error output prefix, got '${prefix}'`);
  }
  if (!partitioning && expressions.some((e) => PARTITION_NAMESPACES.includes(e.namespace))) {
    throw new KinesisKitValidationError(scope,
      `${prop} can only use !{partitionKeyFromQuery:...} and !{partitionKeyFromLambda:...} with dynamicPartitioning, got '${prefix}'`);
  }
  return expressions;
}

/** Checks an error output prefix against Firehose's rules. Unresolved tokens are skipped. */
function checkErrorPrefix(scope: IConstruct, prop: string, prefix: string | undefined): void {
  if (prefix === undefined || Token.isUnresolved(prefix)) {
    return;
  }
  checkPrefixLength(scope, prop, prefix);
  const expressions = parseExpressions(scope, prop, prefix);
  if (expressions.some((e) => PARTITION_NAMESPACES.includes(e.namespace))) {
    throw new KinesisKitValidationError(scope,
      `${prop} cannot use !{partitionKeyFromQuery:...} or !{partitionKeyFromLambda:...} expressions, got '${prefix}'`);
  }
  if (expressions.length > 0 && !expressions.some((e) => e.namespace === 'firehose' && e.value === 'error-output-type')) {
    throw new KinesisKitValidationError(scope,
      `${prop} uses expressions, so it must include !{firehose:error-output-type}, got '${prefix}'`);
  }
}

function checkPrefixLength(scope: IConstruct, prop: string, prefix: string): void {
  if (prefix.length > MAX_PREFIX_LENGTH) {
    throw new KinesisKitValidationError(scope,
      `${prop} must be at most ${fmt(MAX_PREFIX_LENGTH)} characters, got ${fmt(prefix.length)} characters`);
  }
}

// ---------------------------------------------------------------------------------------------
// Validation

/** Validates the props of `FirehoseDelivery` that do not depend on the destination. */
export function validateDeliveryProps(scope: IConstruct, props: FirehoseDeliveryProps): void {
  const name = props.deliveryStreamName;
  if (name !== undefined && !Token.isUnresolved(name) && !DELIVERY_STREAM_NAME.test(name)) {
    throw new KinesisKitValidationError(scope,
      `deliveryStreamName must be 1 to 64 characters of [a-zA-Z0-9_.-], got '${name}' (${name.length} characters)`);
  }
  if (props.source && props.encryption && props.encryption.type !== firehose.StreamEncryptionType.UNENCRYPTED) {
    throw new KinesisKitValidationError(scope,
      `encryption cannot be set with a Kinesis stream source, got ${firehose.StreamEncryptionType[props.encryption.type]}: Firehose does not allow server-side encryption of a stream-sourced delivery stream; encrypt the source stream instead`);
  }
  if (props.logging === false && props.logGroup) {
    throw new KinesisKitValidationError(scope, 'logGroup can only be used with logging true, got logging false and a logGroup');
  }
  if (props.backupBucket && props.backupLifecycleRules) {
    throw new KinesisKitValidationError(scope,
      'backupLifecycleRules apply to the created backup bucket, got them with an existing backupBucket; set its rules on the bucket itself');
  }
  if (props.sourceBackup === false && props.backupBucket && props.destination.destinationType === DestinationType.S3) {
    throw new KinesisKitValidationError(scope,
      'backupBucket cannot be used with sourceBackup false for an S3 destination, which then has no backup; drop one of them');
  }
  if (props.sourceBackup === false && props.backupBucket && props.destination.destinationType === DestinationType.REDSHIFT) {
    throw new KinesisKitValidationError(scope,
      'backupBucket cannot be used with sourceBackup false for a Redshift destination, which keeps failed records in its intermediate bucket; drop one of them');
  }
  checkDataPrefix(scope, 'backupPrefix', props.backupPrefix, false);

  const transform = props.transform;
  if (transform) {
    checkRange(scope, 'transform.bufferSize', mebibytes(transform.bufferSize),
      MIN_TRANSFORM_BUFFER_MIB, MAX_TRANSFORM_BUFFER_MIB, ' MiB');
    const interval = seconds(transform.bufferInterval);
    checkRange(scope, 'transform.bufferInterval', interval, 0, MAX_TRANSFORM_INTERVAL_SECONDS, ' seconds');
    checkInteger(scope, 'transform.bufferInterval (seconds)', interval);
    checkInteger(scope, 'transform.retries', transform.retries);
    checkRange(scope, 'transform.retries', transform.retries, 0, MAX_TRANSFORM_RETRIES);
  }
}

/** Validates the destination's props, in the context of the delivery's. */
export function validateDestination(scope: IConstruct, destination: DeliveryDestination, props: FirehoseDeliveryProps): void {
  switch (destination.destinationType) {
    case DestinationType.S3:
      return validateS3(scope, destination._props as S3DestinationProps, props);
    case DestinationType.REDSHIFT:
      return validateRedshift(scope, destination._props as RedshiftDestinationProps);
    case DestinationType.OPENSEARCH: {
      const p = destination._props as OpenSearchDestinationProps;
      checkArn(scope, 'destination.domainArn', p.domainArn, /^arn:[^:]+:es:[^:]*:[^:]*:domain\/[a-z][a-z0-9-]{2,27}$/,
        'arn:<partition>:es:<region>:<account>:domain/<name>');
      checkIndexName(scope, p.indexName);
      checkBuffering(scope, destination.destinationType, p.bufferingSize, p.bufferingInterval);
      checkRetry(scope, 'destination.retryDuration', p.retryDuration);
      checkErrorPrefix(scope, 'destination.errorOutputPrefix', p.errorOutputPrefix);
      return;
    }
    case DestinationType.OPENSEARCH_SERVERLESS: {
      const p = destination._props as OpenSearchServerlessDestinationProps;
      checkArn(scope, 'destination.collectionArn', p.collectionArn, /^arn:[^:]+:aoss:[^:]*:[^:]*:collection\/.+$/,
        'arn:<partition>:aoss:<region>:<account>:collection/<id>');
      checkHttpsUrl(scope, 'destination.collectionEndpoint', p.collectionEndpoint);
      checkIndexName(scope, p.indexName);
      checkBuffering(scope, destination.destinationType, p.bufferingSize, p.bufferingInterval);
      checkRetry(scope, 'destination.retryDuration', p.retryDuration);
      checkErrorPrefix(scope, 'destination.errorOutputPrefix', p.errorOutputPrefix);
      return;
    }
    case DestinationType.SPLUNK: {
      const p = destination._props as SplunkDestinationProps;
      checkHttpsUrl(scope, 'destination.hecEndpoint', p.hecEndpoint);
      checkBuffering(scope, destination.destinationType, p.bufferingSize, p.bufferingInterval);
      const ack = seconds(p.hecAcknowledgmentTimeout);
      checkRange(scope, 'destination.hecAcknowledgmentTimeout', ack, MIN_HEC_ACK_SECONDS, MAX_HEC_ACK_SECONDS, ' seconds');
      checkInteger(scope, 'destination.hecAcknowledgmentTimeout (seconds)', ack);
      checkRetry(scope, 'destination.retryDuration', p.retryDuration);
      checkErrorPrefix(scope, 'destination.errorOutputPrefix', p.errorOutputPrefix);
      return;
    }
    case DestinationType.HTTP_ENDPOINT: {
      const p = destination._props as HttpEndpointDestinationProps;
      checkHttpsUrl(scope, 'destination.url', p.url);
      checkBuffering(scope, destination.destinationType, p.bufferingSize, p.bufferingInterval);
      checkRetry(scope, 'destination.retryDuration', p.retryDuration);
      checkErrorPrefix(scope, 'destination.errorOutputPrefix', p.errorOutputPrefix);
      return;
    }
  }
}

function checkIndexName(scope: IConstruct, indexName: string): void {
  if (Token.isUnresolved(indexName)) {
    return;
  }
  if (indexName.length < 1 || indexName.length > MAX_INDEX_NAME_LENGTH || /[A-Z\s\\/*?"<>|,#:]/.test(indexName) || /^[-_+]/.test(indexName)) {
    throw new KinesisKitValidationError(scope,
      `destination.indexName must be 1 to 80 lowercase characters without spaces or \\/*?"<>|,#: and not starting with -, _ or +, got '${indexName}'`);
  }
}

function validateS3(scope: IConstruct, p: S3DestinationProps, props: FirehoseDeliveryProps): void {
  if (p.bucket && p.lifecycleRules) {
    throw new KinesisKitValidationError(scope,
      'destination.lifecycleRules apply to the created bucket, got them with an existing bucket; set its rules on the bucket itself');
  }
  const conversion = p.dataFormatConversion;
  const partitioning = p.dynamicPartitioning;
  checkBuffering(scope, DestinationType.S3, p.bufferingSize, p.bufferingInterval);
  if (conversion || partitioning) {
    const why = conversion ? 'with dataFormatConversion' : 'with dynamicPartitioning';
    checkRangeWhen(scope, 'destination.bufferingSize', mebibytes(p.bufferingSize), MIN_COLUMNAR_BUFFER_MIB, 128, ' MiB', why);
  }
  if (partitioning) {
    checkRangeWhen(scope, 'destination.bufferingInterval', seconds(p.bufferingInterval),
      MIN_PARTITIONING_INTERVAL_SECONDS, 900, ' seconds', 'with dynamicPartitioning');
    checkRetry(scope, 'destination.dynamicPartitioning.retryDuration', partitioning.retryDuration);
  }
  if (conversion) {
    validateConversion(scope, conversion, p.compression);
  }

  const dataPrefix = p.dataOutputPrefix ?? DEFAULT_DATA_PREFIX;
  const expressions = checkDataPrefix(scope, 'destination.dataOutputPrefix', dataPrefix, partitioning !== undefined);
  checkErrorPrefix(scope, 'destination.errorOutputPrefix', p.errorOutputPrefix);
  if (expressions.length > 0 && p.errorOutputPrefix === undefined) {
    throw new KinesisKitValidationError(scope,
      `destination.errorOutputPrefix is required when dataOutputPrefix uses expressions, got dataOutputPrefix '${dataPrefix}' and no errorOutputPrefix; for example 'errors/!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd}/'`);
  }
  if (partitioning && !Token.isUnresolved(dataPrefix)) {
    validatePartitionKeys(scope, dataPrefix, expressions, partitioning.partitionKeys, props.transform !== undefined);
  }
}

function validatePartitionKeys(
  scope: IConstruct,
  dataPrefix: string,
  expressions: PrefixExpression[],
  partitionKeys: { [key: string]: string } | undefined,
  hasTransform: boolean,
): void {
  const keys = Object.keys(partitionKeys ?? {});
  const queryKeys = expressions.filter((e) => e.namespace === 'partitionKeyFromQuery').map((e) => e.value);
  const lambdaKeys = expressions.filter((e) => e.namespace === 'partitionKeyFromLambda').map((e) => e.value);
  if (queryKeys.length === 0 && lambdaKeys.length === 0) {
    throw new KinesisKitValidationError(scope,
      `destination.dataOutputPrefix must use at least one !{partitionKeyFromQuery:key} or !{partitionKeyFromLambda:key} expression with dynamicPartitioning, got '${dataPrefix}'`);
  }
  const unknown = queryKeys.filter((k) => !keys.includes(k));
  if (unknown.length > 0) {
    throw new KinesisKitValidationError(scope,
      `destination.dataOutputPrefix uses !{partitionKeyFromQuery:${unknown[0]}}, but dynamicPartitioning.partitionKeys has no '${unknown[0]}', got keys [${keys.join(', ')}]`);
  }
  if (lambdaKeys.length > 0 && !hasTransform) {
    throw new KinesisKitValidationError(scope,
      `destination.dataOutputPrefix uses !{partitionKeyFromLambda:${lambdaKeys[0]}}, which needs a transform function that returns partition keys, got no transform`);
  }
}

function validateConversion(scope: IConstruct, c: DataFormatConversionOptions, compression: firehose.Compression | undefined): void {
  if (compression && compression.value !== firehose.Compression.UNCOMPRESSED.value) {
    throw new KinesisKitValidationError(scope,
      `destination.compression must be UNCOMPRESSED with dataFormatConversion (the output format sets its own compression), got ${compression.value}`);
  }
  const byName = c.databaseName !== undefined || c.tableName !== undefined;
  if (c.table && byName) {
    throw new KinesisKitValidationError(scope,
      'destination.dataFormatConversion takes a table or databaseName and tableName, got both');
  }
  if (!c.table && (c.databaseName === undefined || c.tableName === undefined)) {
    throw new KinesisKitValidationError(scope,
      `destination.dataFormatConversion needs a table, or both databaseName and tableName, got databaseName ${quoted(c.databaseName)} and tableName ${quoted(c.tableName)}`);
  }
}

function validateRedshift(scope: IConstruct, p: RedshiftDestinationProps): void {
  if (!Token.isUnresolved(p.clusterJdbcUrl) && !REDSHIFT_JDBC_URL.test(p.clusterJdbcUrl)) {
    throw new KinesisKitValidationError(scope,
      `destination.clusterJdbcUrl must be jdbc:redshift://<cluster endpoint>:<port>/<database> with a Redshift (or Redshift Serverless) endpoint, got '${p.clusterJdbcUrl}'`);
  }
  checkBuffering(scope, DestinationType.REDSHIFT, p.bufferingSize, p.bufferingInterval);
  checkRetry(scope, 'destination.retryDuration', p.retryDuration);
  const compression = p.compression?.value;
  if (compression !== undefined && !Token.isUnresolved(compression)
    && compression !== firehose.Compression.GZIP.value && compression !== firehose.Compression.UNCOMPRESSED.value) {
    throw new KinesisKitValidationError(scope,
      `destination.compression must be GZIP or UNCOMPRESSED for Redshift (COPY cannot read Snappy or ZIP), got ${compression}`);
  }
  const prefix = p.intermediatePrefix;
  if (prefix !== undefined && !Token.isUnresolved(prefix)) {
    checkPrefixLength(scope, 'destination.intermediatePrefix', prefix);
    if (prefix.includes('!{')) {
      throw new KinesisKitValidationError(scope,
        `destination.intermediatePrefix cannot use !{...} expressions with a Redshift destination, got '${prefix}'`);
    }
  }
}

function quoted(value: string | undefined): string {
  return value === undefined ? 'none' : `'${value}'`;
}

// ---------------------------------------------------------------------------------------------
// Rendering

/** The destination's buffering interval in seconds (the default when unset or a token). */
export function bufferingIntervalSeconds(destination: DeliveryDestination): number {
  const props = destination._props as { bufferingInterval?: Duration };
  const value = seconds(props.bufferingInterval);
  return value === undefined || Token.isUnresolved(value)
    ? BUFFERING[destination.destinationType].defaultIntervalSeconds
    : value;
}

/** The Lambda processor's parameters, every one explicit. */
export function renderTransformParameters(
  transform: LambdaTransformProps,
  role: iam.IRole,
  type: DestinationType,
): firehose.CfnDeliveryStream.ProcessorParameterProperty[] {
  const sizeMiB = mebibytes(transform.bufferSize) ?? (type === DestinationType.SPLUNK ? 0.25 : 1);
  return [
    { parameterName: 'LambdaArn', parameterValue: transform.function.functionArn },
    { parameterName: 'NumberOfRetries', parameterValue: numberParameter(transform.retries ?? 3) },
    { parameterName: 'RoleArn', parameterValue: role.roleArn },
    { parameterName: 'BufferSizeInMBs', parameterValue: numberParameter(sizeMiB) },
    { parameterName: 'BufferIntervalInSeconds', parameterValue: numberParameter(seconds(transform.bufferInterval) ?? 60) },
  ];
}

/**
 * The transform as an aws-cdk-lib data processor, with explicit parameters: aws-cdk-lib's
 * `LambdaFunctionProcessor` leaves out `NumberOfRetries: 0` and cannot express sizes below
 * 1 MiB. The invoke permission is granted by `grantTransformInvoke`.
 */
export class TransformProcessor implements firehose.IDataProcessor {
  public readonly props: firehose.DataProcessorProps = {};

  constructor(
    private readonly fn: lambda.IFunction,
    private readonly parameters: firehose.CfnDeliveryStream.ProcessorParameterProperty[],
  ) {}

  public bind(_scope: Construct, _options: firehose.DataProcessorBindOptions): firehose.DataProcessorConfig {
    return {
      processorType: 'Lambda',
      processorIdentifier: { parameterName: 'LambdaArn', parameterValue: this.fn.functionArn },
      parameters: this.parameters,
    };
  }
}

/** Lets Firehose invoke the transform function, its versions and aliases. */
export function grantTransformInvoke(fn: lambda.IFunction, role: iam.IRole): iam.Grant {
  return iam.Grant.addToPrincipal({
    grantee: role,
    actions: TRANSFORM_ACTIONS,
    resourceArns: [fn.functionArn, `${fn.functionArn}:*`],
  });
}

/** Lets Firehose write a bucket: its documented S3 actions, and the bucket key's. */
export function grantBucketWrite(bucket: s3.IBucket, role: iam.IRole): iam.Grant {
  const grant = iam.Grant.addToPrincipal({
    grantee: role,
    actions: S3_DELIVERY_ACTIONS,
    resourceArns: [bucket.bucketArn, bucket.arnForObjects('*')],
  });
  bucket.encryptionKey?.grant(role, ...S3_KEY_ACTIONS);
  return grant;
}

/** What `resolveS3Destination` works out for aws-cdk-lib's `S3Bucket`. */
export interface ResolvedS3Destination {
  readonly bufferingSize: Size;
  readonly bufferingInterval: Duration;
  readonly dataOutputPrefix: string;
  readonly errorOutputPrefix?: string;
  readonly retryDuration: Duration;
  readonly backupErrorOutputPrefix: string;
}

/** The S3 destination's settings with their defaults, for aws-cdk-lib's `S3Bucket`. */
export function resolveS3Destination(p: S3DestinationProps, _context: DestinationContext): ResolvedS3Destination {
  const columnar = p.dataFormatConversion !== undefined || p.dynamicPartitioning !== undefined;
  const sizeMiB = mebibytes(p.bufferingSize);
  const dataPrefix = p.dataOutputPrefix ?? DEFAULT_DATA_PREFIX;
  return {
    // aws-cdk-lib reads the size with toMebibytes(), which rejects Size.kibibytes(2048).
    bufferingSize: sizeMiB === undefined ? Size.mebibytes(columnar ? 128 : 5) : Size.mebibytes(sizeMiB),
    bufferingInterval: p.bufferingInterval ?? Duration.seconds(BUFFERING[DestinationType.S3].defaultIntervalSeconds),
    dataOutputPrefix: dataPrefix,
    // Validation has required an error prefix when the data prefix uses expressions.
    errorOutputPrefix: p.errorOutputPrefix ?? DEFAULT_ERROR_PREFIX,
    retryDuration: p.dynamicPartitioning?.retryDuration ?? Duration.seconds(DEFAULT_RETRY_SECONDS),
    backupErrorOutputPrefix: DEFAULT_ERROR_PREFIX,
  };
}

/** JSON to Parquet or ORC, with the Glue table's schema; grants the role read on the table. */
export function renderFormatConversion(
  scope: IConstruct,
  c: DataFormatConversionOptions,
  role: iam.IRole,
): firehose.CfnDeliveryStream.DataFormatConversionConfigurationProperty {
  const stack = Stack.of(scope);
  const databaseName = c.table ? c.table.databaseName : c.databaseName!;
  const tableName = c.table ? c.table.ref : c.tableName!;
  const catalogId = c.catalogId ?? c.table?.catalogId ?? stack.account;
  const region = c.region ?? stack.region;
  const arn = (resource: string, resourceName?: string): string => stack.formatArn({
    service: 'glue',
    resource,
    resourceName,
    region,
    account: catalogId,
    arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
  });
  iam.Grant.addToPrincipal({
    grantee: role,
    actions: GLUE_ACTIONS,
    resourceArns: [arn('catalog'), arn('database', databaseName), arn('table', `${databaseName}/${tableName}`)],
  });
  return {
    enabled: true,
    inputFormatConfiguration: (c.inputFormat ?? firehose.InputFormat.OPENX_JSON).createInputFormatConfig(),
    outputFormatConfiguration: c.outputFormat.createOutputFormatConfig(),
    schemaConfiguration: {
      catalogId,
      databaseName,
      tableName,
      region,
      roleArn: role.roleArn,
      versionId: c.versionId ?? 'LATEST',
    },
  };
}

/** A log stream (a child of `scope`) in the delivery's log group, with Firehose allowed to write it. */
export function loggingOptions(
  scope: Construct,
  context: DestinationContext,
  id: string,
): firehose.CfnDeliveryStream.CloudWatchLoggingOptionsProperty | undefined {
  const logGroup = context.logGroup;
  if (!logGroup) {
    return undefined;
  }
  const stream = (scope.node.tryFindChild(id) as logs.LogStream | undefined)
    ?? new logs.LogStream(scope, id, { logGroup });
  logGroup.grantWrite(context.role);
  return { enabled: true, logGroupName: logGroup.logGroupName, logStreamName: stream.logStreamName };
}

function processingConfiguration(context: DestinationContext): firehose.CfnDeliveryStream.ProcessingConfigurationProperty | undefined {
  if (!context.transformParameters) {
    return undefined;
  }
  return { enabled: true, processors: [{ type: 'Lambda', parameters: context.transformParameters }] };
}

interface S3ConfigurationOptions {
  readonly prefix?: string;
  readonly errorOutputPrefix?: string;
  readonly compressionFormat?: string;
  readonly bufferingHints?: firehose.CfnDeliveryStream.BufferingHintsProperty;
  /** The id of the log stream for this configuration's errors. */
  readonly logStreamId?: string;
}

/** An S3 configuration (backup or intermediate) on a bucket Firehose is granted write on. */
function s3Configuration(
  scope: Construct,
  context: DestinationContext,
  bucket: s3.IBucket,
  options: S3ConfigurationOptions,
): firehose.CfnDeliveryStream.S3DestinationConfigurationProperty {
  grantBucketWrite(bucket, context.role);
  return {
    bucketArn: bucket.bucketArn,
    roleArn: context.role.roleArn,
    prefix: options.prefix,
    errorOutputPrefix: options.errorOutputPrefix,
    compressionFormat: options.compressionFormat,
    bufferingHints: options.bufferingHints,
    encryptionConfiguration: bucket.encryptionKey
      ? { kmsEncryptionConfig: { awskmsKeyArn: bucket.encryptionKey.keyArn } }
      : undefined,
    cloudWatchLoggingOptions: loggingOptions(scope, context, options.logStreamId ?? 'BackupLogStream'),
  };
}

/** The props that OpenSearch (domain or serverless), Splunk and HTTP endpoints share. */
interface BackedUpDestinationProps {
  readonly bufferingSize?: Size;
  readonly bufferingInterval?: Duration;
  readonly retryDuration?: Duration;
  readonly errorOutputPrefix?: string;
}

/**
 * The part of an OpenSearch, Splunk or HTTP endpoint configuration they share: buffering within
 * the destination's limits, retries, the backup mode (in the destination's own words: `all` when
 * the source records are backed up, else `failedOnly`), the backup bucket that takes the failed
 * records, the transform and the destination's log stream.
 */
function backedUpDelivery(
  scope: Construct,
  context: DestinationContext,
  type: DestinationType,
  p: BackedUpDestinationProps,
  backupMode: { all: string; failedOnly: string },
) {
  return {
    bufferingHints: bufferingHints(type, p.bufferingSize, p.bufferingInterval),
    retryOptions: { durationInSeconds: retrySeconds(p.retryDuration, DEFAULT_RETRY_SECONDS) },
    s3BackupMode: context.sourceBackup ? backupMode.all : backupMode.failedOnly,
    s3Configuration: s3Configuration(scope, context, context.backupBucket!, {
      prefix: context.backupPrefix,
      errorOutputPrefix: p.errorOutputPrefix ?? DEFAULT_ERROR_PREFIX,
    }),
    processingConfiguration: processingConfiguration(context),
    cloudWatchLoggingOptions: loggingOptions(scope, context, 'DestinationLogStream'),
  };
}

function bufferingHints(type: DestinationType, size: Size | undefined, interval: Duration | undefined) {
  const limits = BUFFERING[type];
  return {
    sizeInMBs: mebibytes(size) ?? limits.defaultSizeMiB,
    intervalInSeconds: seconds(interval) ?? limits.defaultIntervalSeconds,
  };
}

function retrySeconds(duration: Duration | undefined, fallback: number): number {
  return seconds(duration) ?? fallback;
}

/** Amazon Redshift: intermediate bucket, COPY, credentials from Secrets Manager. */
export function renderRedshift(
  scope: Construct,
  p: RedshiftDestinationProps,
  intermediateBucket: s3.IBucket,
  context: DestinationContext,
): Partial<firehose.CfnDeliveryStreamProps> {
  p.credentials.grantRead(context.role);
  return {
    redshiftDestinationConfiguration: {
      clusterJdbcurl: p.clusterJdbcUrl,
      copyCommand: {
        dataTableName: p.tableName,
        dataTableColumns: p.tableColumns?.join(','),
        copyOptions: p.copyOptions,
      },
      roleArn: context.role.roleArn,
      secretsManagerConfiguration: { enabled: true, secretArn: p.credentials.secretArn, roleArn: context.role.roleArn },
      retryOptions: { durationInSeconds: retrySeconds(p.retryDuration, DEFAULT_REDSHIFT_RETRY_SECONDS) },
      s3Configuration: s3Configuration(scope, context, intermediateBucket, {
        prefix: p.intermediatePrefix,
        compressionFormat: p.compression?.value ?? firehose.Compression.UNCOMPRESSED.value,
        bufferingHints: bufferingHints(DestinationType.REDSHIFT, p.bufferingSize, p.bufferingInterval),
        logStreamId: 'IntermediateLogStream',
      }),
      s3BackupMode: context.sourceBackup ? 'Enabled' : 'Disabled',
      s3BackupConfiguration: context.sourceBackup
        ? s3Configuration(scope, context, context.backupBucket!, {
          prefix: context.backupPrefix,
          errorOutputPrefix: DEFAULT_ERROR_PREFIX,
        })
        : undefined,
      processingConfiguration: processingConfiguration(context),
      cloudWatchLoggingOptions: loggingOptions(scope, context, 'DestinationLogStream'),
    },
  };
}

/** An OpenSearch Service domain, with the documented es: permissions scoped to it. */
export function renderOpenSearch(
  scope: Construct,
  p: OpenSearchDestinationProps,
  context: DestinationContext,
): Partial<firehose.CfnDeliveryStreamProps> {
  iam.Grant.addToPrincipal({
    grantee: context.role,
    actions: OPENSEARCH_DOMAIN_ACTIONS,
    resourceArns: [p.domainArn, `${p.domainArn}/*`],
  });
  iam.Grant.addToPrincipal({
    grantee: context.role,
    actions: ['es:ESHttpGet'],
    resourceArns: OPENSEARCH_GET_PATHS.map((path) => `${p.domainArn}/${path.replace('{index}', p.indexName)}`),
  });
  return {
    amazonopensearchserviceDestinationConfiguration: {
      domainArn: p.domainArn,
      indexName: p.indexName,
      indexRotationPeriod: p.indexRotation ?? IndexRotation.ONE_DAY,
      roleArn: context.role.roleArn,
      ...backedUpDelivery(scope, context, DestinationType.OPENSEARCH, p, { all: 'AllDocuments', failedOnly: 'FailedDocumentsOnly' }),
    },
  };
}

/** An OpenSearch Serverless collection, with aoss:APIAccessAll on it. */
export function renderOpenSearchServerless(
  scope: Construct,
  p: OpenSearchServerlessDestinationProps,
  context: DestinationContext,
): Partial<firehose.CfnDeliveryStreamProps> {
  iam.Grant.addToPrincipal({ grantee: context.role, actions: AOSS_ACTIONS, resourceArns: [p.collectionArn] });
  return {
    amazonOpenSearchServerlessDestinationConfiguration: {
      collectionEndpoint: p.collectionEndpoint,
      indexName: p.indexName,
      roleArn: context.role.roleArn,
      ...backedUpDelivery(scope, context, DestinationType.OPENSEARCH_SERVERLESS, p, { all: 'AllDocuments', failedOnly: 'FailedDocumentsOnly' }),
    },
  };
}

/** Splunk's HTTP Event Collector, with the token from Secrets Manager. */
export function renderSplunk(
  scope: Construct,
  p: SplunkDestinationProps,
  context: DestinationContext,
): Partial<firehose.CfnDeliveryStreamProps> {
  p.hecToken.grantRead(context.role);
  return {
    splunkDestinationConfiguration: {
      hecEndpoint: p.hecEndpoint,
      hecEndpointType: p.hecEndpointType ?? SplunkEndpointType.RAW,
      hecAcknowledgmentTimeoutInSeconds: seconds(p.hecAcknowledgmentTimeout) ?? MIN_HEC_ACK_SECONDS,
      secretsManagerConfiguration: { enabled: true, secretArn: p.hecToken.secretArn, roleArn: context.role.roleArn },
      ...backedUpDelivery(scope, context, DestinationType.SPLUNK, p, { all: 'AllEvents', failedOnly: 'FailedEventsOnly' }),
    },
  };
}

/** An HTTPS endpoint, with its access key from Secrets Manager. */
export function renderHttpEndpoint(
  scope: Construct,
  p: HttpEndpointDestinationProps,
  context: DestinationContext,
): Partial<firehose.CfnDeliveryStreamProps> {
  p.accessKey?.grantRead(context.role);
  const attributes = Object.entries(p.commonAttributes ?? {})
    .map(([attributeName, attributeValue]) => ({ attributeName, attributeValue }));
  return {
    httpEndpointDestinationConfiguration: {
      endpointConfiguration: { url: p.url, name: p.name },
      requestConfiguration: {
        contentEncoding: p.contentEncoding ?? HttpContentEncoding.NONE,
        commonAttributes: attributes.length > 0 ? attributes : undefined,
      },
      roleArn: context.role.roleArn,
      secretsManagerConfiguration: p.accessKey
        ? { enabled: true, secretArn: p.accessKey.secretArn, roleArn: context.role.roleArn }
        : undefined,
      ...backedUpDelivery(scope, context, DestinationType.HTTP_ENDPOINT, p, { all: 'AllData', failedOnly: 'FailedDataOnly' }),
    },
  };
}

// ---------------------------------------------------------------------------------------------
// cdk-nag

/**
 * Acknowledges cdk-nag's AwsSolutions-IAM5 findings on the wildcards the role's policy has
 * now: object ARNs of its buckets, versions of its transform function, paths of its domain,
 * and the KMS and S3 action wildcards of aws-cdk-lib's grants. Statements added later (by the
 * user) are not acknowledged. The finding ids follow cdk-nag's: `Action::<action>` and
 * `Resource::<flattened resource>`.
 */
export function acknowledgeRoleWildcards(role: iam.Role, reason: string): void {
  const policy = role.node.tryFindChild('DefaultPolicy') as iam.Policy | undefined;
  if (!policy) {
    return;
  }
  const document = Stack.of(role).resolve(policy.document) as { Statement?: Array<Record<string, unknown>> };
  const findings = new Set<string>();
  for (const statement of document.Statement ?? []) {
    if (statement.Effect !== 'Allow') {
      continue;
    }
    for (const action of [statement.Action].flat() as string[]) {
      if (typeof action === 'string' && action.includes('*')) {
        findings.add(`Action::${action}`);
      }
    }
    for (const resource of [statement.Resource].flat()) {
      const flat = flattenReference(resource);
      if (flat.includes('*')) {
        findings.add(`Resource::${flat}`);
      }
    }
  }
  for (const finding of findings) {
    Validations.of(role).acknowledge({ id: `AwsSolutions-IAM5[${finding}]`, reason });
  }
}

/** A CloudFormation reference as a flat string, as cdk-nag writes it in finding ids. */
function flattenReference(node: unknown): string {
  if (node === undefined) {
    return '';
  }
  if (typeof node === 'string') {
    return node.replace(/\$\{/g, '<').replace(/}/g, '>');
  }
  const value = node as Record<string, unknown>;
  if (value['Fn::Join']) {
    const [delimiter, items] = value['Fn::Join'] as [string, unknown[]];
    return items.map(flattenReference).join(delimiter);
  }
  if (value['Fn::Sub']) {
    return flattenReference(value['Fn::Sub']);
  }
  if (value['Fn::GetAtt']) {
    const [resource, attribute] = value['Fn::GetAtt'] as [unknown, unknown];
    return `<${flattenReference(resource)}.${flattenReference(attribute)}>`;
  }
  if (value['Fn::ImportValue']) {
    return flattenReference(value['Fn::ImportValue']);
  }
  if (value.Ref) {
    return `<${flattenReference(value.Ref)}>`;
  }
  return JSON.stringify(node);
}
