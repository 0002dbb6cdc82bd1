import { beforeAll, describe, expect, it } from 'vitest';
import { createKeyRepository } from '../../shared/adapters/dynamodb/key-repository.ts';
import { hashKeySecret, newId, newKeySecret } from '../../shared/domain/ids.ts';
import type { KeyRepository } from '../../shared/services/ports.ts';
import { createTestTable } from './support.ts';

let repo: KeyRepository;

beforeAll(async () => {
  const table = await createTestTable();
  repo = createKeyRepository({ client: table.client, tableName: table.tableName });
});

const key = (tenantId: string) => ({
  id: newId('key'),
  tenantId,
  name: 'bot',
  scopes: ['servers:read' as const],
  servers: null,
  createdAt: '2026-11-22T10:00:00.000Z',
});

describe('DynamoDB key repository', () => {
  it('finds a key by the hash of its secret and lists it under its tenant', async () => {
    const k = key('acme');
    const hash = hashKeySecret(newKeySecret());
    await repo.create(k, hash);
    await expect(repo.findByHash(hash)).resolves.toEqual(k);
    await expect(repo.list('acme', { limit: 10 })).resolves.toEqual({ items: [k], nextCursor: null });
    await expect(repo.list('globex', { limit: 10 })).resolves.toEqual({ items: [], nextCursor: null });
  });

  it('deletes both items of a key, and only within its tenant', async () => {
    const k = key('initech');
    const hash = hashKeySecret(newKeySecret());
    await repo.create(k, hash);
    await expect(repo.remove('globex', k.id)).resolves.toBe(false);
    await expect(repo.remove('initech', k.id)).resolves.toBe(true);
    await expect(repo.findByHash(hash)).resolves.toBeNull();
    await expect(repo.remove('initech', k.id)).resolves.toBe(false);
  });
});
