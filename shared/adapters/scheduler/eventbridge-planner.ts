/**
 * EventBridge Scheduler over `fetch` with SigV4: `CreateSchedule` (POST /schedules/{Name}) and
 * `DeleteSchedule` (DELETE /schedules/{Name}), REST-JSON as the SDK sends them. Not the
 * `@aws-sdk/client-scheduler` client: it adds ~39 KiB to a bundle (measured: 247.9 KiB with the
 * DynamoDB document client against 209.2 without), which would put the start handler, already
 * carrying the EC2 client, at 411 KiB, over the 400 KiB budget; the signer is in that bundle
 * already. The integration tests check this adapter and the SDK client against the same local
 * stand-in, so the two speak one protocol.
 */
import { fromEnv } from '@aws-sdk/credential-provider-env';
import { SignatureV4 } from '@smithy/signature-v4';
import type { SchedulePlan } from '../../domain/schedule.ts';
import type { SchedulePlanner } from '../../services/ports.ts';
import { NodeSha256 } from '../sigv4/node-sha256.ts';

export interface SchedulerPlannerOptions {
  readonly region: string;
  /** Locally, the stand-in's URL; in AWS the regional endpoint. */
  readonly endpoint?: string | undefined;
  /** The deployment's schedule group: its schedules only. Without it every call fails. */
  readonly groupName?: string | undefined;
  /** The role Scheduler assumes to invoke the target; without it (and the target) `create` fails. */
  readonly roleArn?: string | undefined;
  /** The start handler (a Lambda function ARN). */
  readonly targetArn?: string | undefined;
  /** @default - a SigV4 signer with the function's credentials from its environment */
  readonly signer?: SignatureV4;
}

/** Scheduler retries a failed invoke itself (Lambda throttling); the handler records its own failures. */
const RETRY_POLICY = { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 900 };

/** Stand-ins check that credentials exist, not what they are. */
const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

export function createSchedulerPlanner(options: SchedulerPlannerOptions): SchedulePlanner {
  const base = new URL(options.endpoint ?? `https://scheduler.${options.region}.amazonaws.com`);
  const signer =
    options.signer ??
    new SignatureV4({
      service: 'scheduler',
      region: options.region,
      credentials: options.endpoint ? LOCAL_CREDENTIALS : fromEnv(),
      sha256: NodeSha256,
    });

  async function send(method: 'POST' | 'DELETE', name: string, body?: unknown): Promise<Response> {
    if (!options.groupName) throw new Error('Scheduler is not configured here: no schedule group.');
    const path = `${base.pathname.replace(/\/$/, '')}/schedules/${encodeURIComponent(name)}`;
    const query: Record<string, string> = method === 'DELETE' ? { groupName: options.groupName } : {};
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const signed = await signer.sign({
      method,
      protocol: base.protocol,
      hostname: base.hostname,
      ...(base.port ? { port: Number(base.port) } : {}),
      path,
      query,
      headers: {
        host: base.host,
        ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(payload === undefined ? {} : { body: payload }),
    });
    const { host: _host, ...headers } = signed.headers;
    const search = new URLSearchParams(query).toString();
    return fetch(`${base.origin}${path}${search ? `?${search}` : ''}`, {
      method,
      headers,
      ...(payload === undefined ? {} : { body: payload }),
    });
  }

  return {
    async create(name: string, plan: SchedulePlan, input: string) {
      const { roleArn, targetArn } = options;
      if (!roleArn || !targetArn)
        throw new Error('Scheduler targets are not configured here: no role or target ARN.');
      const response = await send('POST', name, {
        GroupName: options.groupName,
        ScheduleExpression: plan.expression,
        ScheduleExpressionTimezone: plan.timeZone,
        FlexibleTimeWindow: { Mode: 'OFF' },
        State: 'ENABLED',
        ...(plan.once ? { ActionAfterCompletion: 'DELETE' } : {}),
        Target: { Arn: targetArn, RoleArn: roleArn, Input: input, RetryPolicy: RETRY_POLICY },
      });
      // A retried create (the first answer lost) finds its schedule there: that is success.
      const type = await errorType(response);
      if (response.ok || type === 'ConflictException') return;
      throw failure(response, type, `CreateSchedule ${name}`);
    },

    async remove(name: string) {
      const response = await send('DELETE', name);
      const type = await errorType(response);
      if (response.ok || type === 'ResourceNotFoundException') return;
      throw failure(response, type, `DeleteSchedule ${name}`);
    },
  };
}

/** REST-JSON errors name their type in a header, or in the body's `__type`/`code`; `null` on success. */
async function errorType(response: Response): Promise<string | null> {
  if (response.ok) {
    await response.body?.cancel();
    return null;
  }
  const header = response.headers.get('x-amzn-errortype');
  const body = (await response.text().catch(() => '')).slice(0, 4000);
  const raw = header ?? parseType(body);
  // `ConflictException:http://internal.amazon.com/...` or `aws.scheduler#ConflictException`.
  return raw?.split(':')[0]?.split('#').at(-1) ?? 'unknown';
}

function parseType(body: string): string | null {
  try {
    const parsed = JSON.parse(body) as { __type?: unknown; code?: unknown };
    const type = parsed.__type ?? parsed.code;
    return typeof type === 'string' ? type : null;
  } catch {
    return null;
  }
}

const failure = (response: Response, type: string | null, what: string): Error =>
  new Error(`Scheduler ${what} failed: HTTP ${response.status} ${type ?? 'no error type'}`);
