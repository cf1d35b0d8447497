import * as iam from 'aws-cdk-lib/aws-iam';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import { KPL_METRICS_NAMESPACE } from './limits';

/** What a producer needs on the stream. */
export const STREAM_WRITE_ACTIONS = [
  'kinesis:PutRecord',
  'kinesis:PutRecords',
  'kinesis:ListShards',
  'kinesis:DescribeStreamSummary',
];

/** What a consumer needs on the stream. */
export const STREAM_READ_ACTIONS = [
  'kinesis:GetRecords',
  'kinesis:GetShardIterator',
  'kinesis:DescribeStream',
  'kinesis:DescribeStreamSummary',
  'kinesis:ListShards',
  'kinesis:SubscribeToShard',
];

/** What a producer needs on the stream's key: Kinesis asks KMS for a data key on every put. */
export const KEY_WRITE_ACTIONS = ['kms:GenerateDataKey'];
/** What a consumer needs on the stream's key. */
export const KEY_READ_ACTIONS = ['kms:Decrypt'];

/**
 * Grants the given stream actions and, if the stream has a customer-managed key, the key actions.
 * The stream's own `grant` scopes the statement to the stream ARN and handles cross-account
 * principals through the resource policy.
 */
export function grantWithKey(
  stream: kinesis.IStream,
  grantee: iam.IGrantable,
  streamActions: string[],
  keyActions: string[],
): iam.Grant {
  const grant = stream.grant(grantee, ...unique(streamActions));
  if (stream.encryptionKey && keyActions.length > 0) {
    stream.encryptionKey.grant(grantee, ...unique(keyActions));
  }
  return grant;
}

/**
 * The extra permission a Kinesis Producer Library application needs: publishing its own
 * metrics. PutMetricData has no resource-level permissions, so the statement is limited to the
 * KPL's namespace by condition.
 */
export function grantKplMetrics(grantee: iam.IGrantable, namespace: string = KPL_METRICS_NAMESPACE): iam.Grant {
  return iam.Grant.addToPrincipal({
    grantee,
    actions: ['cloudwatch:PutMetricData'],
    resourceArns: ['*'],
    conditions: { StringEquals: { 'cloudwatch:namespace': namespace } },
  });
}

/** Producer grant: the write actions on the stream, kms:GenerateDataKey on its key. */
export function grantStreamWrite(stream: kinesis.IStream, grantee: iam.IGrantable): iam.Grant {
  return grantWithKey(stream, grantee, STREAM_WRITE_ACTIONS, KEY_WRITE_ACTIONS);
}

/** Consumer grant: the read actions on the stream, kms:Decrypt on its key. */
export function grantStreamRead(stream: kinesis.IStream, grantee: iam.IGrantable): iam.Grant {
  return grantWithKey(stream, grantee, STREAM_READ_ACTIONS, KEY_READ_ACTIONS);
}

/** Both the producer and the consumer grant. */
export function grantStreamReadWrite(stream: kinesis.IStream, grantee: iam.IGrantable): iam.Grant {
  return grantWithKey(stream, grantee,
    [...STREAM_READ_ACTIONS, ...STREAM_WRITE_ACTIONS],
    [...KEY_READ_ACTIONS, ...KEY_WRITE_ACTIONS]);
}

/** KPL producer grant: the producer grant plus PutMetricData in the KPL namespace. */
export function grantStreamKplWrite(stream: kinesis.IStream, grantee: iam.IGrantable, namespace?: string): iam.Grant {
  grantKplMetrics(grantee, namespace);
  return grantStreamWrite(stream, grantee);
}

function unique(values: string[]): string[] {
  return Array.from(new Set(values));
}
