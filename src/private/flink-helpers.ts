import { ArnFormat, Duration, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kinesisanalytics from 'aws-cdk-lib/aws-kinesisanalyticsv2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct, IConstruct } from 'constructs';
import { allowCloudWatchLogs } from './compliance';
import { checkInteger, fmt, KinesisKitValidationError } from './validation';

/** The CloudWatch namespace of Managed Service for Apache Flink metrics. */
export const FLINK_METRICS_NAMESPACE = 'AWS/KinesisAnalytics';

/** The service principal that assumes an application's service execution role. */
export const FLINK_SERVICE_PRINCIPAL = 'kinesisanalytics.amazonaws.com';

/** The property group Managed Flink reads a Python application's entry point and JAR from. */
export const RUN_OPTIONS_GROUP_ID = 'kinesis.analytics.flink.run.options';

/** Limits of an application's runtime properties (API `PropertyGroup`). */
export const MAX_PROPERTY_GROUPS = 50;
export const MAX_PROPERTIES_PER_GROUP = 50;
export const MAX_PROPERTY_LENGTH = 2048;
export const MAX_PROPERTY_GROUP_ID_LENGTH = 50;
const PROPERTY_GROUP_ID = /^[a-zA-Z0-9_.-]{1,50}$/;

/** Parallelism per KPU, as the service accepts it. */
export const MIN_PARALLELISM_PER_KPU = 1;
export const MAX_PARALLELISM_PER_KPU = 8;

/** VPC configuration limits (API `VpcConfiguration`). */
export const MAX_SECURITY_GROUPS = 5;
export const MAX_SUBNETS = 16;

/** What the service reads the application code with. */
export const CODE_READ_ACTIONS = ['s3:GetObject', 's3:GetObjectVersion'];

/** What a Firehose producer needs on the delivery stream. */
export const FIREHOSE_PUT_ACTIONS = ['firehose:PutRecord', 'firehose:PutRecordBatch'];

/**
 * What the service needs to place an application in a VPC. None of these can be narrowed to
 * resources the template knows: the service creates and deletes the network interfaces itself.
 *
 * @see https://docs.aws.amazon.com/managed-flink/latest/java/vpc-permissions.html
 */
export const VPC_ENI_ACTIONS = [
  'ec2:DescribeVpcs',
  'ec2:DescribeSubnets',
  'ec2:DescribeSecurityGroups',
  'ec2:DescribeDhcpOptions',
  'ec2:CreateNetworkInterface',
  'ec2:CreateNetworkInterfacePermission',
  'ec2:DescribeNetworkInterfaces',
  'ec2:DeleteNetworkInterface',
];

/** Why the VPC statement uses `Resource: *`, for cdk-nag's AwsSolutions-IAM5. */
export const VPC_WILDCARD_REASON = 'Managed Service for Apache Flink creates, describes and deletes the network interfaces of a VPC application itself; the EC2 actions it needs (ec2:CreateNetworkInterface, ec2:DescribeVpcs and the rest of the documented list) cannot be scoped to resources known when the template is written.';

/** Fails when a concrete number is below `min`. Unresolved tokens are skipped. */
export function checkAtLeast(scope: IConstruct | string, prop: string, value: number | undefined, min: number, unit = ''): void {
  if (value === undefined || Token.isUnresolved(value)) {
    return;
  }
  if (!Number.isFinite(value) || value < min) {
    throw new KinesisKitValidationError(scope, `${prop} must be at least ${fmt(min)}${unit}, got ${fmt(value)}${unit}`);
  }
}

/**
 * Fails when a concrete duration is not a whole number of milliseconds at least `minMillis`.
 * Unresolved durations are skipped. Returns the milliseconds, or undefined.
 */
export function checkDurationMillis(scope: IConstruct | string, prop: string, value: Duration | undefined, minMillis: number): number | undefined {
  if (value === undefined) {
    return undefined;
  }
  if (value.isUnresolved()) {
    return value.toMilliseconds();
  }
  const millis = value.toMilliseconds({ integral: false });
  checkInteger(scope, `${prop} (in milliseconds)`, millis);
  checkAtLeast(scope, prop, millis, minMillis, ' ms');
  return millis;
}

/** Fails when a concrete property group id breaks the service's rule. */
export function checkPropertyGroupId(scope: IConstruct | string, prop: string, groupId: string): void {
  if (Token.isUnresolved(groupId)) {
    return;
  }
  if (!PROPERTY_GROUP_ID.test(groupId)) {
    throw new KinesisKitValidationError(scope,
      `${prop} must be 1 to ${MAX_PROPERTY_GROUP_ID_LENGTH} characters of [a-zA-Z0-9_.-], got '${groupId}' (${groupId.length} characters)`);
  }
}

/** Fails when a concrete property map breaks the service's limits. Tokens are skipped. */
export function checkPropertyMap(scope: IConstruct | string, groupId: string, map: { [key: string]: string }): void {
  const entries = Object.entries(map);
  if (entries.length < 1 || entries.length > MAX_PROPERTIES_PER_GROUP) {
    throw new KinesisKitValidationError(scope,
      `property group '${groupId}' must hold 1 to ${MAX_PROPERTIES_PER_GROUP} properties, got ${entries.length}`);
  }
  for (const [key, value] of entries) {
    if (!Token.isUnresolved(key) && (key.length < 1 || key.length > MAX_PROPERTY_LENGTH)) {
      throw new KinesisKitValidationError(scope,
        `property group '${groupId}': a key must be 1 to ${fmt(MAX_PROPERTY_LENGTH)} characters, got '${key.slice(0, 40)}' (${key.length} characters)`);
    }
    if (typeof value !== 'string') {
      throw new KinesisKitValidationError(scope,
        `property group '${groupId}': the value of '${key}' must be a string, got ${typeof value}`);
    }
    if (!Token.isUnresolved(value) && (value.length < 1 || value.length > MAX_PROPERTY_LENGTH)) {
      throw new KinesisKitValidationError(scope,
        `property group '${groupId}': the value of '${key}' must be 1 to ${fmt(MAX_PROPERTY_LENGTH)} characters, got ${fmt(value.length)} characters`);
    }
  }
}

/**
 * The runtime property groups of an application, in the order they were added. Rendered
 * lazily, so that groups added after the application (sources, sinks) are included.
 */
export class PropertyGroups {
  private readonly groups = new Map<string, { [key: string]: string }>();

  constructor(private readonly scope: IConstruct) {}

  /** Adds a group; fails on a duplicate id or a broken limit. */
  public add(groupId: string, properties: { [key: string]: string }, prop = 'propertyGroupId'): void {
    checkPropertyGroupId(this.scope, prop, groupId);
    if (this.groups.has(groupId)) {
      throw new KinesisKitValidationError(this.scope,
        `${prop} must be unique in the application, got '${groupId}', which is already defined`);
    }
    checkPropertyMap(this.scope, groupId, properties);
    this.groups.set(groupId, { ...properties });
  }

  public has(groupId: string): boolean {
    return this.groups.has(groupId);
  }

  public get size(): number {
    return this.groups.size;
  }

  /** The `EnvironmentProperties` value, in CloudFormation casing (it is produced by a token). */
  public render(): unknown {
    if (this.groups.size === 0) {
      return undefined;
    }
    return {
      PropertyGroups: Array.from(this.groups.entries()).map(([id, map]) => ({ PropertyGroupId: id, PropertyMap: map })),
    };
  }

  /** Synth-time errors: the service takes at most 50 groups. */
  public validate(): string[] {
    if (this.groups.size > MAX_PROPERTY_GROUPS) {
      return [new KinesisKitValidationError(this.scope,
        `an application has 1 to ${MAX_PROPERTY_GROUPS} runtime property groups, got ${this.groups.size} (${Array.from(this.groups.keys()).join(', ')})`).message];
    }
    return [];
  }
}

/** Grants the service role read on the code object, and decrypt on the bucket's key if any. */
export function grantCodeRead(role: iam.IGrantable, bucket: s3.IBucket, fileKey: string): void {
  iam.Grant.addToPrincipal({
    grantee: role,
    actions: CODE_READ_ACTIONS,
    resourceArns: [bucket.arnForObjects(fileKey)],
  });
  bucket.encryptionKey?.grantDecrypt(role);
}

/** The service execution role of an application or notebook. */
export function createServiceRole(scope: Construct, description: string): iam.Role {
  const stack = Stack.of(scope);
  return new iam.Role(scope, 'Role', {
    description,
    // Confused-deputy protection: only this account's applications may assume the role.
    assumedBy: new iam.ServicePrincipal(FLINK_SERVICE_PRINCIPAL, {
      conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
    }),
  });
}

/** Settings of `configureLogging`. */
export interface LoggingSettings {
  readonly logGroup?: logs.ILogGroup;
  readonly retention: logs.RetentionDays;
  readonly removalPolicy: RemovalPolicy;
}

/** What `configureLogging` created or used. */
export interface Logging {
  readonly logGroup: logs.ILogGroup;
  readonly logStream: logs.LogStream;
  readonly logStreamArn: string;
  readonly encryptionKey?: kms.Key;
}

/**
 * The log group (given, or created encrypted with a new customer-managed key that CloudWatch
 * Logs may use), a log stream in it, and the role's permissions to write there.
 *
 * @see https://docs.aws.amazon.com/managed-flink/latest/java/cloudwatch-logs.html
 */
export function configureLogging(scope: Construct, role: iam.Role, settings: LoggingSettings): Logging {
  const stack = Stack.of(scope);
  let logGroup = settings.logGroup;
  let encryptionKey: kms.Key | undefined;
  if (!logGroup) {
    encryptionKey = new kms.Key(scope, 'LogsKey', {
      description: `Encrypts the logs of ${scope.node.path}`,
      enableKeyRotation: true,
      removalPolicy: settings.removalPolicy,
    });
    allowCloudWatchLogs(encryptionKey);
    logGroup = new logs.LogGroup(scope, 'LogGroup', {
      encryptionKey,
      retention: settings.retention,
      removalPolicy: settings.removalPolicy,
    });
  }
  const logStream = new logs.LogStream(scope, 'LogStream', {
    logGroup,
    removalPolicy: settings.removalPolicy,
  });
  const logStreamArn = stack.formatArn({
    service: 'logs',
    region: logGroup.env.region,
    account: logGroup.env.account,
    resource: 'log-group',
    resourceName: `${logGroup.logGroupName}:log-stream:${logStream.logStreamName}`,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });

  const logGroupsArn = stack.formatArn({
    service: 'logs',
    region: logGroup.env.region,
    account: logGroup.env.account,
    resource: 'log-group',
    resourceName: '*',
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
  iam.Grant.addToPrincipal({ grantee: role, actions: ['logs:DescribeLogGroups'], resourceArns: [logGroupsArn] });
  iam.Grant.addToPrincipal({ grantee: role, actions: ['logs:DescribeLogStreams'], resourceArns: [logGroup.logGroupArn] });
  iam.Grant.addToPrincipal({ grantee: role, actions: ['logs:PutLogEvents'], resourceArns: [logStreamArn] });
  acknowledgeWildcardResource(role, logGroupsArn,
    'logs:DescribeLogGroups lists log groups: Managed Service for Apache Flink calls it to find the application\'s log group, and it has no narrower resource than the log groups of the account and Region.');
  return { logGroup, logStream, logStreamArn, encryptionKey };
}

/** Attaches the CloudWatch logging option to an application. */
export function addLoggingOption(
  scope: Construct,
  application: kinesisanalytics.CfnApplication,
  role: iam.IRole,
  logStreamArn: string,
): kinesisanalytics.CfnApplicationCloudWatchLoggingOption {
  const option = new kinesisanalytics.CfnApplicationCloudWatchLoggingOption(scope, 'LoggingOption', {
    applicationName: application.ref,
    cloudWatchLoggingOption: { logStreamArn },
  });
  // The service checks that the role may write to the stream when the option is added.
  option.node.addDependency(role);
  return option;
}

/** Settings of `configureVpc`. */
export interface VpcSettings {
  readonly vpc?: ec2.IVpc;
  readonly vpcSubnets?: ec2.SubnetSelection;
  readonly securityGroups?: ec2.ISecurityGroup[];
}

/** What `configureVpc` produced. */
export interface VpcPlacement {
  readonly connections: ec2.Connections;
  readonly vpcConfigurations?: kinesisanalytics.CfnApplication.VpcConfigurationProperty[];
}

/** Fails on subnets or security groups given without a VPC. */
export function checkVpcSettings(scope: IConstruct | string, settings: VpcSettings): void {
  if (settings.vpc) {
    return;
  }
  if (settings.vpcSubnets) {
    throw new KinesisKitValidationError(scope, 'vpcSubnets can only be used with vpc, got vpcSubnets and no vpc');
  }
  if (settings.securityGroups) {
    throw new KinesisKitValidationError(scope,
      `securityGroups can only be used with vpc, got ${settings.securityGroups.length} security group(s) and no vpc`);
  }
}

/**
 * The VPC configuration (subnets, and the given security groups or a created one) and the
 * role's ENI permissions, acknowledged for cdk-nag.
 */
export function configureVpc(scope: Construct, role: iam.Role, settings: VpcSettings): VpcPlacement {
  checkVpcSettings(scope, settings);
  if (!settings.vpc) {
    return { connections: new ec2.Connections() };
  }
  const securityGroups = settings.securityGroups ?? [
    new ec2.SecurityGroup(scope, 'SecurityGroup', {
      vpc: settings.vpc,
      description: `Managed Service for Apache Flink application ${scope.node.path}`,
      allowAllOutbound: true,
    }),
  ];
  if (securityGroups.length < 1 || securityGroups.length > MAX_SECURITY_GROUPS) {
    throw new KinesisKitValidationError(scope,
      `securityGroups must hold 1 to ${MAX_SECURITY_GROUPS} security groups, got ${securityGroups.length}`);
  }
  const subnetIds = settings.vpc.selectSubnets(settings.vpcSubnets ?? { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS }).subnetIds;
  if (!Token.isUnresolved(subnetIds) && (subnetIds.length < 1 || subnetIds.length > MAX_SUBNETS)) {
    throw new KinesisKitValidationError(scope,
      `vpcSubnets must select 1 to ${MAX_SUBNETS} subnets, got ${subnetIds.length}`);
  }
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    actions: VPC_ENI_ACTIONS,
    resources: ['*'],
  }));
  acknowledgeWildcardResource(role, '*', VPC_WILDCARD_REASON);
  return {
    connections: new ec2.Connections({ securityGroups }),
    vpcConfigurations: [{
      securityGroupIds: securityGroups.map((sg) => sg.securityGroupId),
      subnetIds,
    }],
  };
}

