/**
 * The composition root of the webhook functions: the routes' service (table only), the
 * dispatcher (table stream → queue, and the budget warning's read and mark) and the deliverer (queue → receiver, table, queue).
 */
import { tableClientFor } from './adapters/aws-clients.ts';
import { createBudgetWatch } from './adapters/dynamodb/usage-summary.ts';
import { createWebhookRepository } from './adapters/dynamodb/webhook-repository.ts';
import { createSqsDeliveryQueue } from './adapters/sqs/delivery-queue.ts';
import { createHttpSender, createUrlChecker } from './adapters/webhooks/http-sender.ts';
import type { RuntimeConfig } from './config/env.ts';
import { loadConfig } from './config/env.ts';
import type { WebhookConfig } from './config/webhook-env.ts';
import { WEBHOOK_ENV } from './config/webhook-env.ts';
import type { DeliveryQueue } from './services/ports.ts';
import { systemClock } from './services/ports.ts';
import type { Deliverer, Dispatcher, DispatcherDeps, WebhookService } from './services/webhooks.ts';
import { createDeliverer, createDispatcher, createWebhookService } from './services/webhooks.ts';

const repository = (config: RuntimeConfig) =>
  createWebhookRepository({
    client: tableClientFor(config),
    tableName: config.tableName,
    clock: systemClock,
  });

function queueOf(config: RuntimeConfig, webhook: WebhookConfig): DeliveryQueue {
  if (!webhook.queueUrl) throw new Error(`Invalid environment: ${WEBHOOK_ENV.queueUrl} is required here`);
  return createSqsDeliveryQueue({
    region: config.region,
    queueUrl: webhook.queueUrl,
    endpoint: webhook.sqsEndpoint,
  });
}

export const buildWebhookService = (config: RuntimeConfig): WebhookService =>
  createWebhookService({
    webhooks: repository(config),
    clock: systemClock,
    checkUrl: createUrlChecker(config.local),
  });

export function buildDispatcher(
  config: RuntimeConfig,
  webhook: WebhookConfig,
  observe?: DispatcherDeps['observe'],
): Dispatcher {
  const client = tableClientFor(config);
  return createDispatcher({
    webhooks: createWebhookRepository({ client, tableName: config.tableName, clock: systemClock }),
    queue: queueOf(config, webhook),
    clock: systemClock,
    budgets: createBudgetWatch(client, config.tableName, systemClock),
    ...(observe ? { observe } : {}),
  });
}

export const buildDeliverer = (config: RuntimeConfig, webhook: WebhookConfig): Deliverer =>
  createDeliverer({
    webhooks: repository(config),
    queue: queueOf(config, webhook),
    sender: createHttpSender({ local: config.local, timeoutMs: config.local ? 3_000 : 10_000 }),
    clock: systemClock,
    local: config.local,
  });

let service: WebhookService | undefined;
export function webhookService(): WebhookService {
  service ??= buildWebhookService(loadConfig());
  return service;
}
