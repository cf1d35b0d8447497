import { Duration, Names, Validations } from 'aws-cdk-lib';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sources from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { EnhancedFanOutConsumer } from './efo-consumer';
import { checkInteger, checkKinesisName, checkRange, KinesisKitValidationError } from './private/validation';

/** Lambda's bounds for a Kinesis event source mapping. */
const MAX_BATCH_SIZE = 10_000;
const MAX_BATCHING_WINDOW_SECONDS = 300;
const MIN_RECORD_AGE_SECONDS = 60;
const MAX_RECORD_AGE_SECONDS = 604_800;
const MAX_RETRY_ATTEMPTS = 10_000;
const MAX_PARALLELIZATION_FACTOR = 10;
const MAX_TUMBLING_WINDOW_SECONDS = 900;

/**
 * How a `LambdaConsumer` reads: everything but the stream and the function, for
 * `KinesisStream.addLambdaConsumer`.
 */
export interface LambdaConsumerOptions {
  /**
   * Read through a dedicated enhanced fan-out consumer (2 MiB/s per shard of its own, lower
   * latency, billed per consumer-shard-hour and GB) instead of sharing the stream's 2 MiB/s
   * per shard read throughput with the other consumers.
   *
   * @default false
   */
  readonly enhancedFanOut?: boolean;

  /**
   * The name of the enhanced fan-out consumer: 1 to 128 characters of `[a-zA-Z0-9_.-]`. Only
   * with `enhancedFanOut`.
   *
   * @default - a name derived from this construct's path
   */
  readonly consumerName?: string;

  /**
   * Where to start reading when the mapping is created: `LATEST` or `TRIM_HORIZON`.
   *
   * @default lambda.StartingPosition.LATEST
   */
  readonly startingPosition?: lambda.StartingPosition;

  /**
   * The most records in one invocation: 1 to 10,000.
   *
   * @default 100
   */
  readonly batchSize?: number;

  /**
   * How long to gather records before invoking: at most 5 minutes.
   *
   * @default - no batching window
   */
  readonly maxBatchingWindow?: Duration;

  /**
   * Records older than this are sent to the on-failure destination instead of the function:
   * 60 seconds to 7 days.
   *
   * @default Duration.hours(1)
   */
  readonly maxRecordAge?: Duration;

  /**
   * How many times a failed batch is retried before it goes to the on-failure destination:
   * 0 to 10,000. Unbounded retries (Lambda's own default) would block the shard until the
   * records expire.
   *
   * @default 10
   */
  readonly retryAttempts?: number;

  /**
   * Batches processed concurrently per shard: 1 to 10. Records with the same partition key
   * stay in order.
   *
   * @default 1
   */
  readonly parallelizationFactor?: number;

  /**
   * The size of the tumbling windows for stateful aggregation: at most 15 minutes.
   *
   * @default - no tumbling window
   */
  readonly tumblingWindow?: Duration;

  /**
   * Where the metadata of batches that failed all retries (or aged out) goes: shard id,
   * sequence numbers and the error; the records stay in the stream for their retention.
   *
   * @default - an SQS queue is created, encrypted (SSE-SQS), TLS only, keeping messages 14 days
   */
  readonly onFailure?: sqs.IQueue;

  /**
   * Split a failed batch in two and retry each half, to isolate a bad record.
   *
   * @default true
   */
  readonly bisectBatchOnError?: boolean;

  /**
   * Let the function return `{ batchItemFailures: [{ itemIdentifier: sequenceNumber }] }` so
   * only the records from the first failure on are retried. A function that returns nothing
   * reports success for the whole batch.
   *
   * @default true
   * @see https://docs.aws.amazon.com/lambda/latest/dg/services-kinesis-batchfailurereporting.html
   */
  readonly reportBatchItemFailures?: boolean;
}

/**
 * Properties of a `LambdaConsumer`.
 */
export interface LambdaConsumerProps extends LambdaConsumerOptions {
  /**
   * The stream to read.
   */
  readonly stream: kinesis.IStream;

  /**
   * The function that processes the records. It is granted the stream's read actions and
   * kms:Decrypt on the stream's key (plus the consumer's actions with `enhancedFanOut`), and
   * sqs:SendMessage on the on-failure queue.
   */
  readonly function: lambda.IFunction;
}

/**
 * A Lambda function reading a Kinesis stream through an event source mapping with safe
 * defaults: bounded retries and record age, batches bisected on error, partial batch failures
 * reported, and failures recorded in an encrypted SQS queue.
 *
 * With `enhancedFanOut` it registers an `EnhancedFanOutConsumer` (child `Consumer`) and maps
 * the function to it.
 *
 * @example
 * new LambdaConsumer(this, 'Indexer', { stream, function: indexer, batchSize: 500 });
 *
 * @see https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html
 */
export class LambdaConsumer extends Construct {
  /** The event source added to the function. */
  public readonly eventSource: lambda.IEventSource;

  /** The id of the event source mapping. */
  public readonly eventSourceMappingId: string;

  /** The ARN of the event source mapping. */
  public readonly eventSourceMappingArn: string;