/**
 * Acknowledges cdk-nag's AwsSolutions-IAM5 finding for one wildcard resource of `scope`'s
 * policies. cdk-nag names a finding after the resource as its template renders it (references
 * flattened to `<LogicalId>` and `<AWS::Region>`), so the id is computed the same way.
 */
export function acknowledgeWildcardResource(scope: IConstruct, resource: string, reason: string): void {
  const flat = flattenReference(Stack.of(scope).resolve(resource));
  Validations.of(scope).acknowledge({ id: `AwsSolutions-IAM5[Resource::${flat}]`, reason });
}

/** The same flattening cdk-nag applies to a resolved CloudFormation value. */
function flattenReference(node: unknown): string {
  if (node === undefined) {
    return '';
  }
  if (typeof node === 'string') {
    return node.replace(/\${/g, '<').replace(/}/g, '>');
  }
  const obj = node as Record<string, any>;
  if (obj['Fn::Join']) {
    const [delimiter, items] = obj['Fn::Join'];
    return (items as unknown[]).map(flattenReference).join(delimiter);
  }
  if (obj['Fn::Sub']) {
    return flattenReference(obj['Fn::Sub']);
  }
  if (obj['Fn::GetAtt']) {
    const [resource, attribute] = obj['Fn::GetAtt'];
    return `<${flattenReference(resource)}.${flattenReference(attribute)}>`;
  }
  if (obj['Fn::ImportValue']) {
    return flattenReference(obj['Fn::ImportValue']);
  }
  if (obj.Ref) {
    return `<${flattenReference(obj.Ref)}>`;
  }
  return JSON.stringify(node);
}

