/**
 * The functions that no HTTP route invokes, in one table like `ROUTES`: the CDK app gives each
 * its function and trigger, and the local runtime runs the same modules on the same triggers
 * (the EC2 stand-in's state changes, a timer). Neither keeps a list of its own.
 */
import type { HostAccess, TableAccess } from '../http/routes.ts';

export type JobTrigger =
  /** EventBridge's "EC2 Instance State-change Notification" for any instance. */
  | { readonly kind: 'ec2StateChange' }
  | { readonly kind: 'schedule'; readonly everyMinutes: number }
  /** Invoked by the EventBridge Scheduler schedules that the API creates (scheduled starts). */
  | { readonly kind: 'scheduler' };

export interface JobDef {
  /** Stable name: the function's construct id in CDK and its label in logs. */
  readonly name: string;
  /** The Lambda entry point, relative to the repository root. */
  readonly entry: string;
  readonly trigger: JobTrigger;
  readonly table: TableAccess;
  readonly hosts: readonly HostAccess[];
  /** @default 120 for a schedule, 30 for an event */
  readonly timeoutSeconds?: number;
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
  {
    name: 'idle-reaper',
    entry: 'functions/reaper/tick.ts',
    trigger: { kind: 'schedule', everyMinutes: 1 },
    // Reads the active index and servers; writes observations and the stop transition.
    table: 'readWrite',
    // It may stop a host, never start, launch or terminate one; the stop's outcome comes back
    // through the state-change sync, so it needs no Describe either.
    hosts: ['stop'],
    // A tick must end before the next one starts; one cut short leaves the rest to the next.
    timeoutSeconds: 55,
  },
  {
    name: 'schedule-fire',
    entry: 'functions/schedules/fire.ts',
    trigger: { kind: 'scheduler' },
    // Reads the schedule and the server; writes the run, the start and its events.
    table: 'readWrite',
    // What a start needs (as the start route): the launch or power-on, and a stop or terminate
    // for an intent that changed while the launch was under way.
    hosts: ['launch', 'start', 'stop', 'terminate', 'describe'],
    timeoutSeconds: 60,
  },
];

export const STATE_CHANGE_DETAIL_TYPE = 'EC2 Instance State-change Notification';
