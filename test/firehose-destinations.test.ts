import { CfnParameter, Duration, Size, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as firehose from 'aws-cdk-lib/aws-kinesisfirehose';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { DeliveryDestination, FirehoseDelivery, FirehoseDeliveryProps } from '../src/firehose';
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
} from '../src/firehose-destinations';
import { KinesisStream } from '../src/stream';
import { deliveryStream, logicalId, newFirehoseStack as newStack, policyStatements } from './setup/util';

const JDBC_URL = 'jdbc:redshift://orders.abc123xyz.eu-west-1.redshift.amazonaws.com:5439/analytics';
const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:firehose-AbCdEf';
const DOMAIN_ARN = 'arn:aws:es:eu-west-1:123456789012:domain/logs';
const COLLECTION_ARN = 'arn:aws:aoss:eu-west-1:123456789012:collection/abc123';
const COLLECTION_ENDPOINT = 'https://abc123.eu-west-1.aoss.amazonaws.com';
const FUNCTION_ARN = 'arn:aws:lambda:eu-west-1:123456789012:function:transform';
const ERROR_PREFIX = 'errors/!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd}/';

function secret(stack: Stack): secretsmanager.ISecret {
  return secretsmanager.Secret.fromSecretCompleteArn(stack, 'Secret', SECRET_ARN);
}

function getAtt(template: Template, type: string, prefix: string): any {
  return { 'Fn::GetAtt': [logicalId(template, type, prefix), 'Arn'] };
}

/** The backup bucket's S3 write statement and its key statement, as the role must have them. */
function expectBackupBucketGrants(template: Template, bucketPrefix = 'DeliveryBackupBucket'): void {
  const bucketArn = getAtt(template, 'AWS::S3::Bucket', bucketPrefix);
  const statements = policyStatements(template);
  expect(statements).toContainEqual({
    Effect: 'Allow',
    Action: [
      's3:AbortMultipartUpload',
      's3:GetBucketLocation',
      's3:GetObject',
      's3:ListBucket',
      's3:ListBucketMultipartUploads',
      's3:PutObject',
    ],
    Resource: [bucketArn, { 'Fn::Join': ['', [bucketArn, '/*']] }],
  });
  expect(statements).toContainEqual({
    Effect: 'Allow',
    Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
    Resource: getAtt(template, 'AWS::KMS::Key', 'DeliveryKey'),
  });
}

function expectSecretRead(template: Template): void {
  expect(policyStatements(template)).toContainEqual({
    Effect: 'Allow',
    Action: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'],
    Resource: SECRET_ARN,
  });
}

/** No wildcard resource, no delete: the role of the L1 destinations is least privilege. */
function expectLeastPrivilege(template: Template): void {
  const statements = policyStatements(template);
  expect(statements.filter((s: any) => s.Resource === '*')).toEqual([]);
  const actions = statements.flatMap((s: any) => [s.Action].flat());
  expect(actions.filter((a: string) => a.includes('Delete'))).toEqual([]);
}