/** The string-token markers aws-cdk-lib writes into strings (`${Token[...]}`). */
const STRING_TOKEN = /\$\{Token\[[a-zA-Z0-9:._-]+\]\}/g;

/**
 * How many characters a token inside a SQL statement is assumed to take once CloudFormation
 * resolves it: enough for any stream, bucket or delivery stream ARN.
 */
export const TOKEN_LENGTH_BUDGET = 256;

/**
 * Splits a string into chunks that each fit a property value (2,048 characters), never inside a
 * token and never inside a character outside the Basic Multilingual Plane. A token counts as
 * `TOKEN_LENGTH_BUDGET` characters.
 */
export function chunkString(value: string, limit = MAX_PROPERTY_LENGTH): string[] {
  const pieces: Array<{ text: string; cost: number; splittable: boolean }> = [];
  let last = 0;
  for (const match of value.matchAll(STRING_TOKEN)) {
    if (match.index! > last) {
      pieces.push({ text: value.slice(last, match.index), cost: 0, splittable: true });
    }
    pieces.push({ text: match[0], cost: TOKEN_LENGTH_BUDGET, splittable: false });
    last = match.index! + match[0].length;
  }
  if (last < value.length) {
    pieces.push({ text: value.slice(last), cost: 0, splittable: true });
  }

  const chunks: string[] = [];
  let current = '';
  let used = 0;
  const flush = () => {
    if (current.length > 0) {
      chunks.push(current);
    }
    current = '';
    used = 0;
  };
  for (const piece of pieces) {
    if (!piece.splittable) {
      if (used + piece.cost > limit) {
        flush();
      }
      current += piece.text;
      used += piece.cost;
      continue;
    }
    for (const char of Array.from(piece.text)) {
      if (used + char.length > limit) {
        flush();
      }
      current += char;
      used += char.length;
    }
  }
  flush();
  return chunks;
}
