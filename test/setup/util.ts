import { App, Stack } from 'aws-cdk-lib';
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
