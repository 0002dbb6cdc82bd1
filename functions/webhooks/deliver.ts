/**
 * The delivery queue's consumer: one try per message. A receiver's failure is not a throw (the
 * deliverer records it and queues the next try with its backoff); a message that cannot be
 * handled at all (table down, unreadable) is reported as failed, so SQS redelivers it and,
 * after a few receives, moves it to the dead-letter queue.
 */
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { lazyHandler } from '../../shared/composition.ts';
import { buildDeliverer } from '../../shared/composition-webhooks.ts';
import { loadConfig } from '../../shared/config/env.ts';
import { loadWebhookConfig } from '../../shared/config/webhook-env.ts';
import { DeliveryMessageSchema } from '../../shared/domain/webhook.ts';
import { logger } from '../../shared/http/logger.ts';
import type { Deliverer } from '../../shared/services/webhooks.ts';

export const createHandler =
  (deliverer: Pick<Deliverer, 'deliver'>) =>
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
        } catch (error) {
          logger.error('webhook delivery could not be handled', {
            messageId: record?.messageId,
            error: error as Error,
          });
          if (record?.messageId) batchItemFailures.push({ itemIdentifier: record.messageId });
        }
      }),
    );
    return { batchItemFailures };
  };

export const handler = lazyHandler(() => createHandler(buildDeliverer(loadConfig(), loadWebhookConfig())));
