import * as fs from 'fs';
import * as path from 'path';
import { App, CfnParameter, Duration, RemovalPolicy, Size, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as firehose from 'aws-cdk-lib/aws-kinesisfirehose';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import { DeliveryDestination, FirehoseDelivery, FirehoseDeliveryProps, S3DestinationProps } from '../src/firehose';
import { DestinationType } from '../src/firehose-destinations';
import { KinesisStream } from '../src/stream';
import { deliveryStream, logicalId, newFirehoseStack as newStack, policyStatements, quiet } from './setup/util';

const STREAM_ARN = 'arn:aws:kinesis:eu-west-1:123456789012:stream/existing';
const KEY_ARN = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const FUNCTION_ARN = 'arn:aws:lambda:eu-west-1:123456789012:function:transform';
const ERROR_PREFIX = 'errors/!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd}/';

function s3Config(template: Template): any {
  return deliveryStream(template).Properties.ExtendedS3DestinationConfiguration;
}

function transformFunction(stack: Stack): lambda.IFunction {
  return lambda.Function.fromFunctionArn(stack, 'Transform', FUNCTION_ARN);
}

/** A Direct PUT delivery to S3 in a fresh stack. */
function s3Delivery(destination: S3DestinationProps = {}, props: Partial<FirehoseDeliveryProps> = {}) {
  const stack = newStack();
  const delivery = new FirehoseDelivery(stack, 'Delivery', { ...props, destination: DeliveryDestination.s3(destination) });
  return { stack, delivery, template: Template.fromStack(stack) };
}

describe('FirehoseDelivery to S3: secure defaults', () => {
  test('the created bucket: SSE-KMS with a rotating key, public access blocked, TLS only, versioned, logged, lifecycle, RETAIN', () => {
    // GIVEN
    const stack = newStack();
    // WHEN
    new FirehoseDelivery(stack, 'Delivery', { destination: DeliveryDestination.s3() });
    // THEN
    const template = Template.fromStack(stack);
    const keyId = logicalId(template, 'AWS::KMS::Key', 'DeliveryKey');
    const bucketId = logicalId(template, 'AWS::S3::Bucket', 'DeliveryBucket');
    const logsId = logicalId(template, 'AWS::S3::Bucket', 'DeliveryAccessLogsBucket');
    template.hasResource('AWS::KMS::Key', {
      Properties: { EnableKeyRotation: true },
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
    template.hasResource('AWS::S3::Bucket', {
      Properties: {
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [{
            ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: { 'Fn::GetAtt': [keyId, 'Arn'] } },
            BucketKeyEnabled: true,
          }],
        },
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        VersioningConfiguration: { Status: 'Enabled' },
        LoggingConfiguration: { DestinationBucketName: { Ref: logsId }, LogFilePrefix: 'Bucket/' },
        LifecycleConfiguration: {
          Rules: [{
            Id: 'InfrequentAccessAfter30Days',
            Status: 'Enabled',
            Transitions: [{ StorageClass: 'STANDARD_IA', TransitionInDays: 30 }],
            NoncurrentVersionTransitions: [{ StorageClass: 'STANDARD_IA', TransitionInDays: 30 }],
            AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 },
          }],
        },
      },
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
    expect(template.findResources('AWS::S3::Bucket')[bucketId]).toBeDefined();
    expect(template.toJSON()).toMatchSnapshot();
  });

  test('every created bucket denies requests without TLS', () => {
    const { template } = s3Delivery();
    const policies = Object.values<any>(template.findResources('AWS::S3::BucketPolicy'));
    // the delivery bucket, the backup bucket and the access-log bucket
    expect(policies).toHaveLength(3);
    for (const policy of policies) {
      expect(policy.Properties.PolicyDocument.Statement).toContainEqual(expect.objectContaining({
        Effect: 'Deny',
        Action: 's3:*',
        Principal: { AWS: '*' },
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      }));
    }
  });

  test('the access-log bucket is SSE-S3 (S3 cannot log to SSE-KMS), private, TLS only, RETAIN', () => {
    const { template } = s3Delivery();
    const logsId = logicalId(template, 'AWS::S3::Bucket', 'DeliveryAccessLogsBucket');
    const bucket = template.findResources('AWS::S3::Bucket')[logsId];
    expect(bucket.Properties.BucketEncryption).toEqual({
      ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
    });
    expect(bucket.Properties.PublicAccessBlockConfiguration.BlockPublicPolicy).toBe(true);
    expect(bucket.DeletionPolicy).toBe('Retain');
  });

  test('the error log group is encrypted with the key, which CloudWatch Logs may use for log groups only', () => {
    const { template } = s3Delivery();
    const keyId = logicalId(template, 'AWS::KMS::Key', 'DeliveryKey');
    template.hasResource('AWS::Logs::LogGroup', {
      Properties: { KmsKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] }, RetentionInDays: 365 },
      DeletionPolicy: 'Retain',
    });
    template.resourceCountIs('AWS::Logs::LogGroup', 1);
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([{
          Effect: 'Allow',
          Principal: { Service: { 'Fn::Join': ['', ['logs.', { Ref: 'AWS::Region' }, '.amazonaws.com']] } },
          Action: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
          Resource: '*',
          Condition: {
            ArnLike: {
              'kms:EncryptionContext:aws:logs:arn': {
                'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':logs:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':log-group:*']],
              },
            },
          },
        }]),
      },
    });
  });

  test('the delivery stream: Direct PUT with SSE, 5 MiB / 300 s, data/ and error prefixes, delivery and backup logged', () => {
    const { template } = s3Delivery();
    const stream = deliveryStream(template);
    expect(stream.Properties.DeliveryStreamType).toBe('DirectPut');
    expect(stream.Properties.DeliveryStreamEncryptionConfigurationInput).toEqual({ KeyType: 'AWS_OWNED_CMK' });
    const config = stream.Properties.ExtendedS3DestinationConfiguration;
    expect(config).toMatchObject({
      BufferingHints: { IntervalInSeconds: 300, SizeInMBs: 5 },
      Prefix: 'data/',
      ErrorOutputPrefix: ERROR_PREFIX,
      CloudWatchLoggingOptions: { Enabled: true, LogStreamName: { Ref: expect.stringMatching(/^DeliveryDestinationLogStream/) } },
      EncryptionConfiguration: { KMSEncryptionConfig: { AWSKMSKeyARN: { 'Fn::GetAtt': [logicalId(template, 'AWS::KMS::Key', 'DeliveryKey'), 'Arn'] } } },
      S3BackupConfiguration: { CloudWatchLoggingOptions: { Enabled: true, LogStreamName: { Ref: expect.stringMatching(/^DeliveryBackupLogStream/) } } },
    });
    expect(config.CompressionFormat).toBeUndefined();
  });

  test('removalPolicy applies to the created buckets, key and log group', () => {
    const { template } = s3Delivery({}, { removalPolicy: RemovalPolicy.DESTROY });
    for (const type of ['AWS::S3::Bucket', 'AWS::KMS::Key', 'AWS::Logs::LogGroup']) {
      for (const resource of Object.values<any>(template.findResources(type))) {
        expect(resource.DeletionPolicy).toBe('Delete');
      }
    }
  });

  test('lifecycleRules replace the default rule', () => {
    const { template } = s3Delivery({ lifecycleRules: [{ id: 'Expire', expiration: Duration.days(400) }] });
    const bucketId = logicalId(template, 'AWS::S3::Bucket', 'DeliveryBucket');
    expect(template.findResources('AWS::S3::Bucket')[bucketId].Properties.LifecycleConfiguration).toEqual({
      Rules: [{ Id: 'Expire', ExpirationInDays: 400, Status: 'Enabled' }],
    });
  });

  test('a given bucket is used as it is: no bucket, no access-log bucket is created for it', () => {
    const stack = newStack();
    const bucket = s3.Bucket.fromBucketName(stack, 'Existing', 'existing-bucket');
    new FirehoseDelivery(stack, 'Delivery', { destination: DeliveryDestination.s3({ bucket }), sourceBackup: false });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::S3::Bucket', 0);
    expect(s3Config(template).BucketARN).toEqual({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::existing-bucket']] });
  });

  test('a given key and access-log bucket are used for the created buckets', () => {
    const stack = newStack();
    const key = new kms.Key(stack, 'MyKey');
    const accessLogs = new s3.Bucket(stack, 'MyLogs');
    const delivery = new FirehoseDelivery(stack, 'Delivery', {
      destination: DeliveryDestination.s3(),
      encryptionKey: key,
      serverAccessLogsBucket: accessLogs,
    });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::KMS::Key', 1);
    template.resourceCountIs('AWS::S3::Bucket', 3);
    template.hasResourceProperties('AWS::S3::Bucket', {
      LoggingConfiguration: { DestinationBucketName: { Ref: logicalId(template, 'AWS::S3::Bucket', 'MyLogs') }, LogFilePrefix: 'BackupBucket/' },
    });
    expect(delivery.encryptionKey).toBe(key);
    expect(delivery.serverAccessLogsBucket).toBe(accessLogs);
  });

  test('exposes what it creates', () => {
    const { delivery } = s3Delivery();
    expect(delivery.destinationType).toBe(DestinationType.S3);
    expect(delivery.deliveryStream).toBeInstanceOf(firehose.DeliveryStream);
    expect(delivery.cfnDeliveryStream).toBeInstanceOf(firehose.CfnDeliveryStream);
    expect(delivery.bucket).toBeInstanceOf(s3.Bucket);
    expect(delivery.backupBucket).toBeInstanceOf(s3.Bucket);
    expect(delivery.serverAccessLogsBucket).toBeInstanceOf(s3.Bucket);
    expect(delivery.encryptionKey).toBeInstanceOf(kms.Key);
    expect(delivery.logGroup).toBeInstanceOf(logs.LogGroup);
    expect(delivery.role).toBeInstanceOf(iam.Role);
    expect(delivery.bufferingInterval.toSeconds()).toBe(300);
  });

  test('the role trusts Firehose with the account as external id', () => {
    const { template } = s3Delivery();
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [{
          Action: 'sts:AssumeRole',
          Effect: 'Allow',
          Principal: { Service: 'firehose.amazonaws.com' },
          Condition: { StringEquals: { 'sts:ExternalId': { Ref: 'AWS::AccountId' } } },
        }],
      },
    });
  });

  test('the delivery stream waits for the role policy', () => {
    const { template } = s3Delivery();
    expect(deliveryStream(template).DependsOn).toEqual(expect.arrayContaining([
      logicalId(template, 'AWS::IAM::Policy', 'DeliveryRoleDefaultPolicy'),
    ]));
  });
});