  /** The on-failure destination: the queue given, or the one created (child `OnFailureQueue`). */
  public readonly onFailureQueue: sqs.IQueue;

  /**
   * The enhanced fan-out consumer the function reads through.
   *
   * @default - none, unless `enhancedFanOut`
   */
  public readonly consumer?: EnhancedFanOutConsumer;

  constructor(scope: Construct, id: string, props: LambdaConsumerProps) {
    super(scope, id);
    validateProps(this, props);

    this.onFailureQueue = props.onFailure ?? this.createOnFailureQueue();

    const eventSourceProps: sources.KinesisEventSourceProps = {
      startingPosition: props.startingPosition ?? lambda.StartingPosition.LATEST,
      batchSize: props.batchSize,
      maxBatchingWindow: props.maxBatchingWindow,
      maxRecordAge: props.maxRecordAge ?? Duration.hours(1),
      retryAttempts: props.retryAttempts ?? 10,
      parallelizationFactor: props.parallelizationFactor,
      tumblingWindow: props.tumblingWindow,
      bisectBatchOnError: props.bisectBatchOnError ?? true,
      reportBatchItemFailures: props.reportBatchItemFailures ?? true,
      onFailure: new sources.SqsDlq(this.onFailureQueue),
    };

    if (props.enhancedFanOut) {
      this.consumer = new EnhancedFanOutConsumer(this, 'Consumer', {
        stream: props.stream,
        consumerName: props.consumerName ?? Names.uniqueResourceName(this, { maxLength: 128, allowedSpecialCharacters: '-_.' }),
      });
      // Its grantRead gives the stream's grantRead (kms:Decrypt included) plus
      // DescribeStreamConsumer and SubscribeToShard on the consumer ARN.
      const source = new sources.KinesisConsumerEventSource(this.consumer.streamConsumer, eventSourceProps);
      props.function.addEventSource(source);
      this.eventSource = source;
      this.eventSourceMappingId = source.eventSourceMappingId;
      this.eventSourceMappingArn = source.eventSourceMappingArn;
    } else {
      // Calls stream.grantRead on the function: KinesisStream's is scoped and carries kms:Decrypt.
      const source = new sources.KinesisEventSource(props.stream, eventSourceProps);
      props.function.addEventSource(source);
      this.eventSource = source;
      this.eventSourceMappingId = source.eventSourceMappingId;
      this.eventSourceMappingArn = source.eventSourceMappingArn;
    }
  }

  private createOnFailureQueue(): sqs.IQueue {
    const queue = new sqs.Queue(this, 'OnFailureQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    // cdk-nag's AwsSolutions-SQS3 asks every queue to have or be a redrive DLQ. This queue is
    // the mapping's on-failure destination, the DLQ of the stream's records.
    Validations.of(queue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'The queue is the on-failure destination (dead-letter queue) of a Kinesis event source mapping; Lambda writes to it, nothing redrives from it.',
    });
    return queue;
  }
}

function validateProps(scope: Construct, props: LambdaConsumerProps): void {
  const start = props.startingPosition;
  if (start !== undefined && start !== lambda.StartingPosition.LATEST && start !== lambda.StartingPosition.TRIM_HORIZON) {
    throw new KinesisKitValidationError(scope, `startingPosition must be LATEST or TRIM_HORIZON, got ${start}`);
  }
  if (props.consumerName !== undefined && !props.enhancedFanOut) {
    throw new KinesisKitValidationError(scope,
      `consumerName can only be used with enhancedFanOut true, got consumerName '${props.consumerName}' with enhancedFanOut ${props.enhancedFanOut ?? false}`);
  }
  checkKinesisName(scope, 'consumerName', props.consumerName);

  checkInteger(scope, 'batchSize', props.batchSize);
  checkRange(scope, 'batchSize', props.batchSize, 1, MAX_BATCH_SIZE);
  checkRange(scope, 'maxBatchingWindow', seconds(props.maxBatchingWindow), 0, MAX_BATCHING_WINDOW_SECONDS, ' seconds');
  checkRange(scope, 'maxRecordAge', seconds(props.maxRecordAge), MIN_RECORD_AGE_SECONDS, MAX_RECORD_AGE_SECONDS, ' seconds');
  checkInteger(scope, 'retryAttempts', props.retryAttempts);
  checkRange(scope, 'retryAttempts', props.retryAttempts, 0, MAX_RETRY_ATTEMPTS);
  checkInteger(scope, 'parallelizationFactor', props.parallelizationFactor);
  checkRange(scope, 'parallelizationFactor', props.parallelizationFactor, 1, MAX_PARALLELIZATION_FACTOR);
  checkRange(scope, 'tumblingWindow', seconds(props.tumblingWindow), 0, MAX_TUMBLING_WINDOW_SECONDS, ' seconds');
}

/** A duration in seconds for the range checks; undefined when absent or still a token. */
function seconds(duration: Duration | undefined): number | undefined {
  if (duration === undefined || duration.isUnresolved()) {
    return undefined;
  }
  return duration.toSeconds({ integral: false });
}
