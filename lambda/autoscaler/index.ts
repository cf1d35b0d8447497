/**
 * Entry point of the shard autoscaler Lambda. Clients are created once per container; the
 * decisions live in policy.ts and the AWS calls in handler.ts.
 */
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { AutoscalerEvent, createHandler, Outcome } from './handler';
import { decodeConfigs, ENV_CONFIG, ENV_STATE_TABLE } from '../../src/private/autoscaler-config';

// Adaptive retries back off when Kinesis or CloudWatch throttle the autoscaler's own calls.
const clientConfig = { maxAttempts: 5, retryMode: 'adaptive' as const };

const run = createHandler({
  kinesis: new KinesisClient(clientConfig),
  // One attempt: see HandlerDeps.kinesisReshard.
  kinesisReshard: new KinesisClient({ maxAttempts: 1 }),
  cloudwatch: new CloudWatchClient(clientConfig),
  dynamodb: new DynamoDBClient(clientConfig),
  tableName: process.env[ENV_STATE_TABLE] ?? '',
  streams: decodeConfigs(process.env[ENV_CONFIG] ?? '[]'),
});

export async function handler(event: AutoscalerEvent): Promise<Outcome[]> {
  return run(event);
}
