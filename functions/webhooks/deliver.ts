/**
 * The delivery queue's consumer: one try per message. A receiver's failure is not a throw (the
 * deliverer records it and queues the next try with its backoff); a message that cannot be
 * handled at all (table down, unreadable) is reported as failed, so SQS redelivers it and,
 * after a few receives, moves it to the dead-letter queue.
 */
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { createEmfSink } from '../../shared/adapters/metrics/emf.ts';
import { lazyHandler } from '../../shared/composition.ts';
import { buildDeliverer } from '../../shared/composition-webhooks.ts';
import { loadConfig } from '../../shared/config/env.ts';
import { loadWebhookConfig } from '../../shared/config/webhook-env.ts';
import type { MetricPoint } from '../../shared/domain/metrics.ts';
import { METRIC } from '../../shared/domain/metrics.ts';
import { DeliveryMessageSchema } from '../../shared/domain/webhook.ts';
import { logger } from '../../shared/http/logger.ts';
import type { MetricSink } from '../../shared/services/ports.ts';
import type { Deliverer, DeliveryOutcome } from '../../shared/services/webhooks.ts';

/** One `WebhookDeliveries` point per try, by its outcome (`unhandled`: the message itself failed). */
const delivery = (outcome: DeliveryOutcome | 'unhandled'): MetricPoint[] => [
  { name: METRIC.webhookDeliveries, unit: 'Count', value: 1, dimensions: { Outcome: outcome } },
];

export const createHandler =
  (deliverer: Pick<Deliverer, 'deliver'>, metrics: MetricSink) =>
  async (event: SQSEvent): Promise<SQSBatchResponse> => {
    const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
    await Promise.all(
      (Array.isArray(event?.Records) ? event.Records : []).map(async (record) => {
        try {
          const message = DeliveryMessageSchema.parse(JSON.parse(record.body));
          const outcome = await deliverer.deliver(message);
          // Never the URL or the secret: ids and the outcome only.
          logger.info('webhook delivery', {
            webhookId: message.webhookId,
            eventId: message.event.id,
            type: message.event.type,
            attempt: message.attempt,
            outcome,
          });
          metrics.record(delivery(outcome));
        } catch (error) {
          logger.error('webhook delivery could not be handled', {
            messageId: record?.messageId,
            error: error as Error,
          });
          metrics.record(delivery('unhandled'));
          if (record?.messageId) batchItemFailures.push({ itemIdentifier: record.messageId });
        }
      }),
    );
    return { batchItemFailures };
  };

export const handler = lazyHandler(() =>
  createHandler(buildDeliverer(loadConfig(), loadWebhookConfig()), createEmfSink()),
);
