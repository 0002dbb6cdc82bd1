/**
 * The schedules' settings from the environment, apart from `env.ts` because only the schedule
 * functions read them. Names are shared by the CDK (which sets them) and the code.
 */
import { issuesOf } from '../domain/validation.ts';
import * as z from '../domain/zod.ts';

export const SCHEDULER_ENV = {
  /** The deployment's EventBridge Scheduler schedule group; set on the functions that manage schedules. */
  groupName: 'CONVOY_SCHEDULE_GROUP',
  /** The role Scheduler assumes to invoke the start handler; unset on the start handler itself. */
  roleArn: 'CONVOY_SCHEDULER_ROLE_ARN',
  /** The start handler's function ARN; unset on the start handler itself. */
  targetArn: 'CONVOY_SCHEDULE_TARGET_ARN',
  /** Set only in local mode and tests: the Scheduler stand-in's endpoint. */
  endpoint: 'CONVOY_SCHEDULER_ENDPOINT',
} as const;

const SchedulerEnvSchema = z.object({
  [SCHEDULER_ENV.groupName]: z
    .string()
    .check(z.regex(/^[0-9a-zA-Z-_.]{1,64}$/, 'must be a schedule group name')),
  [SCHEDULER_ENV.roleArn]: z.optional(
    z.string().check(z.regex(/^arn:[\w-]+:iam::\d{12}:role\/.+$/, 'must be a role ARN')),
  ),
  [SCHEDULER_ENV.targetArn]: z.optional(
    z
      .string()
      .check(z.regex(/^arn:[\w-]+:lambda:[\w-]+:\d{12}:function:.+$/, 'must be a Lambda function ARN')),
  ),
  [SCHEDULER_ENV.endpoint]: z.optional(z.url()),
});

export interface SchedulerConfig {
  /** Unset on functions that only read schedules; Scheduler calls then fail loudly. */
  readonly groupName: string | undefined;
  readonly roleArn: string | undefined;
  readonly targetArn: string | undefined;
  readonly endpoint: string | undefined;
}

export function loadSchedulerConfig(env: NodeJS.ProcessEnv = process.env): SchedulerConfig {
  const result = SchedulerEnvSchema.safeParse(env);
  if (!result.success) {
    const problems = issuesOf(result.error).map((i) => `${i.path}: ${i.message}`);
    throw new Error(`Invalid environment: ${problems.join('; ')}`);
  }
  const e = result.data;
  return {
    groupName: e[SCHEDULER_ENV.groupName],
    roleArn: e[SCHEDULER_ENV.roleArn],
    targetArn: e[SCHEDULER_ENV.targetArn],
    endpoint: e[SCHEDULER_ENV.endpoint],
  };
}
