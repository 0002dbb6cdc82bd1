import type { App } from 'aws-cdk-lib';
import { ApiStack } from './stacks/api-stack.ts';
import { DataStack } from './stacks/data-stack.ts';

export interface ConvoyStacks {
  readonly data: DataStack;
  readonly api: ApiStack;
}

/**
 * The deployment, shared by `bin/app.ts` and the tests. Stacks carry no account or region so that
 * synth never needs credentials or lookups; `cdk deploy` takes them from the caller's profile.
 */
export function buildApp(app: App): ConvoyStacks {
  const data = new DataStack(app, 'ConvoyData', { description: 'Convoy Cloud: state (DynamoDB table)' });
  const api = new ApiStack(app, 'ConvoyApi', {
    description: 'Convoy Cloud: HTTP API and its functions',
    table: data.table,
    instanceTypes: instanceTypesFromContext(app),
  });
  return { data, api };
}

/** `cdk deploy -c instanceTypes=t3.large,c6i.large`, or a list in cdk.json. */
function instanceTypesFromContext(app: App): string[] | undefined {
  const value: unknown = app.node.tryGetContext('instanceTypes');
  if (value === undefined) return undefined;
  const items: unknown[] = Array.isArray(value) ? value : String(value).split(',');
  return items.map((item) => String(item).trim()).filter(Boolean);
}