describe('FirehoseDelivery server-side encryption', () => {
  test('a customer-managed key is created with rotation when none is given', () => {
    const { template, delivery } = s3Delivery({}, { encryption: firehose.StreamEncryption.customerManagedKey() });
    const keyId = logicalId(template, 'AWS::KMS::Key', 'DeliveryStreamKey');
    expect(deliveryStream(template).Properties.DeliveryStreamEncryptionConfigurationInput).toEqual({
      KeyType: 'CUSTOMER_MANAGED_CMK',
      KeyARN: { 'Fn::GetAtt': [keyId, 'Arn'] },
    });
    expect(template.findResources('AWS::KMS::Key')[keyId].Properties.EnableKeyRotation).toBe(true);
    expect(delivery.streamEncryptionKey).toBeDefined();
  });

  test('StreamEncryption.unencrypted() turns it off', () => {
    const { template } = s3Delivery({}, { encryption: firehose.StreamEncryption.unencrypted() });
    expect(deliveryStream(template).Properties.DeliveryStreamEncryptionConfigurationInput).toBeUndefined();
  });

  test.each([
    [firehose.StreamEncryption.awsOwnedKey(), 'AWS_OWNED'],
    [firehose.StreamEncryption.customerManagedKey(), 'CUSTOMER_MANAGED'],
  ])('is rejected with a Kinesis stream source (%#)', (encryption, name) => {
    const stack = newStack();
    const source = new KinesisStream(stack, 'Orders');
    expect(() => new FirehoseDelivery(stack, 'Delivery', { source, encryption, destination: DeliveryDestination.s3() }))
      .toThrow(new RegExp(`TestStack/Delivery: encryption cannot be set with a Kinesis stream source, got ${name}`));
  });
});

