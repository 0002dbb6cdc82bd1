import { beforeAll, describe, expect, it } from 'vitest';
import { createPackageRepository } from '../../shared/adapters/dynamodb/package-repository.ts';
import { createServerRepository } from '../../shared/adapters/dynamodb/server-repository.ts';
import {
  ConcurrentModificationError,
  ConflictError,
  IdempotencyKeyTakenError,
  UnprocessableError,
} from '../../shared/domain/errors.ts';
import { newId } from '../../shared/domain/ids.ts';
import type { PackageRecord } from '../../shared/domain/package.ts';
import { DEFAULT_CONFIG, DEFAULT_IDLE, type ServerRecord } from '../../shared/domain/server.ts';
import type { PackageRepository, ServerEvent, ServerRepository } from '../../shared/services/ports.ts';
import { FixedClock } from '../support/fakes.ts';
import { SYNTHETIC_MANIFEST } from '../support/manifests.ts';
import { createTestTable } from './support.ts';

const clock = new FixedClock();
let packages: PackageRepository;
let servers: ServerRepository;

beforeAll(async () => {
  const table = await createTestTable();
  packages = createPackageRepository({ ...table, clock });
  servers = createServerRepository({ ...table, clock });
});

const pkg = (tenantId: string, overrides: Partial<PackageRecord> = {}): PackageRecord => ({
  id: newId('pkg'),
  tenantId,
  game: 'ets2',
  name: 'Friday mods',
  state: 'ready',
  manifest: {
    ...SYNTHETIC_MANIFEST,
    sii: { bytes: 10, sha256: 'a'.repeat(64) },
    dat: { bytes: 20, sha256: 'b'.repeat(64) },
  },
  problems: null,
  createdAt: clock.now().toISOString(),
  updatedAt: clock.now().toISOString(),
  expiresAt: null,
  version: 1,
  ...overrides,
});

const server = (tenantId: string, packageId: string | null): ServerRecord => ({
  id: newId('srv'),
  tenantId,
  name: 'Convoy',
  game: 'ets2',
  state: 'stopped',
  stateReason: null,
  config: DEFAULT_CONFIG,
  packageId,
  branch: 'public',
  instanceType: 't3.medium',
  idle: DEFAULT_IDLE,
  runtime: null,
  instanceId: null,
  createdAt: clock.now().toISOString(),
  updatedAt: clock.now().toISOString(),
  version: 1,
});
const event: ServerEvent = { at: clock.now().toISOString(), type: 'test', actor: 'test', detail: {} };

describe('package repository against DynamoDB Local', () => {
  it('stores and reads a package with its manifest exactly', async () => {
    const record = pkg('t-read');
    await packages.create(record);
    expect(await packages.get('t-read', record.id)).toEqual(record);
    expect(await packages.get('t-other', record.id)).toBeNull();
    expect(await packages.find('t-read', record.id)).toEqual({ id: record.id, game: 'ets2', state: 'ready' });
  });

  it('forgets a pending package once it expired', async () => {
    const expiring = pkg('t-exp', {
      state: 'pending',
      manifest: null,
      expiresAt: '2026-11-22T10:00:01.000Z',
    });
    await packages.create(expiring);
    expect(await packages.get('t-exp', expiring.id)).toEqual(expiring);
    const later = createPackageRepository({ ...(await createTestTable()), clock });
    await later.create(expiring);
    clock.advance(2_000);
    expect(await later.get('t-exp', expiring.id)).toBeNull();
    expect((await later.list('t-exp', { limit: 10 })).items).toEqual([]);
  });

  it('takes an Idempotency-Key once', async () => {
    const record = { key: 'k1', fingerprint: 'f', status: 201, body: '{}' };
    await packages.create(pkg('t-idem'), record);
    await expect(packages.create(pkg('t-idem'), record)).rejects.toThrow(IdempotencyKeyTakenError);
    expect(await packages.idempotencyRecord('t-idem', 'k1')).toEqual(record);
  });

  it('updates only from the version read', async () => {
    const record = pkg('t-upd', { state: 'pending' });
    await packages.create(record);
    await packages.update({ ...record, state: 'invalid', version: 2 }, 1);
    await expect(packages.update({ ...record, version: 3 }, 1)).rejects.toThrow(ConcurrentModificationError);
  });

  it('refuses to delete a package a server uses, and deletes it once detached', async () => {
    const record = pkg('t-use');
    await packages.create(record);
    const attached = server('t-use', record.id);
    await servers.create(attached, event);
    expect(await packages.remove('t-use', record.id)).toBe('inUse');
    const detached = { ...attached, packageId: null, version: 2 };
    await servers.update(detached, 1, event, { previousPackageId: record.id });
    expect(await packages.remove('t-use', record.id)).toBe('deleted');
    expect(await packages.remove('t-use', record.id)).toBe('missing');
  });

  it('releases the package when the server is removed', async () => {
    const record = pkg('t-rm');
    await packages.create(record);
    const attached = server('t-rm', record.id);
    await servers.create(attached, event);
    await servers.remove(attached, 1);
    expect(await packages.remove('t-rm', record.id)).toBe('deleted');
  });

  it('lets exactly one of a concurrent attach and delete win', async () => {
    for (let round = 0; round < 10; round++) {
      const record = pkg('t-race');
      await packages.create(record);
      const [attach, remove] = await Promise.allSettled([
        servers.create(server('t-race', record.id), event),
        packages.remove('t-race', record.id),
      ]);
      const attached = attach.status === 'fulfilled';
      const deleted = remove.status === 'fulfilled' && remove.value === 'deleted';
      expect(attached !== deleted).toBe(true);
      if (!attached) expect((attach as PromiseRejectedResult).reason).toBeInstanceOf(UnprocessableError);
    }
  });

  it('refuses to attach a package that is not ready', async () => {
    const pending = pkg('t-pend', { state: 'pending' });
    await packages.create(pending);
    await expect(servers.create(server('t-pend', pending.id), event)).rejects.toThrow(UnprocessableError);
  });

  it('sets the deployment default only to a ready package of the game, and protects it', async () => {
    const first = pkg('t-op');
    const second = pkg('t-op');
    await packages.create(first);
    await packages.create(second);
    await packages.setDefault('ets2', { tenantId: 't-op', packageId: first.id });
    expect(await packages.defaultFor('ets2')).toEqual({ tenantId: 't-op', packageId: first.id });
    expect(await packages.remove('t-op', first.id)).toBe('inUse');
    await packages.setDefault('ets2', { tenantId: 't-op', packageId: second.id });
    expect(await packages.remove('t-op', first.id)).toBe('deleted');
    await expect(packages.setDefault('ats', { tenantId: 't-op', packageId: second.id })).rejects.toThrow(
      ConflictError,
    );
  });
});
