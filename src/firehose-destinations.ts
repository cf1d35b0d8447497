import { Duration, Size } from 'aws-cdk-lib';
import * as firehose from 'aws-cdk-lib/aws-kinesisfirehose';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';

/**
 * The kind of destination a `DeliveryDestination` delivers to.
 */
export enum DestinationType {
  /** Amazon S3, through aws-cdk-lib's `DeliveryStream`. */
  S3 = 'S3',
  /** Amazon Redshift, through an intermediate S3 bucket and `COPY`. */
  REDSHIFT = 'REDSHIFT',
  /** An Amazon OpenSearch Service domain. */
  OPENSEARCH = 'OPENSEARCH',
  /** An Amazon OpenSearch Serverless collection. */
  OPENSEARCH_SERVERLESS = 'OPENSEARCH_SERVERLESS',
  /** Splunk, through its HTTP Event Collector. */
  SPLUNK = 'SPLUNK',
  /** Any HTTPS endpoint that implements Firehose's request and response contract. */
  HTTP_ENDPOINT = 'HTTP_ENDPOINT',
}

/**
 * How often Firehose starts a new OpenSearch Service index: it appends a timestamp to the index
 * name, so old data can be dropped an index at a time.
 *
 * @see https://docs.aws.amazon.com/firehose/latest/dev/create-destination.html#create-destination-elasticsearch
 */
export enum IndexRotation {
  /** One index, `indexName`, forever. */
  NO_ROTATION = 'NoRotation',
  /** A new index every hour, e.g. `orders-2026-02-25-13`. */
  ONE_HOUR = 'OneHour',
  /** A new index every day, e.g. `orders-2026-02-25`. */
  ONE_DAY = 'OneDay',
  /** A new index every week, e.g. `orders-2026-w08`. */
  ONE_WEEK = 'OneWeek',
  /** A new index every month, e.g. `orders-2026-02`. */
  ONE_MONTH = 'OneMonth',
}

/**
 * Which Splunk HTTP Event Collector (HEC) endpoint Firehose sends to.
 *
 * @see https://docs.aws.amazon.com/firehose/latest/dev/create-destination.html#create-destination-splunk
 */
export enum SplunkEndpointType {
  /** The raw endpoint: each record is an event as it is. */
  RAW = 'Raw',
  /** The event endpoint: each record must be a HEC event object (`{"event": ...}`). */
  EVENT = 'Event',
}

/**
 * How Firehose encodes the body of its requests to an HTTP endpoint.
 */
export enum HttpContentEncoding {
  /** No content encoding. */
  NONE = 'NONE',
  /** The body is compressed with gzip (`Content-Encoding: gzip`). */
  GZIP = 'GZIP',
}

/**
 * Properties of an Amazon Redshift destination: `DeliveryDestination.redshift(...)`.
 *
 * Firehose writes batches to an intermediate S3 bucket, then runs `COPY` into the table. The
 * cluster must accept connections from Firehose's CIDR block for the region (or be reachable
 * through a publicly accessible endpoint), and the database user needs INSERT on the table.
 *
 * @see https://docs.aws.amazon.com/firehose/latest/dev/create-destination.html#create-destination-redshift
 */
export interface RedshiftDestinationProps {
  /**
   * The cluster's JDBC URL: `jdbc:redshift://<endpoint>:<port>/<database>`.
   */
  readonly clusterJdbcUrl: string;

  /**
   * The database user's credentials: a secret whose JSON value has the keys `username` and
   * `password` (a Redshift cluster's attached secret has this shape). The delivery role is
   * granted read on it (and kms:Decrypt on its key, when the secret has one).
   *
   * @see https://docs.aws.amazon.com/firehose/latest/dev/using-secrets-manager.html
   */
  readonly credentials: secretsmanager.ISecret;

  /**
   * The table to `COPY` into. It must already exist.
   */
  readonly tableName: string;

  /**
   * The table columns to load, in order.
   *
   * @default - all columns of the table
   */
  readonly tableColumns?: string[];

  /**
   * Options appended to the `COPY` command, e.g. `json 'auto' gzip`.
   *
   * @default - none
   * @see https://docs.aws.amazon.com/redshift/latest/dg/r_COPY.html
   */
  readonly copyOptions?: string;

  /**
   * How long Firehose retries a failed `COPY`: 0 to 7,200 seconds. 0 means no retries.
   *
   * @default Duration.hours(1)
   */
  readonly retryDuration?: Duration;