describe('DeliveryDestination.redshift', () => {
  function redshift(props: Partial<RedshiftDestinationProps> = {}, delivery: Partial<FirehoseDeliveryProps> = {}) {
    const stack = newStack();
    const destination = DeliveryDestination.redshift({
      clusterJdbcUrl: JDBC_URL,
      credentials: secret(stack),
      tableName: 'orders',
      ...props,
    });
    const construct = new FirehoseDelivery(stack, 'Delivery', { ...delivery, destination });
    return { stack, delivery: construct, template: Template.fromStack(stack) };
  }

  test('COPY from an intermediate bucket, credentials from Secrets Manager, source records backed up', () => {
    // GIVEN / WHEN
    const { template, delivery } = redshift({
      tableColumns: ['id', 'customer', 'total'],
      copyOptions: "json 'auto'",
    });
    // THEN
    const roleArn = getAtt(template, 'AWS::IAM::Role', 'DeliveryRole');
    const config = deliveryStream(template).Properties.RedshiftDestinationConfiguration;
    expect(config).toMatchObject({
      ClusterJDBCURL: JDBC_URL,
      CopyCommand: { DataTableName: 'orders', DataTableColumns: 'id,customer,total', CopyOptions: "json 'auto'" },
      RoleARN: roleArn,
      SecretsManagerConfiguration: { Enabled: true, SecretARN: SECRET_ARN, RoleARN: roleArn },
      RetryOptions: { DurationInSeconds: 3600 },
      S3Configuration: {
        BucketARN: getAtt(template, 'AWS::S3::Bucket', 'DeliveryBucket'),
        CompressionFormat: 'UNCOMPRESSED',
        BufferingHints: { SizeInMBs: 5, IntervalInSeconds: 300 },
      },
      S3BackupMode: 'Enabled',
      S3BackupConfiguration: {
        BucketARN: getAtt(template, 'AWS::S3::Bucket', 'DeliveryBackupBucket'),
        Prefix: 'source-records/',
      },
    });
    expect(config.Username).toBeUndefined();
    expect(config.Password).toBeUndefined();
    expect(config.S3Configuration.ErrorOutputPrefix).toBeUndefined();
    expectSecretRead(template);
    expectBackupBucketGrants(template);
    expectBackupBucketGrants(template, 'DeliveryBucket');
    expectLeastPrivilege(template);
    expect(delivery.destinationType).toBe(DestinationType.REDSHIFT);
    expect(delivery.metricDataFreshness().metricName).toBe('DeliveryToS3.DataFreshness');
    expect(delivery.metricDeliverySuccess().metricName).toBe('DeliveryToRedshift.Success');
    expect(template.toJSON()).toMatchSnapshot();
  });

  test('sourceBackup: false turns the backup off and creates no backup bucket', () => {
    const { template, delivery } = redshift({}, { sourceBackup: false });
    const config = deliveryStream(template).Properties.RedshiftDestinationConfiguration;
    expect(config.S3BackupMode).toBe('Disabled');
    expect(config.S3BackupConfiguration).toBeUndefined();
    expect(delivery.backupBucket).toBeUndefined();
    // the intermediate bucket and the access-log bucket
    template.resourceCountIs('AWS::S3::Bucket', 2);
  });

  test('an existing intermediate bucket, GZIP, prefix, buffering and retries pass through', () => {
    const stack = newStack();
    const intermediateBucket = s3.Bucket.fromBucketName(stack, 'Staging', 'staging');
    new FirehoseDelivery(stack, 'Delivery', {
      destination: DeliveryDestination.redshift({
        clusterJdbcUrl: JDBC_URL,
        credentials: secret(stack),
        tableName: 'orders',
        intermediateBucket,
        intermediatePrefix: 'staging/',
        compression: firehose.Compression.GZIP,
        bufferingSize: Size.mebibytes(64),
        bufferingInterval: Duration.seconds(60),
        retryDuration: Duration.seconds(0),
      }),
    });
    const config = deliveryStream(Template.fromStack(stack)).Properties.RedshiftDestinationConfiguration;
    expect(config).toMatchObject({
      RetryOptions: { DurationInSeconds: 0 },
      S3Configuration: {
        BucketARN: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::staging']] },
        Prefix: 'staging/',
        CompressionFormat: 'GZIP',
        BufferingHints: { SizeInMBs: 64, IntervalInSeconds: 60 },
      },
    });
  });

  test('the intermediate bucket can be existing while the backup bucket is created', () => {
    const stack = newStack();
    const intermediateBucket = s3.Bucket.fromBucketName(stack, 'Staging', 'staging');
    const delivery = new FirehoseDelivery(stack, 'Delivery', {
      destination: DeliveryDestination.redshift({ clusterJdbcUrl: JDBC_URL, credentials: secret(stack), tableName: 't', intermediateBucket }),
    });
    expect(delivery.bucket).toBe(intermediateBucket);
    expect(delivery.backupBucket).toBeInstanceOf(s3.Bucket);
  });

  test.each([
    [{ retryDuration: Duration.seconds(7201) }, /TestStack\/Delivery: destination.retryDuration must be between 0 and 7,200 seconds, got 7,201 seconds/],
    [{ bufferingSize: Size.mebibytes(129) }, /destination.bufferingSize must be between 1 and 128 MiB, got 129 MiB/],
    [{ bufferingInterval: Duration.seconds(901) }, /destination.bufferingInterval must be between 0 and 900 seconds, got 901 seconds/],
    [{ compression: firehose.Compression.SNAPPY }, /destination.compression must be GZIP or UNCOMPRESSED for Redshift \(COPY cannot read Snappy or ZIP\), got Snappy/],
    [{ compression: firehose.Compression.ZIP }, /destination.compression must be GZIP or UNCOMPRESSED for Redshift .*got ZIP/],
    [{ clusterJdbcUrl: 'postgres://cluster:5439/db' }, /destination.clusterJdbcUrl must be jdbc:redshift:\/\/<cluster endpoint>:<port>\/<database> .*got 'postgres:\/\/cluster:5439\/db'/],
    [{ clusterJdbcUrl: 'jdbc:redshift://localhost:5439/db' }, /destination.clusterJdbcUrl must be .*got 'jdbc:redshift:\/\/localhost:5439\/db'/],
    [{ intermediatePrefix: 'staging/!{timestamp:yyyy}/' }, /destination.intermediatePrefix cannot use !\{...\} expressions with a Redshift destination/],
  ])('rejects %#', (props, message) => {
    expect(() => redshift(props)).toThrow(message);
  });

  test('backupBucket with sourceBackup false is rejected', () => {
    const stack = newStack();
    expect(() => new FirehoseDelivery(stack, 'Delivery', {
      sourceBackup: false,
      backupBucket: s3.Bucket.fromBucketName(stack, 'Archive', 'archive'),
      destination: DeliveryDestination.redshift({ clusterJdbcUrl: JDBC_URL, credentials: secret(stack), tableName: 't' }),
    })).toThrow(/backupBucket cannot be used with sourceBackup false for a Redshift destination/);
  });
});

