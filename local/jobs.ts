/**
 * The non-HTTP functions of `JOBS` on their local triggers: the EC2 stand-in's state changes
 * become the EventBridge events the state-change rule would deliver in AWS, and the scheduled
 * jobs (the reconciler, the idle reaper) run on timers, and on `POST /local/jobs/<name>` for
 * tests and the impatient.
 */
import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import { logger } from '../shared/http/logger.ts';
import type { JobDef } from '../shared/runtime/jobs.ts';
import { JOBS, STATE_CHANGE_DETAIL_TYPE } from '../shared/runtime/jobs.ts';
import type { Fleet } from './ec2/fleet.ts';
import type { Gateway } from './gateway.ts';
import { lambdaContext } from './gateway-event.ts';

export type JobHandler = (event: unknown, context: Context) => Promise<unknown>;

export interface LocalJobsOptions {
  /** Every job's handler, by job name. */
  readonly handlers: ReadonlyMap<string, JobHandler>;
  readonly fleet: Fleet;
  readonly gateway: Gateway;
  readonly region: string;
  /** Seconds between runs of each scheduled job, by name; a job not named runs on its schedule. */
  readonly intervalSeconds: Readonly<Record<string, number>>;
}

/** Starts the triggers; the returned function stops them and waits for invocations in flight. */
export function startLocalJobs(options: LocalJobsOptions): () => Promise<void> {
  const { handlers, fleet, gateway, region } = options;
  const inFlight = new Set<Promise<unknown>>();
  const invoke = (job: JobDef, event: unknown): Promise<unknown> => {
    const handler = handlers.get(job.name);
    if (!handler) throw new Error(`No handler for job ${job.name}`);
    const run = handler(event, lambdaContext(job.name, region)).finally(() => inFlight.delete(run));
    inFlight.add(run);
    return run;
  };
  const stops: (() => void)[] = [];

  for (const job of JOBS) {
    const trigger = job.trigger;
    if (trigger.kind === 'ec2StateChange') {
      stops.push(
        fleet.onStateChange((instance, change) => {
          const event = {
            version: '0',
            id: randomUUID(),
            'detail-type': STATE_CHANGE_DETAIL_TYPE,
            source: 'aws.ec2',
            account: '000000000000',
            time: new Date().toISOString(),
            region,
            resources: [`arn:aws:ec2:${region}:000000000000:instance/${instance.instanceId}`],
            detail: { 'instance-id': instance.instanceId, state: change.current },
          };
          invoke(job, event).catch((error: unknown) =>
            logger.error('state-change handler failed', { job: job.name, error: error as Error }),
          );
        }),
      );
    } else if (trigger.kind === 'schedule') {
      const seconds = options.intervalSeconds[job.name] ?? trigger.everyMinutes * 60;
      const timer = setInterval(() => {
        invoke(job, {}).catch((error: unknown) =>
          logger.error('scheduled job failed', { job: job.name, error: error as Error }),
        );
      }, seconds * 1000);
      timer.unref();
      stops.push(() => clearInterval(timer));
      gateway.addLocalRoute('POST', `/local/jobs/${job.name}`, async () => ({
        statusCode: 200,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(await invoke(job, {})),
      }));
    }
  }

  // `scheduler` jobs are invoked by the Scheduler stand-in (local/scheduler/), as in AWS.
  return async () => {
    for (const stop of stops) stop();
    await Promise.allSettled([...inFlight]);
  };
}
