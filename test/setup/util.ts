import { App, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';

/** A stack in a fresh app, with a fixed environment-agnostic synthesizer. */
export function newStack(id = 'TestStack'): Stack {
  return new Stack(new App(), id);
}

/**
 * All IAM policy statements of the template, flattened, with action lists sorted so that tests
 * do not depend on the order in which CDK merges statements.
 */
export function policyStatements(template: Template): any[] {
  const policies = template.findResources('AWS::IAM::Policy');
  return Object.values(policies)
    .flatMap((p: any) => p.Properties.PolicyDocument.Statement)
    .map((s: any) => (Array.isArray(s.Action) ? { ...s, Action: [...s.Action].sort() } : s));
}

/**
 * aws-cdk-lib's DeliveryStream (and its imports) render a Firehose CIDR mapping for their
 * `connections` that nothing references, which CloudFormation Validate reports as W7001 on the
 * stack. It is aws-cdk-lib's, and harmless; acknowledged here to keep the test output readable.
 */
export function quiet<T extends Stack>(stack: T): T {
  Validations.of(stack).acknowledge({
    id: 'CloudFormation-Validate::W7001',
    reason: 'aws-cdk-lib renders the Firehose CIDR mapping of DeliveryStream.connections even when unused',
  });
  return stack;
}

/** A `newStack` for tests of Firehose deliveries: see `quiet`. */
export function newFirehoseStack(): Stack {
  return quiet(newStack());
}

/** The logical id of the template's first resource of `type`. */
export function logicalIdOf(template: Template, type: string): string {
  return Object.keys(template.findResources(type))[0];
}

/** The logical id of the one resource of `type` whose id starts with `prefix`; throws unless there is exactly one. */
export function logicalId(template: Template, type: string, prefix: string): string {
  const ids = Object.keys(template.findResources(type)).filter((id) => id.startsWith(prefix));
  if (ids.length !== 1) {
    throw new Error(`expected one ${type} starting with ${prefix}, got [${ids.join(', ')}]`);
  }
  return ids[0];
}

/** The template's Firehose delivery stream; the test fails unless there is exactly one. */
export function deliveryStream(template: Template): any {
  const streams = Object.values<any>(template.findResources('AWS::KinesisFirehose::DeliveryStream'));
  expect(streams).toHaveLength(1);
  return streams[0];
}
