import { readFileSync } from 'node:fs';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { CfnRole, IRole } from 'aws-cdk-lib/aws-iam';
import { buildApp } from '../../infra/app.ts';

// The same feature flags as `cdk synth`, so the tests see the template that gets deployed.
const cdkJson = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as {
  context: Record<string, unknown>;
};

/** Builds the app as `bin/app.ts` does, without bundling (esbuild per function would take seconds). */
export function synthApp(context: Record<string, unknown> = {}) {
  const app = new App({ context: { ...cdkJson.context, 'aws:cdk:bundling-stacks': [], ...context } });
  const stacks = buildApp(app);
  return { stacks, data: Template.fromStack(stacks.data), api: Template.fromStack(stacks.api) };
}

export interface Statement {
  readonly Effect?: string;
  readonly Action: string | string[];
  readonly Resource: unknown;
  readonly Condition?: Record<string, Record<string, unknown>>;
}

/** Every statement of every policy attached to the function's role, in the role's stack. */
export function statementsOf(fn: { readonly role?: IRole | undefined }): Statement[] {
  const role = fn.role;
  if (!role) throw new Error('no role');
  const stack = Stack.of(role);
  const roleId = stack.getLogicalId(role.node.defaultChild as CfnRole);
  return Object.values(Template.fromStack(stack).findResources('AWS::IAM::Policy'))
    .filter((p) => JSON.stringify(p.Properties.Roles).includes(`"${roleId}"`))
    .flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[]);
}

/** The actions of those statements. */
export const actionsOf = (fn: { readonly role?: IRole | undefined }): string[] =>
  statementsOf(fn).flatMap((s) => [s.Action].flat());