  /**
   * The intermediate bucket the `COPY` reads from.
   *
   * @default - a bucket is created with the secure defaults of `FirehoseDelivery`
   */
  readonly intermediateBucket?: s3.IBucket;

  /**
   * The prefix of the batches in the intermediate bucket. Firehose allows no `!{...}`
   * expressions here for Redshift.
   *
   * @default - Firehose's default, `yyyy/MM/dd/HH/`
   */
  readonly intermediatePrefix?: string;

  /**
   * How much data Firehose buffers before writing a batch to the intermediate bucket:
   * 1 to 128 MiB.
   *
   * @default Size.mebibytes(5)
   */
  readonly bufferingSize?: Size;

  /**
   * How long Firehose buffers data before writing a batch: 0 to 900 seconds.
   *
   * @default Duration.seconds(300)
   */
  readonly bufferingInterval?: Duration;

  /**
   * The compression of the batches: `GZIP` or `UNCOMPRESSED` (`COPY` cannot read Snappy or
   * ZIP). Add `gzip` to `copyOptions` with `GZIP`.
   *
   * @default firehose.Compression.UNCOMPRESSED
   */
  readonly compression?: firehose.Compression;
}

/**
 * Properties of an Amazon OpenSearch Service domain destination:
 * `DeliveryDestination.openSearch(...)`.
 *
 * The delivery role gets `es:DescribeDomain*`, `es:ESHttpPost` and `es:ESHttpPut` on the domain,
 * and `es:ESHttpGet` on the paths Firehose reads. With fine-grained access control, map the role
 * (`FirehoseDelivery.role`) to a backend role that can write the index.
 *
 * @see https://docs.aws.amazon.com/firehose/latest/dev/controlling-access.html#using-iam-es
 */
export interface OpenSearchDestinationProps {
  /**
   * The ARN of the domain: `arn:<partition>:es:<region>:<account>:domain/<name>`.
   */
  readonly domainArn: string;

  /**
   * The index to write to (before rotation appends its timestamp).
   */
  readonly indexName: string;

  /**
   * How often a new index is started.
   *
   * @default IndexRotation.ONE_DAY
   */
  readonly indexRotation?: IndexRotation;

  /**
   * How much data Firehose buffers before a bulk request: 1 to 100 MiB.
   *
   * @default Size.mebibytes(5)
   */
  readonly bufferingSize?: Size;

  /**
   * How long Firehose buffers data before a bulk request: 0 to 900 seconds.
   *
   * @default Duration.seconds(300)
   */
  readonly bufferingInterval?: Duration;

  /**
   * How long Firehose retries a failed request before writing the documents to the backup
   * bucket: 0 to 7,200 seconds.
   *
   * @default Duration.seconds(300)
   */
  readonly retryDuration?: Duration;

  /**
   * Where failed documents (and records a transform marked `ProcessingFailed`) land in the
   * backup bucket. Expressions must include `!{firehose:error-output-type}`.
   *
   * @default 'errors/!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd}/'
   */
  readonly errorOutputPrefix?: string;
}

/**
 * Properties of an Amazon OpenSearch Serverless collection destination:
 * `DeliveryDestination.openSearchServerless(...)`.
 *
 * The delivery role gets `aoss:APIAccessAll` on the collection. The collection's data access
 * policy must also allow the role (`FirehoseDelivery.role`) to write the index: IAM alone is
 * not enough for OpenSearch Serverless.
 *
 * @see https://docs.aws.amazon.com/firehose/latest/dev/controlling-access.html#using-iam-serverless
 */
export interface OpenSearchServerlessDestinationProps {
  /**
   * The ARN of the collection: `arn:<partition>:aoss:<region>:<account>:collection/<id>`.
   */
  readonly collectionArn: string;

  /**
   * The collection's endpoint, e.g. `CfnCollection.attrCollectionEndpoint`.
   */
  readonly collectionEndpoint: string;

  /**
   * The index to write to.
   */
  readonly indexName: string;

  /**
   * How much data Firehose buffers before a bulk request: 1 to 100 MiB.
   *
   * @default Size.mebibytes(5)
   */
  readonly bufferingSize?: Size;

  /**
   * How long Firehose buffers data before a bulk request: 0 to 900 seconds.
   *
   * @default Duration.seconds(300)
   */
  readonly bufferingInterval?: Duration;

