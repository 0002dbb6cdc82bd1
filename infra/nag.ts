/**
 * cdk-nag (the AwsSolutions pack) over the whole app: `bin/app.ts` adds it, so `cdk synth` fails
 * on any finding not fixed or acknowledged, and `test/infra/nag.test.ts` pins that. Findings are
 * acknowledged where they arise, by exact id, each with its reason; the helpers here spell the
 * ids the way the rules do.
 */
import type { App } from 'aws-cdk-lib';
import { Stack, Validations } from 'aws-cdk-lib';
import type { IGrantable } from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
// The rules' own rendering of a CloudFormation value (`<Logical.Arn>`, `<AWS::Region>`, export names).
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference.js';
import type { IConstruct } from 'constructs';
import { Construct } from 'constructs';

export function addNagChecks(app: App): void {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
}

/** Acknowledges an AwsSolutions rule (`'S1'`, `'EC23'`) on `scope` and everything in it. */
export function acknowledgeRule(scope: IConstruct, rule: string, reason: string): void {
  Validations.of(scope).acknowledge({ id: `AwsSolutions-${rule}`, reason });
}

/**
 * Acknowledges IAM5 (wildcard permissions) for exactly one resource of a policy under `scope`:
 * `resource` as written in the policy (tokens of the scope's stack allowed), e.g.
 * `bucket.arnForObjects('*')`. Any other wildcard still fails.
 */
export function acknowledgeWildcard(scope: IConstruct, resource: string, reason: string): void {
  const rendered = flattenCfnReference(Stack.of(scope).resolve(resource));
  Validations.of(scope).acknowledge({ id: `AwsSolutions-IAM5[Resource::${rendered}]`, reason });
}

/** `acknowledgeWildcard` on the role a grant went to (where its policy lives). */
export function acknowledgeGrantedWildcard(grantee: IGrantable, resource: string, reason: string): void {
  const principal = grantee.grantPrincipal;
  if (!Construct.isConstruct(principal))
    throw new Error('a wildcard can be acknowledged only on a role of this app');
  acknowledgeWildcard(principal, resource, reason);
}
