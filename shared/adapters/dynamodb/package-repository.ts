/** Mod packages, their create-idempotency records and the deployment's default per game. */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DeleteCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { ConcurrentModificationError, ConflictError, IdempotencyKeyTakenError } from '../../domain/errors.ts';
import type { PackageRecord } from '../../domain/package.ts';
import type { Game } from '../../domain/server.ts';
import type { Clock, PackageRepository } from '../../services/ports.ts';
import { idempotencyPut, readIdempotencyRecord } from './idempotency.ts';
import { epochSeconds, keys } from './keys.ts';
import { queryPage } from './query-page.ts';
import { transactWrite } from './transact.ts';

export interface PackageRepositoryOptions {
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly clock: Clock;
}

/** The mark a deployment default leaves in a package's `usedBy`, beside server ids. */
const defaultMark = (game: Game) => `default:${game}`;

export function createPackageRepository({
  client,
  tableName,
  clock,
}: PackageRepositoryOptions): PackageRepository {
  const TableName = tableName;
  const key = (tenantId: string, id: string) => ({ pk: keys.tenant(tenantId), sk: keys.package(id) });

  const item = (pkg: PackageRecord) => ({
    ...key(pkg.tenantId, pkg.id),
    entity: 'package',
    ...pkg,
    // The table's TTL attribute: only pending packages expire.
    expiresAt: pkg.expiresAt ? epochSeconds(new Date(pkg.expiresAt)) : undefined,
  });

  const live = (pkg: PackageRecord | null): PackageRecord | null =>
    pkg && pkg.expiresAt !== null && Date.parse(pkg.expiresAt) <= clock.now().getTime() ? null : pkg;

  async function get(tenantId: string, id: string): Promise<PackageRecord | null> {
    const result = await client.send(
      new GetCommand({ TableName, Key: key(tenantId, id), ConsistentRead: true }),
    );
    return result.Item ? live(toPackageRecord(result.Item)) : null;
  }

  return {
    get,

    async find(tenantId, id) {
      const pkg = await get(tenantId, id);
      return pkg ? { id: pkg.id, game: pkg.game, state: pkg.state } : null;
    },

    async list(tenantId, request) {
      const page = await queryPage(client, request, {
        tableName,
        pk: keys.tenant(tenantId),
        prefix: 'PACKAGE#',
        toItem: toPackageRecord,
      });
      // Expired pending packages linger until TTL: a page may come back short, never wrong.
      return { items: page.items.filter((p) => live(p) !== null), nextCursor: page.nextCursor };
    },

    async create(pkg, idempotency) {
      const now = clock.now();
      const result = await transactWrite(client, [
        { Put: { TableName, Item: item(pkg), ConditionExpression: 'attribute_not_exists(pk)' } },
        ...(idempotency ? [idempotencyPut(TableName, pkg.tenantId, idempotency, now)] : []),
      ]);
      if (result.ok) return;
      if (result.codes[1] === 'ConditionalCheckFailed') {
        throw new IdempotencyKeyTakenError('Another request used this Idempotency-Key at the same time.');
      }
      throw new ConcurrentModificationError(
        `Package ${pkg.id} could not be created (${result.codes.join(', ')}).`,
      );
    },

    async update(pkg, expectedVersion) {
      try {
        await client.send(
          new PutCommand({
            TableName,
            Item: item(pkg),
            // A Put replaces `usedBy`: refuse one on a package in use (only unused ones change).
            ConditionExpression: 'version = :expected AND attribute_not_exists(usedBy)',
            ExpressionAttributeValues: { ':expected': expectedVersion },
          }),
        );
      } catch (error) {
        if ((error as Error).name !== 'ConditionalCheckFailedException') throw error;
        throw new ConcurrentModificationError(`Package ${pkg.id} changed since version ${expectedVersion}.`, {
          cause: error,
        });
      }
    },

    async remove(tenantId, id) {
      try {
        await client.send(
          new DeleteCommand({
            TableName,
            Key: key(tenantId, id),
            // DynamoDB drops an emptied set, so "no attribute" is "no user".
            ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(usedBy)',
          }),
        );
        return 'deleted';
      } catch (error) {
        if ((error as Error).name !== 'ConditionalCheckFailedException') throw error;
        const current = await client.send(
          new GetCommand({ TableName, Key: key(tenantId, id), ConsistentRead: true }),
        );
        return current.Item ? 'inUse' : 'missing';
      }
    },

    idempotencyRecord(tenantId, idempotencyKey) {
      return readIdempotencyRecord(client, tableName, tenantId, idempotencyKey, clock.now());
    },

    async defaultFor(game) {
      const result = await client.send(
        new GetCommand({
          TableName,
          Key: { pk: keys.deployment(), sk: keys.defaultPackage(game) },
          ConsistentRead: true,
        }),
      );
      const found = result.Item;
      return found ? { tenantId: String(found.tenantId), packageId: String(found.packageId) } : null;
    },

    async setDefault(game, ref) {
      const previous = await this.defaultFor(game);
      if (previous?.packageId === ref.packageId && previous.tenantId === ref.tenantId) return;
      const mark = new Set([defaultMark(game)]);
      const result = await transactWrite(client, [
        {
          Put: {
            TableName,
            Item: {
              pk: keys.deployment(),
              sk: keys.defaultPackage(game),
              entity: 'defaultPackage',
              game,
              ...ref,
            },
            ConditionExpression: previous ? 'packageId = :previous' : 'attribute_not_exists(pk)',
            ...(previous ? { ExpressionAttributeValues: { ':previous': previous.packageId } } : {}),
          },
        },
        {
          Update: {
            TableName,
            Key: key(ref.tenantId, ref.packageId),
            UpdateExpression: 'ADD usedBy :mark',
            ConditionExpression: '#state = :ready AND game = :game',
            ExpressionAttributeNames: { '#state': 'state' },
            ExpressionAttributeValues: { ':mark': mark, ':ready': 'ready', ':game': game },
          },
        },
        ...(previous
          ? [
              {
                Update: {
                  TableName,
                  Key: key(previous.tenantId, previous.packageId),
                  UpdateExpression: 'DELETE usedBy :mark',
                  ConditionExpression: 'attribute_exists(pk)',
                  ExpressionAttributeValues: { ':mark': mark },
                },
              },
            ]
          : []),
      ]);
      if (result.ok) return;
      if (result.codes[1] === 'ConditionalCheckFailed') {
        throw new ConflictError(
          `Package ${ref.packageId} is not a ready ${game} package of tenant ${ref.tenantId}.`,
        );
      }
      throw new ConcurrentModificationError(
        `The ${game} default changed meanwhile (${result.codes.join(', ')}); retry.`,
      );
    },
  };
}

function toPackageRecord(raw: Record<string, unknown>): PackageRecord {
  const { pk: _pk, sk: _sk, entity: _e, usedBy: _u, expiresAt, ...rest } = raw;
  return {
    ...(rest as Omit<PackageRecord, 'expiresAt'>),
    expiresAt: typeof expiresAt === 'number' ? new Date(expiresAt * 1000).toISOString() : null,
  };
}
