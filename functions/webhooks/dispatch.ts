/**
 * The table stream's consumer: server and package item changes (the event source mapping's
 * filter passes only those) become queued deliveries, a log line each and their metrics. A throw fails the batch and Lambda
 * retries it (bisecting, then dropping to the on-failure queue), so an event is not lost to a
 * passing SQS error; a re-read record makes the same event ids.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { createEmfSink } from '../../shared/adapters/metrics/emf.ts';
import { lazyHandler } from '../../shared/composition.ts';
import { buildDispatcher } from '../../shared/composition-webhooks.ts';
import { loadConfig } from '../../shared/config/env.ts';
import { loadWebhookConfig } from '../../shared/config/webhook-env.ts';
import { metricsOfEvent } from '../../shared/domain/metrics.ts';
import type { WebhookEvent } from '../../shared/domain/webhook.ts';
import { logger } from '../../shared/http/logger.ts';
import type { MetricSink } from '../../shared/services/ports.ts';
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

/**
 * Every lifecycle event, subscribed to or not: one log line with its tenant and server (or
 * package), and its metrics (starts, stops by reason, start-to-ready, errors).
 */
export function observer(sink: MetricSink): (event: WebhookEvent) => void {
  return (event) => {
    const { serverId, packageId, from, reason } = event.data;
    logger.info('lifecycle event', {
      type: event.type,
      tenantId: event.tenantId,
      serverId,
      packageId,
      from,
      reason,
    });
    sink.record(metricsOfEvent(event));
  };
}

export const handler = lazyHandler(() =>
  createHandler(buildDispatcher(loadConfig(), loadWebhookConfig(), observer(createEmfSink()))),
);