describe('DeliveryDestination.openSearch', () => {
  function openSearch(props: Partial<OpenSearchDestinationProps> = {}, delivery: Partial<FirehoseDeliveryProps> = {}) {
    const stack = newStack();
    const construct = new FirehoseDelivery(stack, 'Delivery', {
      ...delivery,
      destination: DeliveryDestination.openSearch({ domainArn: DOMAIN_ARN, indexName: 'orders', ...props }),
    });
    return { stack, delivery: construct, template: Template.fromStack(stack) };
  }

  test('domain, daily index, all documents backed up, es: actions scoped to the domain', () => {
    // GIVEN / WHEN
    const { template, delivery } = openSearch();
    // THEN
    const config = deliveryStream(template).Properties.AmazonopensearchserviceDestinationConfiguration;
    expect(config).toMatchObject({
      DomainARN: DOMAIN_ARN,
      IndexName: 'orders',
      IndexRotationPeriod: 'OneDay',
      BufferingHints: { SizeInMBs: 5, IntervalInSeconds: 300 },
      RetryOptions: { DurationInSeconds: 300 },
      S3BackupMode: 'AllDocuments',
      S3Configuration: {
        BucketARN: getAtt(template, 'AWS::S3::Bucket', 'DeliveryBackupBucket'),
        Prefix: 'source-records/',
        ErrorOutputPrefix: ERROR_PREFIX,
        EncryptionConfiguration: { KMSEncryptionConfig: { AWSKMSKeyARN: getAtt(template, 'AWS::KMS::Key', 'DeliveryKey') } },
      },
      CloudWatchLoggingOptions: { Enabled: true },
    });
    const statements = policyStatements(template);
    expect(statements).toContainEqual({
      Effect: 'Allow',
      Action: ['es:DescribeDomain', 'es:DescribeDomainConfig', 'es:DescribeDomains', 'es:ESHttpPost', 'es:ESHttpPut'],
      Resource: [DOMAIN_ARN, `${DOMAIN_ARN}/*`],
    });
    expect(statements).toContainEqual({
      Effect: 'Allow',
      Action: 'es:ESHttpGet',
      Resource: [
        `${DOMAIN_ARN}/_all/_settings`,
        `${DOMAIN_ARN}/_cluster/stats`,
        `${DOMAIN_ARN}/orders*/_mapping/*`,
        `${DOMAIN_ARN}/_nodes`,
        `${DOMAIN_ARN}/_nodes/stats`,
        `${DOMAIN_ARN}/_nodes/*/stats`,
        `${DOMAIN_ARN}/_stats`,
        `${DOMAIN_ARN}/orders*/_stats`,
      ],
    });
    expectBackupBucketGrants(template);
    expectLeastPrivilege(template);
    expect(delivery.metricDataFreshness().metricName).toBe('DeliveryToAmazonOpenSearchService.DataFreshness');
    expect(delivery.metricDeliverySuccess().metricName).toBe('DeliveryToAmazonOpenSearchService.Success');
    expect(template.toJSON()).toMatchSnapshot();
  });

  test.each([
    [IndexRotation.NO_ROTATION, 'NoRotation'],
    [IndexRotation.ONE_HOUR, 'OneHour'],
    [IndexRotation.ONE_WEEK, 'OneWeek'],
    [IndexRotation.ONE_MONTH, 'OneMonth'],
  ])('index rotation %s', (indexRotation, value) => {
    const { template } = openSearch({ indexRotation });
    expect(deliveryStream(template).Properties.AmazonopensearchserviceDestinationConfiguration.IndexRotationPeriod).toBe(value);
  });

  test('sourceBackup: false keeps failed documents only, still in a created backup bucket', () => {
    const { template, delivery } = openSearch({}, { sourceBackup: false });
    expect(deliveryStream(template).Properties.AmazonopensearchserviceDestinationConfiguration.S3BackupMode).toBe('FailedDocumentsOnly');
    expect(delivery.backupBucket).toBeInstanceOf(s3.Bucket);
  });

  test.each([
    [{ bufferingSize: Size.mebibytes(101) }, /TestStack\/Delivery: destination.bufferingSize must be between 1 and 100 MiB, got 101 MiB/],
    [{ bufferingSize: Size.mebibytes(0) }, /destination.bufferingSize must be between 1 and 100 MiB, got 0 MiB/],
    [{ bufferingInterval: Duration.seconds(901) }, /destination.bufferingInterval must be between 0 and 900 seconds, got 901 seconds/],
    [{ retryDuration: Duration.hours(3) }, /destination.retryDuration must be between 0 and 7,200 seconds, got 10,800 seconds/],
    [{ domainArn: 'arn:aws:es:eu-west-1:123456789012:collection/logs' }, /destination.domainArn must be an ARN of the form arn:<partition>:es:<region>:<account>:domain\/<name>/],
    [{ indexName: 'Orders' }, /destination.indexName must be 1 to 80 lowercase characters .*got 'Orders'/],
    [{ indexName: '_orders' }, /destination.indexName must be .*got '_orders'/],
    [{ errorOutputPrefix: 'failed/!{timestamp:yyyy}/' }, /destination.errorOutputPrefix uses expressions, so it must include !\{firehose:error-output-type\}/],
  ])('rejects %#', (props, message) => {
    expect(() => openSearch(props)).toThrow(message);
  });
});

