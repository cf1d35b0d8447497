import { Aws } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { EnhancedFanOutConsumer } from './efo-consumer';
import { DeliveryDestination, FirehoseDelivery, LambdaTransformProps, S3DestinationProps } from './firehose';
import { FlinkRuntime } from './flink-application';
import { FlinkSqlApplication } from './flink-sql-application';
import { LambdaConsumer, LambdaConsumerOptions } from './lambda-consumer';
import { StreamingMonitoring, StreamingMonitoringProps } from './monitoring';
import { KinesisKitValidationError } from './private/validation';
import { IKinesisStream, KinesisStream, KinesisStreamProps, StreamCapacity } from './stream';

/**
 * A Lambda function that reads the pipeline's stream.
 */
export interface PipelineLambdaConsumer {
  /** The function. */
  readonly function: lambda.IFunction;

  /**
   * How it reads (batching, retries, enhanced fan-out, ...).
   *
   * @default - the `LambdaConsumer` defaults
   */
  readonly options?: LambdaConsumerOptions;
}

/**
 * The pipeline's Firehose archive to S3.
 */
export interface PipelineArchiveProps {
  /**
   * Whether to archive at all.
   *
   * @default true
   */
  readonly enabled?: boolean;

  /**
   * The S3 destination's settings: bucket, buffering, compression, prefixes, lifecycle.
   *
   * @default - `DeliveryDestination.s3()` defaults: a created bucket with SSE-KMS, TLS only,
   * versioning, RETAIN, and a lifecycle rule
   */
  readonly destination?: S3DestinationProps;

  /**
   * A Lambda function that transforms records before they are written.
   *
   * @default - no transform
   */
  readonly transform?: LambdaTransformProps;

  /**
   * Whether every record, as received, is also kept in a backup bucket.
   *
   * @default true
   */
  readonly sourceBackup?: boolean;
}

/**
 * The pipeline's Flink SQL application.
 *
 * The statements can refer to the pipeline's resources with placeholders, replaced at synth:
 * `{{stream.name}}`, `{{stream.arn}}`, `{{output.name}}`, `{{output.arn}}` (the output stream)
 * and `{{region}}`.
 */
export interface PipelineSqlAnalyticsProps {
  /**
   * The Flink SQL: `CREATE TABLE` statements over the pipeline's stream and the output, and
   * `INSERT INTO ... SELECT`. See `FlinkSqlApplicationProps.statements`.
   */
  readonly statements: string[];

  /**
   * The Flink runtime.
   *
   * @default FlinkRuntime.FLINK_1_20
   */
  readonly runtime?: FlinkRuntime;

  /**
   * A local path to the connector JAR the SQL needs (`flink-sql-connector-kinesis`).
   *
   * @default - none: only the runtime's built-in connectors
   */
  readonly connectorJar?: string;

  /**
   * Whether to create an output stream for the application's results (`{{output.arn}}`), with
   * write granted to the application.
   *
   * @default true
   */
  readonly outputStream?: boolean;

  /**
   * The output stream's settings.
   *
   * @default - on-demand capacity, with the `KinesisStream` defaults otherwise
   */
  readonly outputStreamProps?: KinesisStreamProps;
}

/**
 * Properties of a `StreamingPipeline`. Every one is optional.
 */
export interface StreamingPipelineProps {
  /**
   * An existing stream to build the pipeline on. Not together with `streamProps`.
   *
   * @default - a `KinesisStream` is created from `streamProps`
   */
  readonly stream?: IKinesisStream;

  /**
   * The settings of the stream the pipeline creates.
   *
   * @default - a provisioned stream autoscaled between 1 and 64 shards, 24-hour retention,
   * encrypted with a customer-managed key, `RETAIN`
   */
  readonly streamProps?: KinesisStreamProps;

  /**
   * Names of enhanced fan-out consumers to register on the stream.
   *
   * @default - none
   */
  readonly enhancedFanOutConsumers?: string[];

