/**
 * Webhooks in the single table: one item per webhook under its tenant (`TENANT#<t>` /
 * `WEBHOOK#<id>`, with its signing secret) beside their count (`WEBHOOKS`), kept in the same
 * transactions so the per-tenant limit holds; delivery attempts in the webhook's own partition
 * (`WEBHOOK#<id>` / `ATTEMPT#<at>#<n>`), expiring after a week.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { newId } from '../../domain/ids.ts';
import type { DeliveryAttempt, WebhookRecord } from '../../domain/webhook.ts';
import type { Clock, WebhookRepository } from '../../services/ports.ts';
import { epochSeconds, keys } from './keys.ts';
import { queryPage } from './query-page.ts';
import { transactWrite } from './transact.ts';

const ATTEMPT_RETENTION_DAYS = 7;
const DAY_MS = 86_400_000;

export interface WebhookRepositoryOptions {
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly clock: Clock;
}

export function createWebhookRepository({
  client,
  tableName,
  clock,
}: WebhookRepositoryOptions): WebhookRepository {
  const TableName = tableName;
  const keyOf = (tenantId: string, id: string) => ({ pk: keys.tenant(tenantId), sk: keys.webhook(id) });
  const countKey = (tenantId: string) => ({ pk: keys.tenant(tenantId), sk: keys.webhookCount() });

  async function read(tenantId: string, id: string) {
    const result = await client.send(
      new GetCommand({ TableName, Key: keyOf(tenantId, id), ConsistentRead: true }),
    );
    return result.Item ?? null;
  }

  return {
    async create(webhook, secret, max) {
      const result = await transactWrite(client, [
        {
          Put: {
            TableName,
            Item: { ...keyOf(webhook.tenantId, webhook.id), entity: 'webhook', ...webhook, secret },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        {
          Update: {
            TableName,
            Key: countKey(webhook.tenantId),
            UpdateExpression: 'ADD live :one',
            ConditionExpression: 'attribute_not_exists(live) OR live < :max',
            ExpressionAttributeValues: { ':one': 1, ':max': max },
          },
        },
      ]);
      return result.ok;
    },

    async get(tenantId, id) {
      const item = await read(tenantId, id);
      return item ? toWebhookRecord(item) : null;
    },

    async withSecret(tenantId, id) {
      const item = await read(tenantId, id);
      return item && typeof item.secret === 'string'
        ? { webhook: toWebhookRecord(item), secret: item.secret }
        : null;
    },

    list(tenantId, request) {
      return queryPage(client, request, {
        tableName,
        pk: keys.tenant(tenantId),
        prefix: 'WEBHOOK#',
        toItem: toWebhookRecord,
      });
    },

    async remove(tenantId, id) {
      const result = await transactWrite(client, [
        { Delete: { TableName, Key: keyOf(tenantId, id), ConditionExpression: 'attribute_exists(pk)' } },
        {
          Update: {
            TableName,
            Key: countKey(tenantId),
            UpdateExpression: 'ADD live :minus',
            ExpressionAttributeValues: { ':minus': -1 },
          },
        },
      ]);
      return result.ok;
    },

    async recordAttempt(webhookId, attempt) {
      await client.send(
        new PutCommand({
          TableName,
          Item: {
            pk: keys.webhookAttempts(webhookId),
            sk: keys.attempt(attempt.at, newId('whe', Date.parse(attempt.at))),
            entity: 'webhookAttempt',
            ...attempt,
            expiresAt: epochSeconds(new Date(Date.parse(attempt.at) + ATTEMPT_RETENTION_DAYS * DAY_MS)),
          },
        }),
      );
    },

    async attempts(webhookId, limit) {
      const result = await client.send(
        new QueryCommand({
          TableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          // Neither stand-in deletes expired items: filter them out as DynamoDB would have.
          FilterExpression: 'expiresAt > :now',
          ExpressionAttributeValues: {
            ':pk': keys.webhookAttempts(webhookId),
            ':prefix': 'ATTEMPT#',
            ':now': epochSeconds(clock.now()),
          },
          ScanIndexForward: false,
          Limit: limit,
        }),
      );
      return (result.Items ?? []).map(toAttempt);
    },
  };
}

function toWebhookRecord(item: Record<string, unknown>): WebhookRecord {
  const { pk: _pk, sk: _sk, entity: _e, secret: _s, ...rest } = item;
  return rest as unknown as WebhookRecord;
}

function toAttempt(item: Record<string, unknown>): DeliveryAttempt {
  const { pk: _pk, sk: _sk, entity: _e, expiresAt: _x, ...rest } = item;
  return rest as unknown as DeliveryAttempt;
}