describe('DeliveryDestination.openSearchServerless', () => {
  function serverless(props: Partial<OpenSearchServerlessDestinationProps> = {}) {
    const stack = newStack();
    const delivery = new FirehoseDelivery(stack, 'Delivery', {
      destination: DeliveryDestination.openSearchServerless({
        collectionArn: COLLECTION_ARN,
        collectionEndpoint: COLLECTION_ENDPOINT,
        indexName: 'orders',
        ...props,
      }),
    });
    return { stack, delivery, template: Template.fromStack(stack) };
  }

  test('collection endpoint, aoss:APIAccessAll on the collection only', () => {
    const { template, delivery } = serverless({ errorOutputPrefix: 'failed/' });
    const config = deliveryStream(template).Properties.AmazonOpenSearchServerlessDestinationConfiguration;
    expect(config).toMatchObject({
      CollectionEndpoint: COLLECTION_ENDPOINT,
      IndexName: 'orders',
      BufferingHints: { SizeInMBs: 5, IntervalInSeconds: 300 },
      RetryOptions: { DurationInSeconds: 300 },
      S3BackupMode: 'AllDocuments',
      S3Configuration: { Prefix: 'source-records/', ErrorOutputPrefix: 'failed/' },
    });
    expect(config.IndexRotationPeriod).toBeUndefined();
    expect(policyStatements(template)).toContainEqual({ Effect: 'Allow', Action: 'aoss:APIAccessAll', Resource: COLLECTION_ARN });
    expectBackupBucketGrants(template);
    expectLeastPrivilege(template);
    expect(delivery.metricDataFreshness().metricName).toBe('DeliveryToAmazonOpenSearchServerless.DataFreshness');
    expect(delivery.metricDeliverySuccess().metricName).toBe('DeliveryToAmazonOpenSearchServerless.Success');
    expect(template.toJSON()).toMatchSnapshot();
  });

  test.each([
    [{ bufferingSize: Size.mebibytes(101) }, /TestStack\/Delivery: destination.bufferingSize must be between 1 and 100 MiB, got 101 MiB/],
    [{ bufferingInterval: Duration.seconds(1000) }, /destination.bufferingInterval must be between 0 and 900 seconds, got 1,000 seconds/],
    [{ retryDuration: Duration.seconds(7201) }, /destination.retryDuration must be between 0 and 7,200 seconds, got 7,201 seconds/],
    [{ collectionArn: DOMAIN_ARN }, /destination.collectionArn must be an ARN of the form arn:<partition>:aoss:<region>:<account>:collection\/<id>/],
    [{ collectionEndpoint: 'http://abc.aoss.amazonaws.com' }, /destination.collectionEndpoint must be an https:\/\/ URL/],
  ])('rejects %#', (props, message) => {
    expect(() => serverless(props)).toThrow(message);
  });
});