  /**
   * Lambda functions that read the stream.
   *
   * @default - none
   */
  readonly lambdaConsumers?: PipelineLambdaConsumer[];

  /**
   * The Firehose archive of the stream to S3, with a backup bucket. Not together with
   * `archiveDelivery`.
   *
   * @default - an archive with the `FirehoseDelivery` S3 defaults
   */
  readonly archive?: PipelineArchiveProps;

  /**
   * An existing Firehose delivery to monitor as the pipeline's archive, instead of creating one.
   *
   * @default - one is created from `archive`
   */
  readonly archiveDelivery?: FirehoseDelivery;

  /**
   * A Flink SQL application on the stream. Not together with `analyticsApplication`.
   *
   * @default - none
   */
  readonly sqlAnalytics?: PipelineSqlAnalyticsProps;

  /**
   * An existing Flink SQL application, to read the pipeline's stream and be monitored.
   *
   * @default - one is created from `sqlAnalytics`, if given
   */
  readonly analyticsApplication?: FlinkSqlApplication;

  /**
   * Whether to create alarms and a dashboard for every part.
   *
   * @default true
   */
  readonly monitoringEnabled?: boolean;

  /**
   * Existing monitoring to add the pipeline's alarms and widgets to. Not together with
   * `monitoringProps`.
   *
   * @default - a `StreamingMonitoring` is created from `monitoringProps`
   */
  readonly monitoring?: StreamingMonitoring;

  /**
   * The settings of the monitoring the pipeline creates.
   *
   * @default - an encrypted alarm topic and a dashboard
   */
  readonly monitoringProps?: StreamingMonitoringProps;
}

/**
 * A whole streaming platform in one construct: a stream (sized from throughput or autoscaled),
 * consumers, a Firehose archive to S3 with a backup bucket, an optional Flink SQL application,
 * and monitoring, with the defaults of the constructs it composes.
 *
 * @example
 * const orders = new StreamingPipeline(this, 'Orders');
 * orders.stream.grantWrite(producer);
 */
export class StreamingPipeline extends Construct {
  /** The stream. */
  public readonly stream: IKinesisStream;

  /** The enhanced fan-out consumers. */
  public readonly consumers: EnhancedFanOutConsumer[];

  /** The Lambda consumers. */
  public readonly lambdaConsumers: LambdaConsumer[];

  /**
   * The Firehose archive.
   *
   * @default - none when `archive.enabled` is false
   */
  public readonly archive?: FirehoseDelivery;

  /**
   * The Flink SQL application.
   *
   * @default - none unless `sqlAnalytics` or `analyticsApplication` is given
   */
  public readonly analytics?: FlinkSqlApplication;

  /**
   * The stream the Flink SQL application writes its results to.
   *
   * @default - none
   */
  public readonly analyticsOutput?: KinesisStream;

  /**
   * The monitoring.
   *
   * @default - none when `monitoringEnabled` is false
   */
  public readonly monitoring?: StreamingMonitoring;

