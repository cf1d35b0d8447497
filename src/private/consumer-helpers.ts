import { CfnResource, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as kms from 'aws-cdk-lib/aws-kms';
import { IConstruct } from 'constructs';
import { KinesisKitValidationError } from './validation';

/** Kinesis's limit of registered (enhanced fan-out) consumers per stream. */
export const MAX_CONSUMERS_PER_STREAM = 20;

/** Kinesis's limit of consumers in the CREATING state at once, per stream. */
export const MAX_CONSUMERS_CREATING = 5;

/** What a subscriber needs on a registered consumer, scoped to the consumer ARN. */
export const CONSUMER_SUBSCRIBE_ACTIONS = [
  'kinesis:DescribeStreamConsumer',
  'kinesis:SubscribeToShard',
];

/**
 * The read actions a stream's resource policy accepts. Kinesis rejects ListStreams,
 * DescribeStreamConsumer and SubscribeToShard in a stream policy (aws-cdk-lib's
 * `UNSUPPORTED_RESOURCE_POLICY_READ_OPERATIONS`); the last two go in the consumer's policy.
 */
export const RESOURCE_POLICY_READ_ACTIONS = [
  'kinesis:DescribeStream',
  'kinesis:DescribeStreamSummary',
  'kinesis:GetRecords',
  'kinesis:GetShardIterator',
  'kinesis:ListShards',
];

const ACCOUNT_ID = /^\d{12}$/;

/** Fails when a concrete account id is not 12 digits. Unresolved tokens are skipped. */
export function checkAccountId(scope: IConstruct | string, prop: string, value: string): void {
  if (Token.isUnresolved(value)) {
    return;
  }
  if (!ACCOUNT_ID.test(value)) {
    throw new KinesisKitValidationError(scope,
      `${prop} must be an AWS account id of 12 digits, got '${value}' (${value.length} characters)`);
  }
}

/**
 * Lets another AWS account read a stream through the stream's resource policy: DescribeStream,
 * DescribeStreamSummary, GetRecords, GetShardIterator and ListShards for `AccountPrincipal`.
 *
 * The other account still needs an IAM policy of its own allowing these actions on the stream,
 * and kms:Decrypt on the stream's key. When the key is a `kms.Key` created in this app, its key
 * policy gets kms:Decrypt for the account; an imported key's policy is its owner's to change.
 *
 * Fails for a stream imported into this app: its resource policy belongs to the stack that
 * created it.
 */
export function grantReadToAccount(stream: kinesis.IStream, accountId: string): iam.AddToResourcePolicyResult {
  checkAccountId(stream, 'accountId', accountId);
  const principal = new iam.AccountPrincipal(accountId);
  const result = stream.addToResourcePolicy(new iam.PolicyStatement({
    principals: [principal],
    actions: RESOURCE_POLICY_READ_ACTIONS,
    resources: [stream.streamArn],
  }));
  if (!result.statementAdded) {
    throw new KinesisKitValidationError(stream,
      `grantReadToAccount(${accountId}) needs a stream created in this app, got an imported stream: its resource policy belongs to the stack that created it`);
  }
  grantKeyDecryptToAccount(stream, principal);
  return result;
}

/** Adds kms:Decrypt for the account to the key policy of a stream key created in this app. */
function grantKeyDecryptToAccount(stream: kinesis.IStream, principal: iam.AccountPrincipal): void {
  if (stream.encryptionKey instanceof kms.Key) {
    stream.encryptionKey.grantDecrypt(principal);
  }
}

/** One consumer registered on a stream, by a construct of this library. */
interface ConsumerSlot {
  readonly owner: IConstruct;
  readonly consumerName: string;
  /** The AWS::Kinesis::StreamConsumer, when CloudFormation registers the consumer. */
  readonly resource?: CfnResource;
}

/**
 * The consumers registered per stream, per app. Keyed by the app's root construct, so nothing
 * survives from one app to the next; within an app, by the stream's ARN when it is known
 * (two imports of one stream count together), else by the stream's construct path.
 */
const SLOTS = new WeakMap<IConstruct, Map<string, ConsumerSlot[]>>();

function slotsOf(stream: kinesis.IStream): ConsumerSlot[] {
  const root = stream.node.root;
  let byStream = SLOTS.get(root);
  if (!byStream) {
    byStream = new Map();
    SLOTS.set(root, byStream);
  }
  const key = Token.isUnresolved(stream.streamArn) ? `path:${stream.node.path}` : `arn:${stream.streamArn}`;
  let slots = byStream.get(key);
  if (!slots) {
    slots = [];
    byStream.set(key, slots);
  }
  return slots;
}

/**
 * Registers a consumer of `stream` owned by `owner`, and:
 *
 * - chains CloudFormation-registered consumers so that consumer i depends on consumer i-5:
 *   the consumers split into 5 sequential chains, so a deploy never has more than 5 consumers
 *   CREATING at once (Kinesis rejects a 6th); deletes follow the chains in reverse;
 * - adds a validation to `owner` that fails the synth when it is past the 20th consumer of the
 *   stream, or when an earlier consumer of the stream has the same name.
 *
 * Consumer names that are tokens are not compared.
 */
export function registerConsumer(stream: kinesis.IStream, owner: IConstruct, consumerName: string, resource?: CfnResource): void {
  const slots = slotsOf(stream);
  if (resource) {
    const chained = slots.filter((s) => s.resource !== undefined);
    if (chained.length >= MAX_CONSUMERS_CREATING) {
      resource.addResourceDependency(chained[chained.length - MAX_CONSUMERS_CREATING].resource!,
        `Kinesis allows ${MAX_CONSUMERS_CREATING} consumers CREATING at once per stream`);
    }
  }
  const slot: ConsumerSlot = { owner, consumerName, resource };
  slots.push(slot);

  owner.node.addValidation({
    validate: () => {
      const errors: string[] = [];
      const position = slots.indexOf(slot) + 1;
      if (position > MAX_CONSUMERS_PER_STREAM) {
        errors.push(new KinesisKitValidationError(owner,
          `stream: a stream has 1 to ${MAX_CONSUMERS_PER_STREAM} enhanced fan-out consumers, got ${slots.length} on ${stream.node.path}; consumer '${consumerName}' is number ${position}`).message);
      }
      if (!Token.isUnresolved(consumerName)) {
        const earlier = slots.slice(0, position - 1).find((s) => s.consumerName === consumerName);
        if (earlier) {
          errors.push(new KinesisKitValidationError(owner,
            `consumerName must be unique per stream, got '${consumerName}', already registered on ${stream.node.path} by ${earlier.owner.node.path}`).message);
        }
      }
      return errors;
    },
  });
}
