/**
 * The functions that no HTTP route invokes, in one table like `ROUTES`: the CDK app gives each
 * its function and trigger, and the local runtime runs the same modules on the same triggers
 * (the EC2 stand-in's state changes, a timer). Neither keeps a list of its own.
 */
import type { HostAccess, TableAccess } from '../http/routes.ts';

export type JobTrigger =
  /** EventBridge's "EC2 Instance State-change Notification" for any instance. */
  { readonly kind: 'ec2StateChange' } | { readonly kind: 'schedule'; readonly everyMinutes: number };

export interface JobDef {
  /** Stable name: the function's construct id in CDK and its label in logs. */
  readonly name: string;
  /** The Lambda entry point, relative to the repository root. */
  readonly entry: string;
  readonly trigger: JobTrigger;
  readonly table: TableAccess;
  readonly hosts: readonly HostAccess[];
}

export const JOBS: readonly JobDef[] = [
  {
    name: 'ec2-state-change',
    entry: 'functions/ec2/state-change.ts',
    trigger: { kind: 'ec2StateChange' },
    table: 'readWrite',
    // Describe for the truth; the others to re-drive a transition the host has not followed.
    hosts: ['describe', 'launch', 'start', 'stop', 'terminate'],
  },
  {
    name: 'ec2-reconcile',
    entry: 'functions/ec2/reconcile.ts',
    trigger: { kind: 'schedule', everyMinutes: 5 },
    table: 'readWrite',
    hosts: ['describe', 'launch', 'start', 'stop', 'terminate'],
  },
];

export const STATE_CHANGE_DETAIL_TYPE = 'EC2 Instance State-change Notification';