  /**
   * How long Firehose retries a failed request before writing the documents to the backup
   * bucket: 0 to 7,200 seconds.
   *
   * @default Duration.seconds(300)
   */
  readonly retryDuration?: Duration;

  /**
   * Where failed documents (and records a transform marked `ProcessingFailed`) land in the
   * backup bucket. Expressions must include `!{firehose:error-output-type}`.
   *
   * @default 'errors/!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd}/'
   */
  readonly errorOutputPrefix?: string;
}

/**
 * Properties of a Splunk destination: `DeliveryDestination.splunk(...)`.
 *
 * @see https://docs.aws.amazon.com/firehose/latest/dev/create-destination.html#create-destination-splunk
 */
export interface SplunkDestinationProps {
  /**
   * The HTTP Event Collector endpoint, an `https://` URL.
   */
  readonly hecEndpoint: string;

  /**
   * Which HEC endpoint the URL is.
   *
   * @default SplunkEndpointType.RAW
   */
  readonly hecEndpointType?: SplunkEndpointType;

  /**
   * The HEC token: a secret whose JSON value has the key `hec_token`. The delivery role is
   * granted read on it (and kms:Decrypt on its key, when the secret has one).
   *
   * @see https://docs.aws.amazon.com/firehose/latest/dev/using-secrets-manager.html
   */
  readonly hecToken: secretsmanager.ISecret;

  /**
   * How long Firehose waits for Splunk's indexer acknowledgment: 180 to 600 seconds.
   *
   * @default Duration.seconds(180)
   */
  readonly hecAcknowledgmentTimeout?: Duration;

  /**
   * How much data Firehose buffers before a request: 1 to 5 MiB.
   *
   * @default Size.mebibytes(5)
   */
  readonly bufferingSize?: Size;

  /**
   * How long Firehose buffers data before a request: 0 to 60 seconds.
   *
   * @default Duration.seconds(60)
   */
  readonly bufferingInterval?: Duration;

  /**
   * How long Firehose retries after a failed request or a missing acknowledgment: 0 to 7,200
   * seconds.
   *
   * @default Duration.seconds(300)
   */
  readonly retryDuration?: Duration;

  /**
   * Where failed events (and records a transform marked `ProcessingFailed`) land in the backup
   * bucket. Expressions must include `!{firehose:error-output-type}`.
   *
   * @default 'errors/!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd}/'
   */
  readonly errorOutputPrefix?: string;
}

/**
 * Properties of an HTTP endpoint destination: `DeliveryDestination.httpEndpoint(...)`.
 *
 * @see https://docs.aws.amazon.com/firehose/latest/dev/httpdeliveryrequestresponse.html
 */
export interface HttpEndpointDestinationProps {
  /**
   * The endpoint's URL. Firehose only delivers over `https://`.
   */
  readonly url: string;

  /**
   * A name for the endpoint, shown in the console.
   *
   * @default - none
   */
  readonly name?: string;

  /**
   * The access key Firehose sends in the `X-Amz-Firehose-Access-Key` header: a secret whose
   * JSON value has the key `api_key`. The delivery role is granted read on it (and kms:Decrypt
   * on its key, when the secret has one).
   *
   * @default - no access key is sent
   * @see https://docs.aws.amazon.com/firehose/latest/dev/using-secrets-manager.html
   */
  readonly accessKey?: secretsmanager.ISecret;

  /**
   * How much data Firehose buffers before a request: 1 to 64 MiB.
   *
   * @default Size.mebibytes(5)
   */
  readonly bufferingSize?: Size;

  /**
   * How long Firehose buffers data before a request: 0 to 900 seconds.
   *
   * @default Duration.seconds(300)
   */
  readonly bufferingInterval?: Duration;

  /**
   * How long Firehose retries a failed request: 0 to 7,200 seconds.
   *
   * @default Duration.seconds(300)
   */
  readonly retryDuration?: Duration;

  /**
   * The encoding of the request body.
   *
   * @default HttpContentEncoding.NONE
   */
  readonly contentEncoding?: HttpContentEncoding;

  /**
   * Attributes sent with every request in the `X-Amz-Firehose-Common-Attributes` header.
   *
   * @default - none
   */
  readonly commonAttributes?: { [name: string]: string };

  /**
   * Where failed requests' records (and records a transform marked `ProcessingFailed`) land in
   * the backup bucket. Expressions must include `!{firehose:error-output-type}`.
   *
   * @default 'errors/!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd}/'
   */
  readonly errorOutputPrefix?: string;
}