describe('DeliveryDestination.splunk', () => {
  function splunk(props: Partial<SplunkDestinationProps> = {}, delivery: (stack: Stack) => Partial<FirehoseDeliveryProps> = () => ({})) {
    const stack = newStack();
    const construct = new FirehoseDelivery(stack, 'Delivery', {
      ...delivery(stack),
      destination: DeliveryDestination.splunk({ hecEndpoint: 'https://splunk.example.com:8088', hecToken: secret(stack), ...props }),
    });
    return { stack, delivery: construct, template: Template.fromStack(stack) };
  }

  test('HEC endpoint, token from Secrets Manager, 5 MiB / 60 s, all events backed up', () => {
    // GIVEN / WHEN
    const { template, delivery } = splunk();
    // THEN
    const roleArn = getAtt(template, 'AWS::IAM::Role', 'DeliveryRole');
    const config = deliveryStream(template).Properties.SplunkDestinationConfiguration;
    expect(config).toMatchObject({
      HECEndpoint: 'https://splunk.example.com:8088',
      HECEndpointType: 'Raw',
      HECAcknowledgmentTimeoutInSeconds: 180,
      SecretsManagerConfiguration: { Enabled: true, SecretARN: SECRET_ARN, RoleARN: roleArn },
      BufferingHints: { SizeInMBs: 5, IntervalInSeconds: 60 },
      RetryOptions: { DurationInSeconds: 300 },
      S3BackupMode: 'AllEvents',
      S3Configuration: { BucketARN: getAtt(template, 'AWS::S3::Bucket', 'DeliveryBackupBucket'), ErrorOutputPrefix: ERROR_PREFIX },
    });
    expect(config.HECToken).toBeUndefined();
    expectSecretRead(template);
    expectBackupBucketGrants(template);
    expectLeastPrivilege(template);
    expect(delivery.bufferingInterval.toSeconds()).toBe(60);
    expect(delivery.metricDataFreshness().metricName).toBe('DeliveryToSplunk.DataFreshness');
    expect(delivery.metricDeliverySuccess().metricName).toBe('DeliveryToSplunk.Success');
    expect(template.toJSON()).toMatchSnapshot();
  });

  test('event endpoint, acknowledgment timeout; a transform defaults to a 256 KiB buffer', () => {
    const { template } = splunk(
      { hecEndpointType: SplunkEndpointType.EVENT, hecAcknowledgmentTimeout: Duration.minutes(10) },
      (stack) => ({ transform: { function: lambda.Function.fromFunctionArn(stack, 'Fn', FUNCTION_ARN) } }),
    );
    const config = deliveryStream(template).Properties.SplunkDestinationConfiguration;
    expect(config.HECEndpointType).toBe('Event');
    expect(config.HECAcknowledgmentTimeoutInSeconds).toBe(600);
    expect(config.ProcessingConfiguration.Processors[0].Parameters).toContainEqual({ ParameterName: 'BufferSizeInMBs', ParameterValue: '0.25' });
  });

  test('sourceBackup: false keeps failed events only', () => {
    const { template } = splunk({}, () => ({ sourceBackup: false }));
    expect(deliveryStream(template).Properties.SplunkDestinationConfiguration.S3BackupMode).toBe('FailedEventsOnly');
  });

  test.each([
    [{ bufferingSize: Size.mebibytes(6) }, /TestStack\/Delivery: destination.bufferingSize must be between 1 and 5 MiB, got 6 MiB/],
    [{ bufferingInterval: Duration.seconds(61) }, /destination.bufferingInterval must be between 0 and 60 seconds, got 61 seconds/],
    [{ hecAcknowledgmentTimeout: Duration.seconds(179) }, /destination.hecAcknowledgmentTimeout must be between 180 and 600 seconds, got 179 seconds/],
    [{ retryDuration: Duration.seconds(7201) }, /destination.retryDuration must be between 0 and 7,200 seconds, got 7,201 seconds/],
    [{ hecEndpoint: 'http://splunk.example.com:8088' }, /destination.hecEndpoint must be an https:\/\/ URL \(Firehose delivers over HTTPS only\), got 'http:\/\/splunk.example.com:8088'/],
  ])('rejects %#', (props, message) => {
    expect(() => splunk(props)).toThrow(message);
  });
});

