import type { App } from 'aws-cdk-lib';
import { ApiStack } from './stacks/api-stack.ts';
import { DataStack } from './stacks/data-stack.ts';
import { HostsStack } from './stacks/hosts-stack.ts';

export interface ConvoyStacks {
  readonly data: DataStack;
  readonly api: ApiStack;
  readonly hosts: HostsStack;
}

/**
 * The deployment, shared by `bin/app.ts` and the tests. Stacks carry no account or region so that
 * synth never needs credentials or lookups; `cdk deploy` takes them from the caller's profile.
 */
export function buildApp(app: App): ConvoyStacks {
  const data = new DataStack(app, 'ConvoyData', {
    description: 'Convoy Cloud: state (DynamoDB table, package bucket)',
  });
  const hosts = new HostsStack(app, 'ConvoyHosts', {
    description: 'Convoy Cloud: game-host network, launch template, role and agent bundle',
    instanceTypes: instanceTypesFromContext(app),
  });
  const api = new ApiStack(app, 'ConvoyApi', {
    description:
      'Convoy Cloud: HTTP API, its functions and the jobs (EC2 sync, idle reaper, scheduled starts)',
    table: data.table,
    bucket: data.bucketExport,
    instanceTypes: instanceTypesFromContext(app),
    hosts: hosts.gameHosts,
    prices: pricesFromContext(app),
    alarmEmail: alarmEmailFromContext(app),
  });
  return { data, api, hosts };
}

/** `cdk deploy -c instanceTypes=t3.large,c6i.large`, or a list in cdk.json. */
function instanceTypesFromContext(app: App): string[] | undefined {
  const value: unknown = app.node.tryGetContext('instanceTypes');
  if (value === undefined) return undefined;
  const items: unknown[] = Array.isArray(value) ? value : String(value).split(',');
  return items.map((item) => String(item).trim()).filter(Boolean);
}

/** `cdk deploy -c prices='{"instanceHourlyUsd":{"c6i.large":0.085}}'`, or an object in cdk.json. */
function pricesFromContext(app: App): string | undefined {
  const value: unknown = app.node.tryGetContext('prices');
  if (value === undefined) return undefined;
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** `cdk deploy -c alarmEmail=ops@example.com`: who the alarm topic notifies. */
function alarmEmailFromContext(app: App): string | undefined {
  const value: unknown = app.node.tryGetContext('alarmEmail');
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(value)) {
    throw new Error(`alarmEmail must be an email address, got: ${String(value)}`);
  }
  return value;
}
