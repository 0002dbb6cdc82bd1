/**
 * The table stream's consumer: server and package item changes (the event source mapping's
 * filter passes only those) become queued deliveries. A throw fails the batch and Lambda
 * retries it (bisecting, then dropping to the on-failure queue), so an event is not lost to a
 * passing SQS error; a re-read record makes the same event ids.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { lazyHandler } from '../../shared/composition.ts';
import { buildDispatcher } from '../../shared/composition-webhooks.ts';
import { loadConfig } from '../../shared/config/env.ts';
import { loadWebhookConfig } from '../../shared/config/webhook-env.ts';
import { logger } from '../../shared/http/logger.ts';
import type { ChangeRecord, Dispatcher } from '../../shared/services/webhooks.ts';

type Image = Record<string, AttributeValue> | undefined;
const image = (raw: unknown): Record<string, unknown> | null =>
  raw ? unmarshall(raw as NonNullable<Image>) : null;

export const createHandler =
  (dispatcher: Pick<Dispatcher, 'dispatch'>) =>
  async (event: DynamoDBStreamEvent): Promise<{ queued: number }> => {
    const records: ChangeRecord[] = [];
    for (const r of Array.isArray(event?.Records) ? event.Records : []) {
      try {
        records.push({
          id: r.eventID ?? `${r.dynamodb?.SequenceNumber}`,
          old: image(r.dynamodb?.OldImage),
          new: image(r.dynamodb?.NewImage),
        });
      } catch (error) {
        // Unreadable now is unreadable on every retry, and a retried batch holds up its shard.
        logger.error('stream record skipped: its images cannot be read', {
          eventID: r?.eventID,
          error: error as Error,
        });
      }
    }
    const queued = await dispatcher.dispatch(records);
    if (queued) logger.info('webhook deliveries queued', { records: records.length, queued });
    return { queued };
  };

export const handler = lazyHandler(() => createHandler(buildDispatcher(loadConfig(), loadWebhookConfig())));
