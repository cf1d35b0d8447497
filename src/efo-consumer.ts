import { Duration, IResource, Resource } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import { Construct } from 'constructs';
import {
  checkAccountId,
  CONSUMER_SUBSCRIBE_ACTIONS,
  grantReadToAccount,
  registerConsumer,
} from './private/consumer-helpers';
import { grantStreamRead } from './private/grants';
import { checkKinesisName } from './private/validation';

/**
 * An enhanced fan-out consumer of a Kinesis data stream.
 */
export interface IEnhancedFanOutConsumer extends IResource {
  /**
   * The consumer's ARN: `<stream ARN>/consumer/<name>:<creation timestamp>`.
   *
   * @attribute
   */
  readonly consumerArn: string;

  /**
   * The consumer's name.
   *
   * @attribute
   */
  readonly consumerName: string;

  /** The stream the consumer is registered with. */
  readonly stream: kinesis.IStream;

  /**
   * Grants a subscriber what it needs to read through this consumer: the stream's read actions
   * (with kms:Decrypt on the stream's key), plus DescribeStreamConsumer and SubscribeToShard on
   * the consumer ARN.
   */
  grantSubscribe(grantee: iam.IGrantable): iam.Grant;
}

/**
 * Properties of an `EnhancedFanOutConsumer`.
 */
export interface EnhancedFanOutConsumerProps {
  /**
   * The stream to register the consumer with. A `KinesisStream` fits, and so does any
   * aws-cdk-lib `kinesis.IStream`.
   */
  readonly stream: kinesis.IStream;

  /**
   * The consumer's name: 1 to 128 characters of `[a-zA-Z0-9_.-]`, unique per stream. Changing it
   * replaces the consumer.
   *
   * @see https://docs.aws.amazon.com/kinesis/latest/APIReference/API_RegisterStreamConsumer.html
   */
  readonly consumerName: string;
}

/**
 * An enhanced fan-out consumer: a registered consumer with its own 2 MiB/s per shard, pushed
 * over `SubscribeToShard`.
 *
 * Kinesis allows at most 20 consumers per stream, which the synth checks across this app, and at
 * most 5 of them being created at once: the consumers of one stream are chained with
 * CloudFormation dependencies (consumer i waits for consumer i-5) so a deploy stays within it.
 *
 * It wraps aws-cdk-lib's `kinesis.StreamConsumer`, its child `Resource`.
 *
 * @example
 * const consumer = new EnhancedFanOutConsumer(this, 'Analytics', { stream, consumerName: 'analytics' });
 * consumer.grantSubscribe(analyticsRole);
 *
 * @see https://docs.aws.amazon.com/streams/latest/dev/enhanced-consumers.html
 */
export class EnhancedFanOutConsumer extends Resource implements IEnhancedFanOutConsumer {
  public readonly consumerArn: string;
  public readonly consumerName: string;
  public readonly stream: kinesis.IStream;

  /**
   * The aws-cdk-lib consumer this wraps, for the aws-cdk-lib APIs that take a
   * `kinesis.IStreamConsumer` (such as `KinesisConsumerEventSource`).
   */
  public readonly streamConsumer: kinesis.IStreamConsumer;

  private readonly resource: kinesis.StreamConsumer;

  constructor(scope: Construct, id: string, props: EnhancedFanOutConsumerProps) {
    super(scope, id);
    checkKinesisName(this, 'consumerName', props.consumerName);

    this.stream = props.stream;
    this.resource = new kinesis.StreamConsumer(this, 'Resource', {
      stream: props.stream,
      streamConsumerName: props.consumerName,
    });
    this.streamConsumer = this.resource;
    this.consumerArn = this.resource.streamConsumerArn;
    this.consumerName = props.consumerName;

    registerConsumer(props.stream, this, props.consumerName, this.resource.node.defaultChild as kinesis.CfnStreamConsumer);
  }

  /**
   * Grants a subscriber what it needs to read through this consumer: the stream's read actions
   * (GetRecords, GetShardIterator, DescribeStream, DescribeStreamSummary, ListShards,
   * SubscribeToShard) with kms:Decrypt on the stream's key, plus DescribeStreamConsumer and
   * SubscribeToShard on the consumer ARN, which stream grants alone do not cover.
   */
  public grantSubscribe(grantee: iam.IGrantable): iam.Grant {
    const streamGrant = grantStreamRead(this.stream, grantee);
    return streamGrant.combine(this.resource.grant(grantee, ...CONSUMER_SUBSCRIBE_ACTIONS));
  }

  /**
   * Lets another AWS account subscribe through this consumer: DescribeStreamConsumer and
   * SubscribeToShard in the consumer's resource policy, the stream's read actions in the
   * stream's resource policy (see `grantReadToAccount`), and kms:Decrypt in the stream key's
   * policy when that key is created in this app. An imported key's policy must be changed by
   * its owner. The other account still grants its own principals with IAM.
   *
   * @param accountId the 12-digit id of the account that subscribes
   */
  public grantSubscribeToAccount(accountId: string): void {
    checkAccountId(this, 'accountId', accountId);
    grantReadToAccount(this.stream, accountId);
    this.resource.addToResourcePolicy(new iam.PolicyStatement({
      principals: [new iam.AccountPrincipal(accountId)],
      actions: CONSUMER_SUBSCRIBE_ACTIONS,
      resources: [this.consumerArn],
    }));
  }

  /**
   * A metric of this consumer, in `AWS/Kinesis` with the StreamName and ConsumerName dimensions.
   *
   * @param metricName e.g. `SubscribeToShardEvent.Bytes`
   * @param props overrides
   * @default - statistic Average, period 5 minutes
   */
  public metric(metricName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: 'AWS/Kinesis',
      metricName,
      dimensionsMap: {
        StreamName: this.stream.streamName,
        ConsumerName: this.consumerName,
      },
      ...props,
    }).attachTo(this);
  }

  /**
   * How far this consumer's subscriptions lag behind the tip of the stream, in milliseconds
   * (`SubscribeToShardEvent.MillisBehindLatest`). The enhanced fan-out counterpart of the
   * stream's `GetRecords.IteratorAgeMilliseconds`.
   *
   * @default - statistic Maximum, period 1 minute
   */
  public metricMillisBehindLatest(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('SubscribeToShardEvent.MillisBehindLatest', {
      statistic: cloudwatch.Stats.MAXIMUM,
      period: Duration.minutes(1),
      ...props,
    });
  }
}
