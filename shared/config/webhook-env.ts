/**
 * The webhook functions' settings from the environment, apart from `env.ts` because only they
 * read them. Names are shared by the CDK (which sets them) and the code.
 */
import { issuesOf } from '../domain/validation.ts';
import * as z from '../domain/zod.ts';

export const WEBHOOK_ENV = {
  /** The delivery queue's URL; set on the dispatcher and the deliverer (which re-queues retries). */
  queueUrl: 'CONVOY_WEBHOOK_QUEUE_URL',
  /** Set only in local mode and tests: the SQS stand-in's endpoint. */
  sqsEndpoint: 'CONVOY_SQS_ENDPOINT',
} as const;

const WebhookEnvSchema = z.object({
  [WEBHOOK_ENV.queueUrl]: z.optional(z.url()),
  [WEBHOOK_ENV.sqsEndpoint]: z.optional(z.url()),
});

export interface WebhookConfig {
  /** Unset on the routes' functions, which queue nothing. */
  readonly queueUrl: string | undefined;
  readonly sqsEndpoint: string | undefined;
}

export function loadWebhookConfig(env: NodeJS.ProcessEnv = process.env): WebhookConfig {
  const result = WebhookEnvSchema.safeParse(env);
  if (!result.success) {
    const problems = issuesOf(result.error).map((i) => `${i.path}: ${i.message}`);
    throw new Error(`Invalid environment: ${problems.join('; ')}`);
  }
  return { queueUrl: result.data[WEBHOOK_ENV.queueUrl], sqsEndpoint: result.data[WEBHOOK_ENV.sqsEndpoint] };
}