describe('DeliveryDestination.httpEndpoint', () => {
  function http(props: Partial<HttpEndpointDestinationProps> = {}, delivery: Partial<FirehoseDeliveryProps> = {}) {
    const stack = newStack();
    const construct = new FirehoseDelivery(stack, 'Delivery', {
      ...delivery,
      destination: DeliveryDestination.httpEndpoint({ url: 'https://ingest.example.com/firehose', ...props }),
    });
    return { stack, delivery: construct, template: Template.fromStack(stack) };
  }

  test('URL, access key from Secrets Manager, request settings, all data backed up', () => {
    // GIVEN
    const stack = newStack();
    // WHEN
    const delivery = new FirehoseDelivery(stack, 'Delivery', {
      destination: DeliveryDestination.httpEndpoint({
        url: 'https://ingest.example.com/firehose',
        name: 'ingest',
        accessKey: secret(stack),
        contentEncoding: HttpContentEncoding.GZIP,
        commonAttributes: { team: 'orders' },
        bufferingSize: Size.mebibytes(64),
        bufferingInterval: Duration.seconds(0),
        retryDuration: Duration.hours(2),
      }),
    });
    // THEN
    const template = Template.fromStack(stack);
    const roleArn = getAtt(template, 'AWS::IAM::Role', 'DeliveryRole');
    expect(deliveryStream(template).Properties.HttpEndpointDestinationConfiguration).toMatchObject({
      EndpointConfiguration: { Url: 'https://ingest.example.com/firehose', Name: 'ingest' },
      RequestConfiguration: { ContentEncoding: 'GZIP', CommonAttributes: [{ AttributeName: 'team', AttributeValue: 'orders' }] },
      SecretsManagerConfiguration: { Enabled: true, SecretARN: SECRET_ARN, RoleARN: roleArn },
      BufferingHints: { SizeInMBs: 64, IntervalInSeconds: 0 },
      RetryOptions: { DurationInSeconds: 7200 },
      RoleARN: roleArn,
      S3BackupMode: 'AllData',
      S3Configuration: { BucketARN: getAtt(template, 'AWS::S3::Bucket', 'DeliveryBackupBucket'), Prefix: 'source-records/' },
    });
    expectSecretRead(template);
    expectBackupBucketGrants(template);
    expectLeastPrivilege(template);
    expect(delivery.metricDataFreshness().metricName).toBe('DeliveryToHttpEndpoint.DataFreshness');
    expect(delivery.metricDeliverySuccess().metricName).toBe('DeliveryToHttpEndpoint.Success');
    expect(template.toJSON()).toMatchSnapshot();
  });

  test('defaults: no access key, no encoding, 5 MiB / 300 s; failed data only without source backup', () => {
    const { template } = http({}, { sourceBackup: false });
    const config = deliveryStream(template).Properties.HttpEndpointDestinationConfiguration;
    expect(config.SecretsManagerConfiguration).toBeUndefined();
    expect(config.RequestConfiguration).toEqual({ ContentEncoding: 'NONE' });
    expect(config.BufferingHints).toEqual({ SizeInMBs: 5, IntervalInSeconds: 300 });
    expect(config.S3BackupMode).toBe('FailedDataOnly');
  });

  test.each([
    [{ bufferingSize: Size.mebibytes(65) }, /TestStack\/Delivery: destination.bufferingSize must be between 1 and 64 MiB, got 65 MiB/],
    [{ bufferingInterval: Duration.seconds(901) }, /destination.bufferingInterval must be between 0 and 900 seconds, got 901 seconds/],
    [{ retryDuration: Duration.seconds(7201) }, /destination.retryDuration must be between 0 and 7,200 seconds, got 7,201 seconds/],
    [{ url: 'http://ingest.example.com' }, /destination.url must be an https:\/\/ URL \(Firehose delivers over HTTPS only\), got 'http:\/\/ingest.example.com'/],
    [{ errorOutputPrefix: 'failed/!{partitionKeyFromQuery:x}/!{firehose:error-output-type}' }, /destination.errorOutputPrefix cannot use !\{partitionKeyFromQuery:...\}/],
  ])('rejects %#', (props, message) => {
    expect(() => http(props)).toThrow(message);
  });

  test('unresolved tokens skip the checks', () => {
    const stack = newStack();
    const size = new CfnParameter(stack, 'Size', { type: 'Number' });
    const retry = new CfnParameter(stack, 'Retry', { type: 'Number' });
    const url = new CfnParameter(stack, 'Url');
    expect(() => new FirehoseDelivery(stack, 'Delivery', {
      destination: DeliveryDestination.httpEndpoint({
        url: url.valueAsString,
        bufferingSize: Size.mebibytes(size.valueAsNumber),
        retryDuration: Duration.seconds(retry.valueAsNumber),
      }),
    })).not.toThrow();
    expect(deliveryStream(Template.fromStack(stack)).Properties.HttpEndpointDestinationConfiguration).toMatchObject({
      EndpointConfiguration: { Url: { Ref: 'Url' } },
      BufferingHints: { SizeInMBs: { Ref: 'Size' } },
      RetryOptions: { DurationInSeconds: { Ref: 'Retry' } },
    });
  });
});