describe('FirehoseDelivery from a Kinesis stream', () => {
  test('with a customer-managed key: the role reads the stream and decrypts with its key', () => {
    // GIVEN
    const stack = newStack();
    const source = new KinesisStream(stack, 'Orders');
    // WHEN
    new FirehoseDelivery(stack, 'Delivery', { source, destination: DeliveryDestination.s3() });
    // THEN
    const template = Template.fromStack(stack);
    const streamId = logicalId(template, 'AWS::Kinesis::Stream', 'Orders');
    const streamKeyId = logicalId(template, 'AWS::KMS::Key', 'OrdersKey');
    const statements = policyStatements(template);
    expect(statements).toContainEqual({
      Effect: 'Allow',
      Action: [
        'kinesis:DescribeStream',
        'kinesis:DescribeStreamSummary',
        'kinesis:GetRecords',
        'kinesis:GetShardIterator',
        'kinesis:ListShards',
        'kinesis:SubscribeToShard',
      ],
      Resource: { 'Fn::GetAtt': [streamId, 'Arn'] },
    });
    expect(statements).toContainEqual({ Effect: 'Allow', Action: 'kms:Decrypt', Resource: { 'Fn::GetAtt': [streamKeyId, 'Arn'] } });
    const stream = deliveryStream(template);
    expect(stream.Properties.DeliveryStreamType).toBe('KinesisStreamAsSource');
    expect(stream.Properties.KinesisStreamSourceConfiguration).toEqual({
      KinesisStreamARN: { 'Fn::GetAtt': [streamId, 'Arn'] },
      RoleARN: { 'Fn::GetAtt': [logicalId(template, 'AWS::IAM::Role', 'DeliveryRole'), 'Arn'] },
    });
    expect(stream.Properties.DeliveryStreamEncryptionConfigurationInput).toBeUndefined();
    expect(template.toJSON()).toMatchSnapshot();
  });

  test('an imported stream with its key: kms:Decrypt on that key', () => {
    const stack = quiet(new Stack(new App(), 'TestStack', { env: { account: '123456789012', region: 'eu-west-1' } }));
    const key = kms.Key.fromKeyArn(stack, 'Key', KEY_ARN);
    const source = KinesisStream.fromKinesisStreamAttributes(stack, 'Existing', { streamArn: STREAM_ARN, encryptionKey: key });
    new FirehoseDelivery(stack, 'Delivery', { source, destination: DeliveryDestination.s3() });
    const statements = policyStatements(Template.fromStack(stack));
    expect(statements).toContainEqual({ Effect: 'Allow', Action: 'kms:Decrypt', Resource: KEY_ARN });
    expect(statements).toContainEqual(expect.objectContaining({ Action: expect.arrayContaining(['kinesis:GetRecords']), Resource: STREAM_ARN }));
  });

  test('an aws-cdk-lib stream works too', () => {
    const stack = newStack();
    const source = new kinesis.Stream(stack, 'Plain', { encryption: kinesis.StreamEncryption.KMS });
    new FirehoseDelivery(stack, 'Delivery', { source, destination: DeliveryDestination.s3() });
    const template = Template.fromStack(stack);
    expect(policyStatements(template)).toContainEqual({
      Effect: 'Allow',
      Action: 'kms:Decrypt',
      Resource: { 'Fn::GetAtt': [logicalId(template, 'AWS::KMS::Key', 'PlainKey'), 'Arn'] },
    });
  });

  test('grantPutRecords is for Direct PUT only', () => {
    const stack = newStack();
    const source = new KinesisStream(stack, 'Orders');
    const delivery = new FirehoseDelivery(stack, 'Delivery', { source, destination: DeliveryDestination.s3() });
    const producer = new iam.Role(stack, 'Producer', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    expect(() => delivery.grantPutRecords(producer))
      .toThrow(/TestStack\/Delivery: grantPutRecords needs a Direct PUT delivery stream, got one reading a Kinesis stream/);
  });
});

describe('FirehoseDelivery grants', () => {
  test('grantPutRecords: PutRecord and PutRecordBatch on the delivery stream ARN', () => {
    const stack = newStack();
    const delivery = new FirehoseDelivery(stack, 'Delivery', { destination: DeliveryDestination.s3() });
    const producer = new iam.Role(stack, 'Producer', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    delivery.grantPutRecords(producer);
    const template = Template.fromStack(stack);
    const streamId = Object.keys(template.findResources('AWS::KinesisFirehose::DeliveryStream'))[0];
    const producerPolicy = Object.entries<any>(template.findResources('AWS::IAM::Policy'))
      .find(([id]) => id.startsWith('ProducerDefaultPolicy'))![1];
    expect(producerPolicy.Properties.PolicyDocument.Statement).toEqual([{
      Effect: 'Allow',
      Action: ['firehose:PutRecord', 'firehose:PutRecordBatch'],
      Resource: { 'Fn::GetAtt': [streamId, 'Arn'] },
    }]);
  });

  test('no statement of the role has Resource "*"', () => {
    const stack = newStack();
    const source = new KinesisStream(stack, 'Orders');
    new FirehoseDelivery(stack, 'Delivery', {
      source,
      transform: { function: transformFunction(stack) },
      destination: DeliveryDestination.s3({
        dataFormatConversion: { outputFormat: firehose.OutputFormat.PARQUET, databaseName: 'analytics', tableName: 'orders' },
      }),
    });
    const statements = policyStatements(Template.fromStack(stack));
    expect(statements.filter((s: any) => s.Resource === '*')).toEqual([]);
  });
});

describe('FirehoseDelivery source backup', () => {
  test('is on by default: every record to the created backup bucket under source-records/', () => {
    const { template } = s3Delivery();
    const backupId = logicalId(template, 'AWS::S3::Bucket', 'DeliveryBackupBucket');
    const config = s3Config(template);
    expect(config.S3BackupMode).toBe('Enabled');
    expect(config.S3BackupConfiguration).toMatchObject({
      BucketARN: { 'Fn::GetAtt': [backupId, 'Arn'] },
      Prefix: 'source-records/',
      EncryptionConfiguration: { KMSEncryptionConfig: { AWSKMSKeyARN: { 'Fn::GetAtt': [logicalId(template, 'AWS::KMS::Key', 'DeliveryKey'), 'Arn'] } } },
    });
    // the backup bucket has the same secure defaults
    const bucket = template.findResources('AWS::S3::Bucket')[backupId];
    expect(bucket.Properties.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.SSEAlgorithm).toBe('aws:kms');
    expect(bucket.Properties.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    expect(bucket.Properties.PublicAccessBlockConfiguration.RestrictPublicBuckets).toBe(true);
    expect(bucket.Properties.LifecycleConfiguration.Rules[0].Id).toBe('InfrequentAccessAfter30Days');
    expect(bucket.DeletionPolicy).toBe('Retain');
  });

  test('can be turned off', () => {
    const { template, delivery } = s3Delivery({}, { sourceBackup: false });
    const config = s3Config(template);
    expect(config.S3BackupMode).toBeUndefined();
    expect(config.S3BackupConfiguration).toBeUndefined();
    // the delivery bucket and the access-log bucket
    template.resourceCountIs('AWS::S3::Bucket', 2);
    expect(delivery.backupBucket).toBeUndefined();
    expect(template.toJSON()).toMatchSnapshot();
  });

  test('can go to an existing bucket, with its own prefix and lifecycle', () => {
    const stack = newStack();
    const backupBucket = s3.Bucket.fromBucketName(stack, 'Archive', 'archive-bucket');
    new FirehoseDelivery(stack, 'Delivery', {
      destination: DeliveryDestination.s3(),
      backupBucket,
      backupPrefix: 'raw/!{timestamp:yyyy/MM/dd}/',
    });
    const template = Template.fromStack(stack);
    expect(s3Config(template).S3BackupConfiguration).toMatchObject({
      BucketARN: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::archive-bucket']] },
      Prefix: 'raw/!{timestamp:yyyy/MM/dd}/',
      ErrorOutputPrefix: ERROR_PREFIX,
    });
    expect(Object.keys(template.findResources('AWS::S3::Bucket')).filter((id) => id.startsWith('DeliveryBackupBucket'))).toEqual([]);
  });

  test('backupLifecycleRules apply to the created backup bucket', () => {
    const { template } = s3Delivery({}, { backupLifecycleRules: [{ id: 'Glacier', transitions: [{ storageClass: s3.StorageClass.GLACIER, transitionAfter: Duration.days(90) }] }] });
    const backupId = logicalId(template, 'AWS::S3::Bucket', 'DeliveryBackupBucket');
    expect(template.findResources('AWS::S3::Bucket')[backupId].Properties.LifecycleConfiguration.Rules).toEqual([
      { Id: 'Glacier', Status: 'Enabled', Transitions: [{ StorageClass: 'GLACIER', TransitionInDays: 90 }] },
    ]);
  });

  interface BackupCase {
    readonly sourceBackup?: boolean;
    readonly existingBucket?: boolean;
    readonly backupLifecycleRules?: s3.LifecycleRule[];
    readonly backupPrefix?: string;
  }
  test.each<[string, BackupCase, RegExp]>([
    ['an existing bucket without backup', { sourceBackup: false, existingBucket: true }, /TestStack\/Delivery: backupBucket cannot be used with sourceBackup false for an S3 destination/],
    ['lifecycle rules for an existing bucket', { existingBucket: true, backupLifecycleRules: [] }, /backupLifecycleRules apply to the created backup bucket, got them with an existing backupBucket/],
    ['an error-output-type in the backup prefix', { backupPrefix: 'raw/!{firehose:error-output-type}/' }, /backupPrefix cannot use !\{firehose:error-output-type\}/],
  ])('rejects %s', (_name, { existingBucket, ...props }, message) => {
    const stack = newStack();
    const backupBucket = existingBucket ? s3.Bucket.fromBucketName(stack, 'Archive', 'archive') : undefined;
    expect(() => new FirehoseDelivery(stack, 'Delivery', { ...props, backupBucket, destination: DeliveryDestination.s3() }))
      .toThrow(message);
  });
});

describe('FirehoseDelivery Lambda transform', () => {
  test('the processor has every parameter explicit, with the defaults', () => {
    // GIVEN
    const stack = newStack();
    // WHEN
    new FirehoseDelivery(stack, 'Delivery', { transform: { function: transformFunction(stack) }, destination: DeliveryDestination.s3() });
    // THEN
    const template = Template.fromStack(stack);
    const roleId = logicalId(template, 'AWS::IAM::Role', 'DeliveryRole');
    expect(s3Config(template).ProcessingConfiguration).toEqual({
      Enabled: true,
      Processors: [{
        Type: 'Lambda',
        Parameters: [
          { ParameterName: 'LambdaArn', ParameterValue: FUNCTION_ARN },
          { ParameterName: 'NumberOfRetries', ParameterValue: '3' },
          { ParameterName: 'RoleArn', ParameterValue: { 'Fn::GetAtt': [roleId, 'Arn'] } },
          { ParameterName: 'BufferSizeInMBs', ParameterValue: '1' },
          { ParameterName: 'BufferIntervalInSeconds', ParameterValue: '60' },
        ],
      }],
    });
    expect(template.toJSON()).toMatchSnapshot();
  });

  test('records marked ProcessingFailed land under the error prefix\'s processing-failed folder', () => {
    const { template } = s3Delivery({}, {});
    // !{firehose:error-output-type} evaluates to processing-failed for them
    expect(s3Config(template).ErrorOutputPrefix).toBe(ERROR_PREFIX);
    const stack = newStack();
    new FirehoseDelivery(stack, 'Delivery', {
      transform: { function: transformFunction(stack) },
      destination: DeliveryDestination.s3({ errorOutputPrefix: 'failed/!{firehose:error-output-type}/' }),
    });
    expect(s3Config(Template.fromStack(stack)).ErrorOutputPrefix).toBe('failed/!{firehose:error-output-type}/');
  });

  test('sub-MiB buffers, zero retries and an interval are passed as given', () => {
    const stack = newStack();
    new FirehoseDelivery(stack, 'Delivery', {
      transform: { function: transformFunction(stack), bufferSize: Size.kibibytes(256), bufferInterval: Duration.seconds(0), retries: 0 },
      destination: DeliveryDestination.s3(),
    });
    const parameters = s3Config(Template.fromStack(stack)).ProcessingConfiguration.Processors[0].Parameters;
    expect(parameters).toEqual(expect.arrayContaining([
      { ParameterName: 'BufferSizeInMBs', ParameterValue: '0.25' },
      { ParameterName: 'BufferIntervalInSeconds', ParameterValue: '0' },
      { ParameterName: 'NumberOfRetries', ParameterValue: '0' },
    ]));
  });

  test('the role may invoke the function, its versions and aliases', () => {
    const stack = newStack();
    new FirehoseDelivery(stack, 'Delivery', { transform: { function: transformFunction(stack) }, destination: DeliveryDestination.s3() });
    expect(policyStatements(Template.fromStack(stack))).toContainEqual({
      Effect: 'Allow',
      Action: ['lambda:GetFunctionConfiguration', 'lambda:InvokeFunction'],
      Resource: [FUNCTION_ARN, `${FUNCTION_ARN}:*`],
    });
  });

  test.each([
    [{ bufferSize: Size.kibibytes(100) }, /TestStack\/Delivery: transform.bufferSize must be between 0.2 and 3 MiB, got 0.09765625 MiB/],
    [{ bufferSize: Size.mebibytes(4) }, /transform.bufferSize must be between 0.2 and 3 MiB, got 4 MiB/],
    [{ bufferInterval: Duration.seconds(901) }, /transform.bufferInterval must be between 0 and 900 seconds, got 901 seconds/],
    [{ retries: 301 }, /transform.retries must be between 0 and 300, got 301/],
    [{ retries: -1 }, /transform.retries must be between 0 and 300, got -1/],
    [{ retries: 1.5 }, /transform.retries must be a whole number, got 1.5/],
  ])('rejects %#', (options, message) => {
    const stack = newStack();
    expect(() => new FirehoseDelivery(stack, 'Delivery', {
      transform: { function: transformFunction(stack), ...options },
      destination: DeliveryDestination.s3(),
    })).toThrow(message);
  });
});

describe('FirehoseDelivery S3 buffering and compression', () => {
  test('buffering and compression pass through; sizes are converted to MiB', () => {
    const { template } = s3Delivery({
      bufferingSize: Size.kibibytes(64 * 1024),
      bufferingInterval: Duration.minutes(1),
      compression: firehose.Compression.GZIP,
    });
    expect(s3Config(template)).toMatchObject({
      BufferingHints: { SizeInMBs: 64, IntervalInSeconds: 60 },
      CompressionFormat: 'GZIP',
    });
  });

  test.each([
    [firehose.Compression.SNAPPY, 'Snappy'],
    [firehose.Compression.HADOOP_SNAPPY, 'HADOOP_SNAPPY'],
    [firehose.Compression.ZIP, 'ZIP'],
  ])('compression %#', (compression, value) => {
    const { template } = s3Delivery({ compression });
    expect(s3Config(template).CompressionFormat).toBe(value);
  });

  test.each([
    [{ bufferingSize: Size.mebibytes(0) }, /TestStack\/Delivery: destination.bufferingSize must be between 1 and 128 MiB, got 0 MiB/],
    [{ bufferingSize: Size.mebibytes(129) }, /destination.bufferingSize must be between 1 and 128 MiB, got 129 MiB/],
    [{ bufferingSize: Size.kibibytes(1536) }, /destination.bufferingSize \(MiB\) must be a whole number, got 1.5/],
    [{ bufferingInterval: Duration.seconds(901) }, /destination.bufferingInterval must be between 0 and 900 seconds, got 901 seconds/],
  ])('rejects %#', (destination, message) => {
    expect(() => s3Delivery(destination)).toThrow(message);
  });
});

describe('FirehoseDelivery format conversion', () => {
  test('JSON to Parquet with a Glue table by name: 128 MiB buffer, schema, glue grants on catalog, database and table', () => {
    // GIVEN
    const stack = newStack();
    // WHEN
    new FirehoseDelivery(stack, 'Delivery', {
      destination: DeliveryDestination.s3({
        dataFormatConversion: { outputFormat: firehose.OutputFormat.PARQUET, databaseName: 'analytics', tableName: 'orders' },
      }),
    });
    // THEN
    const template = Template.fromStack(stack);
    const roleId = logicalId(template, 'AWS::IAM::Role', 'DeliveryRole');
    const config = s3Config(template);
    expect(config.BufferingHints).toEqual({ SizeInMBs: 128, IntervalInSeconds: 300 });
    expect(config.DataFormatConversionConfiguration).toEqual({
      Enabled: true,
      InputFormatConfiguration: { Deserializer: { OpenXJsonSerDe: {} } },
      OutputFormatConfiguration: { Serializer: { ParquetSerDe: {} } },
      SchemaConfiguration: {
        CatalogId: { Ref: 'AWS::AccountId' },
        DatabaseName: 'analytics',
        TableName: 'orders',
        Region: { Ref: 'AWS::Region' },
        RoleARN: { 'Fn::GetAtt': [roleId, 'Arn'] },
        VersionId: 'LATEST',
      },
    });
    const glueArn = (suffix: string) => ({
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':glue:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, suffix]],
    });
    expect(policyStatements(template)).toContainEqual({
      Effect: 'Allow',
      Action: ['glue:GetTable', 'glue:GetTableVersion', 'glue:GetTableVersions'],
      Resource: [glueArn(':catalog'), glueArn(':database/analytics'), glueArn(':table/analytics/orders')],
    });
    expect(template.toJSON()).toMatchSnapshot();
  });

  test('ORC with a glue.CfnTable, another catalog and region', () => {
    const stack = newStack();
    const table = new glue.CfnTable(stack, 'Table', {
      catalogId: '123456789012',
      databaseName: 'analytics',
      tableInput: { name: 'orders' },
    });
    new FirehoseDelivery(stack, 'Delivery', {
      destination: DeliveryDestination.s3({
        dataFormatConversion: { outputFormat: firehose.OutputFormat.ORC, table, region: 'eu-west-1', versionId: '3' },
      }),
    });
    const config = s3Config(Template.fromStack(stack)).DataFormatConversionConfiguration;
    expect(config.OutputFormatConfiguration).toEqual({ Serializer: { OrcSerDe: {} } });
    expect(config.SchemaConfiguration).toMatchObject({
      CatalogId: '123456789012',
      DatabaseName: 'analytics',
      TableName: { Ref: 'Table' },
      Region: 'eu-west-1',
      VersionId: '3',
    });
  });

  test.each([
    [{ bufferingSize: Size.mebibytes(5) }, /TestStack\/Delivery: destination.bufferingSize must be between 64 and 128 MiB with dataFormatConversion, got 5 MiB/],
    [{ bufferingSize: Size.mebibytes(63) }, /destination.bufferingSize must be between 64 and 128 MiB with dataFormatConversion, got 63 MiB/],
    [{ compression: firehose.Compression.GZIP }, /destination.compression must be UNCOMPRESSED with dataFormatConversion .*got GZIP/],
  ])('rejects %#', (extra, message) => {
    expect(() => s3Delivery({
      ...extra,
      dataFormatConversion: { outputFormat: firehose.OutputFormat.PARQUET, databaseName: 'analytics', tableName: 'orders' },
    })).toThrow(message);
  });

  test('64 MiB is enough', () => {
    expect(() => s3Delivery({
      bufferingSize: Size.mebibytes(64),
      dataFormatConversion: { outputFormat: firehose.OutputFormat.PARQUET, databaseName: 'analytics', tableName: 'orders' },
    })).not.toThrow();
  });

  test('needs a table or a database and table name, not both', () => {
    const stack = newStack();
    const table = new glue.CfnTable(stack, 'Table', { catalogId: '123456789012', databaseName: 'analytics', tableInput: {} });
    expect(() => new FirehoseDelivery(stack, 'Both', {
      destination: DeliveryDestination.s3({ dataFormatConversion: { outputFormat: firehose.OutputFormat.ORC, table, tableName: 'orders' } }),
    })).toThrow(/TestStack\/Both: destination.dataFormatConversion takes a table or databaseName and tableName, got both/);
    expect(() => new FirehoseDelivery(stack, 'Neither', {
      destination: DeliveryDestination.s3({ dataFormatConversion: { outputFormat: firehose.OutputFormat.ORC, databaseName: 'analytics' } }),
    })).toThrow(/destination.dataFormatConversion needs a table, or both databaseName and tableName, got databaseName 'analytics' and tableName none/);
  });
});

describe('FirehoseDelivery dynamic partitioning', () => {
  const partitioned: S3DestinationProps = {
    dataOutputPrefix: 'orders/customer=!{partitionKeyFromQuery:customer}/!{timestamp:yyyy/MM/dd}/',
    errorOutputPrefix: 'errors/!{firehose:error-output-type}/',
    bufferingInterval: Duration.seconds(60),
    dynamicPartitioning: { partitionKeys: { customer: '.customer.id' } },
  };

  test('jq partition keys: enabled with retries, a metadata extraction processor, 128 MiB', () => {
    // GIVEN / WHEN
    const { template } = s3Delivery(partitioned);
    // THEN
    const config = s3Config(template);
    expect(config.DynamicPartitioningConfiguration).toEqual({ Enabled: true, RetryOptions: { DurationInSeconds: 300 } });
    expect(config.BufferingHints).toEqual({ SizeInMBs: 128, IntervalInSeconds: 60 });
    expect(config.ProcessingConfiguration.Processors).toEqual([{
      Type: 'MetadataExtraction',
      Parameters: [
        { ParameterName: 'MetadataExtractionQuery', ParameterValue: '{"customer":.customer.id}' },
        { ParameterName: 'JsonParsingEngine', ParameterValue: 'JQ-1.6' },
      ],
    }]);
    expect(config.Prefix).toBe(partitioned.dataOutputPrefix);
    expect(template.toJSON()).toMatchSnapshot();
  });

  test('keys from the transform function', () => {
    const stack = newStack();
    new FirehoseDelivery(stack, 'Delivery', {
      transform: { function: transformFunction(stack) },
      destination: DeliveryDestination.s3({
        dataOutputPrefix: 'tenant=!{partitionKeyFromLambda:tenant}/',
        errorOutputPrefix: 'errors/!{firehose:error-output-type}/',
        dynamicPartitioning: { retryDuration: Duration.minutes(10) },
      }),
    });
    const config = s3Config(Template.fromStack(stack));
    expect(config.DynamicPartitioningConfiguration).toEqual({ Enabled: true, RetryOptions: { DurationInSeconds: 600 } });
    expect(config.ProcessingConfiguration.Processors.map((p: any) => p.Type)).toEqual(['Lambda']);
  });

  test.each([
    [{ bufferingSize: Size.mebibytes(32) }, /TestStack\/Delivery: destination.bufferingSize must be between 64 and 128 MiB with dynamicPartitioning, got 32 MiB/],
    [{ bufferingInterval: Duration.seconds(30) }, /destination.bufferingInterval must be between 60 and 900 seconds with dynamicPartitioning, got 30 seconds/],
    [{ dynamicPartitioning: { partitionKeys: { customer: '.c' }, retryDuration: Duration.seconds(7201) } }, /destination.dynamicPartitioning.retryDuration must be between 0 and 7,200 seconds, got 7,201 seconds/],
    [{ dataOutputPrefix: 'orders/!{timestamp:yyyy}/' }, /destination.dataOutputPrefix must use at least one !\{partitionKeyFromQuery:key\} or !\{partitionKeyFromLambda:key\} expression with dynamicPartitioning, got 'orders\/!\{timestamp:yyyy\}\/'/],
    [{ dataOutputPrefix: 'orders/!{partitionKeyFromQuery:region}/' }, /destination.dataOutputPrefix uses !\{partitionKeyFromQuery:region\}, but dynamicPartitioning.partitionKeys has no 'region', got keys \[customer\]/],
    [{ dataOutputPrefix: 'orders/!{partitionKeyFromLambda:tenant}/' }, /uses !\{partitionKeyFromLambda:tenant\}, which needs a transform function that returns partition keys, got no transform/],
  ])('rejects %#', (extra, message) => {
    expect(() => s3Delivery({ ...partitioned, ...extra } as S3DestinationProps)).toThrow(message);
  });

  test('partitionKeyFrom... expressions need dynamic partitioning', () => {
    expect(() => s3Delivery({ ...partitioned, dynamicPartitioning: undefined }))
      .toThrow(/TestStack\/Delivery: destination.dataOutputPrefix can only use !\{partitionKeyFromQuery:...\} and !\{partitionKeyFromLambda:...\} with dynamicPartitioning/);
  });
});

describe('FirehoseDelivery S3 prefix rules', () => {
  test('custom prefixes with expressions pass through', () => {
    const { template } = s3Delivery({
      dataOutputPrefix: 'year=!{timestamp:yyyy}/month=!{timestamp:MM}/!{firehose:random-string}/',
      errorOutputPrefix: 'failed/!{firehose:error-output-type}/!{timestamp:yyyy}/',
    });
    expect(s3Config(template)).toMatchObject({
      Prefix: 'year=!{timestamp:yyyy}/month=!{timestamp:MM}/!{firehose:random-string}/',
      ErrorOutputPrefix: 'failed/!{firehose:error-output-type}/!{timestamp:yyyy}/',
    });
  });

  test('a literal data prefix gets the default error prefix', () => {
    const { template } = s3Delivery({ dataOutputPrefix: 'orders/' });
    expect(s3Config(template)).toMatchObject({ Prefix: 'orders/', ErrorOutputPrefix: ERROR_PREFIX });
  });

  test.each([
    [{ dataOutputPrefix: 'data/!{timestamp:yyyy}/' }, /TestStack\/Delivery: destination.errorOutputPrefix is required when dataOutputPrefix uses expressions, got dataOutputPrefix 'data\/!\{timestamp:yyyy\}\/' and no errorOutputPrefix/],
    [{ dataOutputPrefix: 'data/!{region:name}/', errorOutputPrefix: 'e/' }, /destination.dataOutputPrefix may only use !\{firehose:...\}, !\{timestamp:...\}, !\{partitionKeyFromQuery:...\} and !\{partitionKeyFromLambda:...\} expressions, got '!\{region:name\}'/],
    [{ dataOutputPrefix: 'data/!{timestamp:yyyy/', errorOutputPrefix: 'e/' }, /destination.dataOutputPrefix may only use .* got '!\{timestamp:yyyy\/'/],
    [{ dataOutputPrefix: 'data/!{firehose:stream-name}/', errorOutputPrefix: 'e/' }, /destination.dataOutputPrefix may only use !\{firehose:error-output-type\} or !\{firehose:random-string\} in the firehose namespace, got '!\{firehose:stream-name\}'/],
    [{ dataOutputPrefix: 'data/!{firehose:error-output-type}/', errorOutputPrefix: 'e/' }, /destination.dataOutputPrefix cannot use !\{firehose:error-output-type\}, which is only allowed in the error output prefix/],
    [{ errorOutputPrefix: 'errors/!{timestamp:yyyy}/' }, /destination.errorOutputPrefix uses expressions, so it must include !\{firehose:error-output-type\}, got 'errors\/!\{timestamp:yyyy\}\/'/],
    [{ errorOutputPrefix: 'errors/!{firehose:error-output-type}/!{partitionKeyFromQuery:c}/' }, /destination.errorOutputPrefix cannot use !\{partitionKeyFromQuery:...\} or !\{partitionKeyFromLambda:...\} expressions/],
    [{ dataOutputPrefix: 'd'.repeat(1025) }, /destination.dataOutputPrefix must be at most 1,024 characters, got 1,025 characters/],
  ])('rejects %#', (destination, message) => {
    expect(() => s3Delivery(destination)).toThrow(message);
  });
});

describe('FirehoseDelivery validation', () => {
  test.each([
    ['orders stream', /TestStack\/Delivery: deliveryStreamName must be 1 to 64 characters of \[a-zA-Z0-9_.-\], got 'orders stream'/],
    ['x'.repeat(65), /deliveryStreamName must be 1 to 64 characters .* \(65 characters\)/],
  ])('deliveryStreamName %j', (deliveryStreamName, message) => {
    expect(() => s3Delivery({}, { deliveryStreamName })).toThrow(message);
  });

  test('a valid name is used', () => {
    const { template } = s3Delivery({}, { deliveryStreamName: 'orders-to-s3' });
    expect(deliveryStream(template).Properties.DeliveryStreamName).toBe('orders-to-s3');
  });

  test('lifecycleRules only with a created bucket', () => {
    const stack = newStack();
    const bucket = s3.Bucket.fromBucketName(stack, 'Existing', 'existing');
    expect(() => new FirehoseDelivery(stack, 'Delivery', { destination: DeliveryDestination.s3({ bucket, lifecycleRules: [] }) }))
      .toThrow(/TestStack\/Delivery: destination.lifecycleRules apply to the created bucket, got them with an existing bucket/);
  });

  test('logGroup only with logging', () => {
    const stack = newStack();
    const logGroup = new logs.LogGroup(stack, 'Logs');
    expect(() => new FirehoseDelivery(stack, 'Delivery', { logging: false, logGroup, destination: DeliveryDestination.s3() }))
      .toThrow(/TestStack\/Delivery: logGroup can only be used with logging true, got logging false and a logGroup/);
  });

  test('unresolved tokens skip the checks', () => {
    // GIVEN
    const stack = newStack();
    const size = new CfnParameter(stack, 'Size', { type: 'Number' });
    const interval = new CfnParameter(stack, 'Interval', { type: 'Number' });
    const retries = new CfnParameter(stack, 'Retries', { type: 'Number' });
    const prefix = new CfnParameter(stack, 'Prefix');
    const name = new CfnParameter(stack, 'Name');
    // WHEN
    expect(() => new FirehoseDelivery(stack, 'Delivery', {
      deliveryStreamName: name.valueAsString,
      transform: { function: transformFunction(stack), retries: retries.valueAsNumber, bufferSize: Size.mebibytes(size.valueAsNumber) },
      destination: DeliveryDestination.s3({
        bufferingSize: Size.mebibytes(size.valueAsNumber),
        bufferingInterval: Duration.seconds(interval.valueAsNumber),
        dataOutputPrefix: prefix.valueAsString,
        errorOutputPrefix: prefix.valueAsString,
      }),
    })).not.toThrow();
    // THEN
    const template = Template.fromStack(stack);
    const config = s3Config(template);
    expect(config.BufferingHints).toEqual({ SizeInMBs: { Ref: 'Size' }, IntervalInSeconds: { Ref: 'Interval' } });
    expect(config.Prefix).toEqual({ Ref: 'Prefix' });
    expect(deliveryStream(template).Properties.DeliveryStreamName).toEqual({ Ref: 'Name' });
    expect(config.ProcessingConfiguration.Processors[0].Parameters).toEqual(expect.arrayContaining([
      { ParameterName: 'NumberOfRetries', ParameterValue: { Ref: 'Retries' } },
      { ParameterName: 'BufferSizeInMBs', ParameterValue: { Ref: 'Size' } },
    ]));
  });
});

describe('FirehoseDelivery logging', () => {
  test('logging: false creates no log group and no logging options', () => {
    const { template, delivery } = s3Delivery({}, { logging: false });
    template.resourceCountIs('AWS::Logs::LogGroup', 0);
    const config = s3Config(template);
    expect(config.CloudWatchLoggingOptions).toBeUndefined();
    expect(config.S3BackupConfiguration.CloudWatchLoggingOptions).toBeUndefined();
    expect(delivery.logGroup).toBeUndefined();
  });

  test('a given log group is used, and two deliveries can share it', () => {
    const stack = newStack();
    const logGroup = logs.LogGroup.fromLogGroupName(stack, 'Shared', 'firehose-errors');
    new FirehoseDelivery(stack, 'One', { logGroup, destination: DeliveryDestination.s3() });
    new FirehoseDelivery(stack, 'Two', { logGroup, destination: DeliveryDestination.s3() });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::Logs::LogGroup', 0);
    template.resourceCountIs('AWS::Logs::LogStream', 4);
    for (const stream of Object.values<any>(template.findResources('AWS::KinesisFirehose::DeliveryStream'))) {
      expect(stream.Properties.ExtendedS3DestinationConfiguration.CloudWatchLoggingOptions.LogGroupName).toBe('firehose-errors');
    }
  });
});

describe('FirehoseDelivery metrics and alarms', () => {
  test('metrics carry the DeliveryStreamName dimension', () => {
    const { stack, delivery, template } = s3Delivery();
    const streamId = Object.keys(template.findResources('AWS::KinesisFirehose::DeliveryStream'))[0];
    const freshness = delivery.metricDataFreshness();
    expect(freshness.namespace).toBe('AWS/Firehose');
    expect(freshness.metricName).toBe('DeliveryToS3.DataFreshness');
    expect(freshness.statistic).toBe('Maximum');
    expect(stack.resolve(freshness.dimensions)).toEqual({ DeliveryStreamName: { Ref: streamId } });
    expect(delivery.metricDeliverySuccess().metricName).toBe('DeliveryToS3.Success');
    expect(delivery.metricThrottledRecords().metricName).toBe('ThrottledRecords');
    expect(delivery.metricThrottledRecords().statistic).toBe('Sum');
    expect(delivery.metricIncomingRecords().metricName).toBe('IncomingRecords');
    expect(delivery.metric('BackupToS3.Success', { statistic: 'Minimum' }).statistic).toBe('Minimum');
    expect(() => delivery.metricSourceIteratorAge())
      .toThrow(/TestStack\/Delivery: metricSourceIteratorAge needs a Kinesis stream source, got a Direct PUT delivery stream/);
  });

  test('Direct PUT alarms: freshness above 2 x interval + 5 min, success below 1, throttled records above 0', () => {
    // GIVEN
    const stack = newStack();
    const delivery = new FirehoseDelivery(stack, 'Delivery', {
      destination: DeliveryDestination.s3({ bufferingInterval: Duration.seconds(120) }),
    });
    // WHEN
    const alarms = delivery.addAlarms();
    // THEN
    const template = Template.fromStack(stack);
    const dimensions = [{ Name: 'DeliveryStreamName', Value: { Ref: Object.keys(template.findResources('AWS::KinesisFirehose::DeliveryStream'))[0] } }];
    template.resourceCountIs('AWS::CloudWatch::Alarm', 3);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/Firehose',
      MetricName: 'DeliveryToS3.DataFreshness',
      Dimensions: dimensions,
      Statistic: 'Maximum',
      Threshold: 540,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'DeliveryToS3.Success',
      Dimensions: dimensions,
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ThrottledRecords',
      Dimensions: dimensions,
      Statistic: 'Sum',
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
    });
    expect(alarms.sourceIteratorAge).toBeUndefined();
    expect(alarms.throttledRecords).toBeDefined();
  });

  test('stream source alarms: Firehose\'s KinesisMillisBehindLatest above half the retention, no throttled records', () => {
    const stack = newStack();
    const source = new KinesisStream(stack, 'Orders', { retentionPeriod: Duration.hours(48) });
    const delivery = new FirehoseDelivery(stack, 'Delivery', { source, destination: DeliveryDestination.s3() });
    const alarms = delivery.addAlarms({ dataFreshnessThreshold: Duration.minutes(20) });
    const template = Template.fromStack(stack);
    const streamId = Object.keys(template.findResources('AWS::KinesisFirehose::DeliveryStream'))[0];
    template.resourceCountIs('AWS::CloudWatch::Alarm', 3);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/Firehose',
      MetricName: 'KinesisMillisBehindLatest',
      Dimensions: [{ Name: 'DeliveryStreamName', Value: { Ref: streamId } }],
      Statistic: 'Maximum',
      Threshold: 24 * 3600 * 1000,
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'DeliveryToS3.DataFreshness', Threshold: 1200 });
    expect(alarms.throttledRecords).toBeUndefined();
    expect(delivery.metricSourceIteratorAge().metricName).toBe('KinesisMillisBehindLatest');
  });

  test('an imported source counts 24 hours of retention', () => {
    const stack = newStack();
    const source = kinesis.Stream.fromStreamArn(stack, 'Existing', STREAM_ARN);
    const delivery = new FirehoseDelivery(stack, 'Delivery', { source, destination: DeliveryDestination.s3() });
    delivery.addAlarms({ dataFreshnessMargin: Duration.minutes(1) });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'KinesisMillisBehindLatest', Threshold: 12 * 3600 * 1000 });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'DeliveryToS3.DataFreshness', Threshold: 660 });
  });
});

describe('FirehoseDelivery and cdk-nag', () => {
  test('the defaults pass AwsSolutions with zero unacknowledged findings', () => {
    // GIVEN
    const app = new App();
    const stack = quiet(new Stack(app, 'NagStack'));
    const source = new KinesisStream(stack, 'Orders');
    new FirehoseDelivery(stack, 'FromStream', { source, destination: DeliveryDestination.s3() });
    new FirehoseDelivery(stack, 'DirectPut', {
      transform: { function: transformFunction(stack) },
      destination: DeliveryDestination.s3({
        dataFormatConversion: { outputFormat: firehose.OutputFormat.PARQUET, databaseName: 'analytics', tableName: 'orders' },
      }),
    });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    // WHEN
    const assembly = app.synth();
    // THEN
    const file = path.join(assembly.directory, 'policy-validation-report.json');
    const report = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf-8')) : undefined;
    const failures = (report?.pluginReports ?? []).flatMap((r: any) => r.violations ?? []);
    expect(failures).toEqual([]);
  });
});
