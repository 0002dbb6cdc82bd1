/**
 * A server's schedules in the single table: one item per schedule in the server's partition
 * (`SERVER#<id>` / `SCHEDULE#<id>`) and a count of its live ones (`SCHEDULES`), kept in the same
 * transactions, so the per-server limit holds under concurrent creates.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { newId } from '../../domain/ids.ts';
import type { LastRun, ScheduleRecord } from '../../domain/schedule.ts';
import { DONE_RETENTION_DAYS } from '../../domain/schedule.ts';
import type { Clock, ScheduleRepository } from '../../services/ports.ts';
import { epochSeconds, keys } from './keys.ts';
import { transactWrite } from './transact.ts';

/** As the server repository keeps them (`docs/storage.md`). */
const EVENT_RETENTION_DAYS = 90;
const DAY_MS = 86_400_000;
const REMOVE_RETRIES = 5;

export interface ScheduleRepositoryOptions {
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly clock: Clock;
}

export function createScheduleRepository({
  client,
  tableName,
  clock,
}: ScheduleRepositoryOptions): ScheduleRepository {
  const TableName = tableName;
  const keyOf = (serverId: string, id: string) => ({ pk: keys.server(serverId), sk: keys.schedule(id) });
  const countKey = (serverId: string) => ({ pk: keys.server(serverId), sk: keys.scheduleCount() });
  const countBy = (serverId: string, delta: number) => ({
    Update: {
      TableName,
      Key: countKey(serverId),
      UpdateExpression: 'ADD live :delta',
      ExpressionAttributeValues: { ':delta': delta },
    },
  });
  const expiry = (at: string) => epochSeconds(new Date(Date.parse(at) + DONE_RETENTION_DAYS * DAY_MS));
  const current = (item: Record<string, unknown> | undefined) =>
    item && !(typeof item.expiresAt === 'number' && item.expiresAt < epochSeconds(clock.now()))
      ? toScheduleRecord(item)
      : null;

  async function get(serverId: string, id: string): Promise<ScheduleRecord | null> {
    const result = await client.send(
      new GetCommand({ TableName, Key: keyOf(serverId, id), ConsistentRead: true }),
    );
    return current(result.Item);
  }

  return {
    async create(schedule, max) {
      const { lastRun, ...rest } = schedule;
      const result = await transactWrite(client, [
        {
          Put: {
            TableName,
            Item: {
              ...keyOf(schedule.serverId, schedule.id),
              entity: 'schedule',
              ...rest,
              ...(lastRun ? { lastRun } : {}),
            },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        {
          Update: {
            TableName,
            Key: countKey(schedule.serverId),
            UpdateExpression: 'ADD live :one',
            ConditionExpression: 'attribute_not_exists(live) OR live < :max',
            ExpressionAttributeValues: { ':one': 1, ':max': max },
          },
        },
      ]);
      if (result.ok) return true;
      if (result.codes[1] === 'ConditionalCheckFailed') return false;
      throw new Error(`Schedule ${schedule.id} could not be stored (${result.codes.join(', ')}).`);
    },

    get,

    async list(serverId) {
      const items: Record<string, unknown>[] = [];
      let start: Record<string, unknown> | undefined;
      do {
        const page = await client.send(
          new QueryCommand({
            TableName,
            KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
            ExpressionAttributeValues: { ':pk': keys.server(serverId), ':prefix': 'SCHEDULE#' },
            ConsistentRead: true,
            ExclusiveStartKey: start,
          }),
        );
        items.push(...(page.Items ?? []));
        start = page.LastEvaluatedKey;
      } while (start);
      return items.map(current).filter((s): s is ScheduleRecord => s !== null);
    },

    async remove(serverId, id) {
      for (let attempt = 0; ; attempt++) {
        const schedule = await get(serverId, id);
        if (!schedule) return false;
        // A live one leaves the count with it; `done` is the condition, so a run marking it done
        // meanwhile makes this read again rather than count it out twice.
        const result = await transactWrite(client, [
          {
            Delete: {
              TableName,
              Key: keyOf(serverId, id),
              ConditionExpression: 'done = :done',
              ExpressionAttributeValues: { ':done': schedule.done },
            },
          },
          ...(schedule.done ? [] : [countBy(serverId, -1)]),
        ]);
        if (result.ok) return true;
        if (attempt >= REMOVE_RETRIES) {
          throw new Error(`Schedule ${id} could not be removed (${result.codes.join(', ')}).`);
        }
      }
    },

    async claimRun(schedule, run) {
      const once = schedule.plan.once;
      const result = await transactWrite(client, [
        {
          Update: {
            TableName,
            Key: keyOf(schedule.serverId, schedule.id),
            UpdateExpression: once
              ? 'SET lastRun = :run, done = :true, expiresAt = :expires'
              : 'SET lastRun = :run',
            // A second delivery of the same run finds it claimed; a one-off runs once at all.
            ConditionExpression: once
              ? 'attribute_exists(pk) AND done = :false'
              : 'attribute_exists(pk) AND (attribute_not_exists(lastRun) OR lastRun.scheduledFor <> :for)',
            ExpressionAttributeValues: {
              ':run': run,
              ...(once
                ? { ':true': true, ':false': false, ':expires': expiry(run.at) }
                : { ':for': run.scheduledFor }),
            },
          },
        },
        ...(once ? [countBy(schedule.serverId, -1)] : []),
      ]);
      if (result.ok) return true;
      if (result.codes[0] === 'ConditionalCheckFailed') return false;
      throw new Error(
        `The run of schedule ${schedule.id} could not be claimed (${result.codes.join(', ')}).`,
      );
    },

    async finishRun(schedule, run, event) {
      await client.send(
        new PutCommand({
          TableName,
          Item: {
            pk: keys.serverEvents(schedule.serverId),
            sk: keys.event(event.at, newId('evt')),
            entity: 'event',
            tenantId: schedule.tenantId,
            ...event,
            expiresAt: epochSeconds(new Date(Date.parse(event.at) + EVENT_RETENTION_DAYS * DAY_MS)),
          },
        }),
      );
      // The schedule may have been deleted meanwhile: its event above is what remains of the run.
      await client
        .send(
          new UpdateCommand({
            TableName,
            Key: keyOf(schedule.serverId, schedule.id),
            UpdateExpression: 'SET lastRun = :run',
            ConditionExpression: 'lastRun.scheduledFor = :for',
            ExpressionAttributeValues: { ':run': run, ':for': run.scheduledFor },
          }),
        )
        .catch((error: unknown) => {
          if ((error as Error).name !== 'ConditionalCheckFailedException') throw error;
        });
    },
  };
}

export function toScheduleRecord(item: Record<string, unknown>): ScheduleRecord {
  const { pk: _pk, sk: _sk, entity: _e, expiresAt: _x, lastRun, ...rest } = item;
  return { ...(rest as Omit<ScheduleRecord, 'lastRun'>), lastRun: (lastRun as LastRun | undefined) ?? null };
}