describe('L1 destinations: common behaviour', () => {
  test('a stream source: the role reads the stream and decrypts with its customer-managed key', () => {
    // GIVEN
    const stack = newStack();
    const source = new KinesisStream(stack, 'Orders');
    // WHEN
    new FirehoseDelivery(stack, 'Delivery', {
      source,
      destination: DeliveryDestination.splunk({ hecEndpoint: 'https://splunk.example.com:8088', hecToken: secret(stack) }),
    });
    // THEN
    const template = Template.fromStack(stack);
    const stream = deliveryStream(template);
    expect(stream.Properties.DeliveryStreamType).toBe('KinesisStreamAsSource');
    expect(stream.Properties.KinesisStreamSourceConfiguration).toEqual({
      KinesisStreamARN: getAtt(template, 'AWS::Kinesis::Stream', 'Orders'),
      RoleARN: getAtt(template, 'AWS::IAM::Role', 'DeliveryRole'),
    });
    expect(stream.Properties.DeliveryStreamEncryptionConfigurationInput).toBeUndefined();
    const statements = policyStatements(template);
    expect(statements).toContainEqual({ Effect: 'Allow', Action: 'kms:Decrypt', Resource: getAtt(template, 'AWS::KMS::Key', 'OrdersKey') });
    expect(statements).toContainEqual(expect.objectContaining({
      Action: expect.arrayContaining(['kinesis:GetRecords', 'kinesis:GetShardIterator', 'kinesis:DescribeStream', 'kinesis:ListShards']),
      Resource: getAtt(template, 'AWS::Kinesis::Stream', 'Orders'),
    }));
    expect(stream.DependsOn).toEqual(expect.arrayContaining([logicalId(template, 'AWS::IAM::Policy', 'DeliveryRoleDefaultPolicy')]));
  });

  test('Direct PUT: SSE with an AWS-owned key by default, or a customer-managed key', () => {
    const stack = newStack();
    const key = new kms.Key(stack, 'SseKey');
    new FirehoseDelivery(stack, 'Delivery', {
      encryption: firehose.StreamEncryption.customerManagedKey(key),
      destination: DeliveryDestination.httpEndpoint({ url: 'https://ingest.example.com' }),
    });
    const template = Template.fromStack(stack);
    expect(deliveryStream(template).Properties.DeliveryStreamEncryptionConfigurationInput).toEqual({
      KeyType: 'CUSTOMER_MANAGED_CMK',
      KeyARN: getAtt(template, 'AWS::KMS::Key', 'SseKey'),
    });
    const { template: defaults } = (() => {
      const s = newStack();
      new FirehoseDelivery(s, 'Delivery', { destination: DeliveryDestination.httpEndpoint({ url: 'https://ingest.example.com' }) });
      return { template: Template.fromStack(s) };
    })();
    expect(deliveryStream(defaults).Properties.DeliveryStreamEncryptionConfigurationInput).toEqual({ KeyType: 'AWS_OWNED_CMK' });
  });

  test('the transform, logging and backup are wired the same way for every L1 destination', () => {
    const stack = newStack();
    new FirehoseDelivery(stack, 'Delivery', {
      transform: { function: lambda.Function.fromFunctionArn(stack, 'Fn', FUNCTION_ARN), retries: 5 },
      destination: DeliveryDestination.openSearchServerless({ collectionArn: COLLECTION_ARN, collectionEndpoint: COLLECTION_ENDPOINT, indexName: 'orders' }),
    });
    const template = Template.fromStack(stack);
    const config = deliveryStream(template).Properties.AmazonOpenSearchServerlessDestinationConfiguration;
    expect(config.ProcessingConfiguration.Processors[0]).toEqual({
      Type: 'Lambda',
      Parameters: [
        { ParameterName: 'LambdaArn', ParameterValue: FUNCTION_ARN },
        { ParameterName: 'NumberOfRetries', ParameterValue: '5' },
        { ParameterName: 'RoleArn', ParameterValue: getAtt(template, 'AWS::IAM::Role', 'DeliveryRole') },
        { ParameterName: 'BufferSizeInMBs', ParameterValue: '1' },
        { ParameterName: 'BufferIntervalInSeconds', ParameterValue: '60' },
      ],
    });
    // ProcessingFailed records go to the backup bucket under errors/processing-failed/...
    expect(config.S3Configuration.ErrorOutputPrefix).toBe(ERROR_PREFIX);
    expect(config.CloudWatchLoggingOptions.LogStreamName).toEqual({ Ref: logicalId(template, 'AWS::Logs::LogStream', 'DeliveryDestinationLogStream') });
    expect(config.S3Configuration.CloudWatchLoggingOptions.LogStreamName).toEqual({ Ref: logicalId(template, 'AWS::Logs::LogStream', 'DeliveryBackupLogStream') });
    expect(policyStatements(template)).toContainEqual({
      Effect: 'Allow',
      Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      Resource: getAtt(template, 'AWS::Logs::LogGroup', 'DeliveryLogGroup'),
    });
  });

  test('deliveryStream wraps the CfnDeliveryStream: name, ARN, grants and alarm dimensions', () => {
    // GIVEN
    const stack = newStack();
    const delivery = new FirehoseDelivery(stack, 'Delivery', {
      destination: DeliveryDestination.httpEndpoint({ url: 'https://ingest.example.com', bufferingInterval: Duration.seconds(60) }),
    });
    const producer = new iam.Role(stack, 'Producer', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    // WHEN
    delivery.grantPutRecords(producer);
    delivery.addAlarms();
    // THEN
    const template = Template.fromStack(stack);
    const streamId = logicalId(template, 'AWS::KinesisFirehose::DeliveryStream', 'Delivery');
    expect(stack.resolve(delivery.deliveryStreamName)).toEqual({ Ref: streamId });
    expect(stack.resolve(delivery.deliveryStreamArn)).toEqual({ 'Fn::GetAtt': [streamId, 'Arn'] });
    expect(delivery.cfnDeliveryStream.node.id).toBe('Resource');
    expect(delivery.deliveryStream.grantPrincipal).toBe(delivery.role);
    const producerPolicy = template.findResources('AWS::IAM::Policy')[logicalId(template, 'AWS::IAM::Policy', 'ProducerDefaultPolicy')];
    expect(producerPolicy.Properties.PolicyDocument.Statement).toEqual([{
      Effect: 'Allow',
      Action: ['firehose:PutRecord', 'firehose:PutRecordBatch'],
      Resource: { 'Fn::GetAtt': [streamId, 'Arn'] },
    }]);
    const dimensions = [{ Name: 'DeliveryStreamName', Value: { Ref: streamId } }];
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'DeliveryToHttpEndpoint.DataFreshness',
      Dimensions: dimensions,
      Threshold: 420,
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'DeliveryToHttpEndpoint.Success', Dimensions: dimensions });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'ThrottledRecords', Dimensions: dimensions });
  });

  test('an existing backup bucket is used for failed records', () => {
    const stack = newStack();
    const backupBucket = s3.Bucket.fromBucketName(stack, 'Archive', 'archive');
    new FirehoseDelivery(stack, 'Delivery', {
      backupBucket,
      destination: DeliveryDestination.splunk({ hecEndpoint: 'https://splunk.example.com', hecToken: secret(stack) }),
    });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::S3::Bucket', 0);
    expect(deliveryStream(template).Properties.SplunkDestinationConfiguration.S3Configuration.BucketARN)
      .toEqual({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::archive']] });
  });
});