  constructor(scope: Construct, id: string, props: StreamingPipelineProps = {}) {
    super(scope, id);
    rejectBoth(this, props.stream, 'stream', props.streamProps, 'streamProps');
    rejectBoth(this, props.archiveDelivery, 'archiveDelivery', props.archive, 'archive');
    rejectBoth(this, props.analyticsApplication, 'analyticsApplication', props.sqlAnalytics, 'sqlAnalytics');
    rejectBoth(this, props.monitoring, 'monitoring', props.monitoringProps, 'monitoringProps');
    if (props.monitoringEnabled === false && (props.monitoring || props.monitoringProps)) {
      throw new KinesisKitValidationError(this, 'monitoring and monitoringProps need monitoringEnabled, got monitoringEnabled false');
    }

    this.stream = props.stream ?? new KinesisStream(this, 'Stream', props.streamProps ?? {
      autoscaling: { minShards: 1, maxShards: 64 },
    });

    this.consumers = (props.enhancedFanOutConsumers ?? []).map((name) =>
      new EnhancedFanOutConsumer(this, `Consumer-${name}`, { stream: this.stream, consumerName: name }));

    this.lambdaConsumers = (props.lambdaConsumers ?? []).map((c, i) =>
      new LambdaConsumer(this, `LambdaConsumer${i}`, { ...c.options, stream: this.stream, function: c.function }));

    if (props.archiveDelivery) {
      this.archive = props.archiveDelivery;
    } else if (props.archive?.enabled !== false) {
      this.archive = new FirehoseDelivery(this, 'Archive', {
        source: this.stream,
        destination: DeliveryDestination.s3(props.archive?.destination ?? {}),
        transform: props.archive?.transform,
        sourceBackup: props.archive?.sourceBackup,
      });
    }

    if (props.analyticsApplication) {
      this.analytics = props.analyticsApplication;
      this.analytics.addSource(this.stream);
    } else if (props.sqlAnalytics) {
      const sql = props.sqlAnalytics;
      if (sql.outputStream !== false) {
        this.analyticsOutput = new KinesisStream(this, 'AnalyticsOutput', sql.outputStreamProps ?? {
          capacity: StreamCapacity.onDemand(),
        });
      }
      this.analytics = new FlinkSqlApplication(this, 'Analytics', {
        runtime: sql.runtime ?? FlinkRuntime.FLINK_1_20,
        connectorJar: sql.connectorJar,
        statements: sql.statements.map((s) => this.substitute(s)),
      });
      this.analytics.addSource(this.stream);
      if (this.analyticsOutput) {
        this.analytics.addSink(this.analyticsOutput);
      }
    }

    if (props.monitoringEnabled !== false) {
      this.monitoring = props.monitoring ?? new StreamingMonitoring(this, 'Monitoring', props.monitoringProps);
      this.monitoring.monitorStream(this.stream);
      if (this.analyticsOutput) {
        this.monitoring.monitorStream(this.analyticsOutput);
      }
      for (const consumer of this.consumers) {
        this.monitoring.monitorConsumer(consumer);
      }
      for (const c of props.lambdaConsumers ?? []) {
        this.monitoring.monitorLambdaConsumer(c.function);
      }
      if (this.stream instanceof KinesisStream && this.stream.autoscaler) {
        this.monitoring.monitorAutoscaler(this.stream.autoscaler);
      }
      if (this.archive) {
        this.monitoring.monitorFirehose(this.archive);
      }
      if (this.analytics) {
        this.monitoring.monitorFlink(this.analytics);
      }
    }
  }

  /** Replaces the SQL placeholders with the pipeline's tokens. */
  private substitute(statement: string): string {
    const values: Record<string, string | undefined> = {
      'stream.name': this.stream.streamName,
      'stream.arn': this.stream.streamArn,
      'output.name': this.analyticsOutput?.streamName,
      'output.arn': this.analyticsOutput?.streamArn,
      'region': Aws.REGION,
    };
    const parts = statement.split(/(\{\{[a-z.]+\}\})/);
    const resolved = parts.map((part) => {
      const match = /^\{\{([a-z.]+)\}\}$/.exec(part);
      if (!match) {
        return part;
      }
      const value = values[match[1]];
      if (value === undefined) {
        throw new KinesisKitValidationError(this,
          `sqlAnalytics.statements: unknown or unavailable placeholder '${part}', allowed: {{stream.name}}, {{stream.arn}}, {{region}}, and {{output.name}}, {{output.arn}} with an output stream`);
      }
      return value;
    });
    // Tokens concatenate into one token string (an Fn::Join once synthesized).
    return resolved.join('');
  }
}

function rejectBoth(scope: Construct, existing: unknown, existingName: string, props: unknown, propsName: string): void {
  if (existing !== undefined && props !== undefined) {
    throw new KinesisKitValidationError(scope,
      `${existingName} and ${propsName} cannot be used together: pass an existing resource or the props to create one, got both`);
  }
}
