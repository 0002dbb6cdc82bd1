import { readFileSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
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
