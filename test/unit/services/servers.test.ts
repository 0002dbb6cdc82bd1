import { beforeEach, describe, expect, it } from 'vitest';
import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  PreconditionFailedError,
  UnprocessableError,
  ValidationError,
} from '../../../shared/domain/errors.ts';
import { createServerService, type ServerService } from '../../../shared/services/servers.ts';
import { FixedClock, InMemoryPackageCatalog, InMemoryServerRepository } from '../../support/fakes.ts';
import { admin } from '../../support/principals.ts';

let repo: InMemoryServerRepository;
let packages: InMemoryPackageCatalog;
let service: ServerService;
const acme = admin('acme');
const globex = admin('globex');

beforeEach(() => {
  repo = new InMemoryServerRepository();
  packages = new InMemoryPackageCatalog();
  service = createServerService({
    servers: repo,
    packages,
    clock: new FixedClock(),
    instanceTypes: ['t3.medium', 't3.large'],
  });
});

const create = (body: Record<string, unknown> = {}) =>
  service.create(acme, { name: 'Friday Night Convoy', game: 'ets2', ...body }).then((r) => r.server);

describe('creating a server', () => {
  it('fills in the game defaults, the lobby name from the name, and starts stopped', async () => {
    const server = await create();
    expect(server).toMatchObject({
      state: 'stopped',
      branch: 'public',
      instanceType: 't3.medium',
      packageId: null,
      runtime: null,
      version: 1,
      idle: { autoStop: true, afterMinutes: 30, startGraceMinutes: 15 },
      config: { lobbyName: 'Friday Night Convoy', maxPlayers: 8, passwordSet: false, logonTokenSet: false },
    });
    expect(server.id).toMatch(/^srv_[0-9a-z]{26}$/);
    expect(repo.eventLog.get(server.id)?.[0]).toMatchObject({ type: 'server.created', actor: acme.keyId });
  });

  it('refuses an instance type outside the allow-list', async () => {
    await expect(create({ instanceType: 'p5.48xlarge' })).rejects.toThrow(ValidationError);
    expect(repo.servers.size).toBe(0);
  });

  it('refuses a package that is unknown, of another tenant, of the other game or not ready', async () => {
    const id = (n: number) => `pkg_${String(n).padStart(26, '0')}`;
    packages.packages.set(id(1), { id: id(1), tenantId: 'globex', game: 'ets2', state: 'ready' });
    packages.packages.set(id(2), { id: id(2), tenantId: 'acme', game: 'ats', state: 'ready' });
    packages.packages.set(id(3), { id: id(3), tenantId: 'acme', game: 'ets2', state: 'pending' });
    packages.packages.set(id(4), { id: id(4), tenantId: 'acme', game: 'ets2', state: 'ready' });
    for (const n of [0, 1, 2, 3])
      await expect(create({ packageId: id(n) })).rejects.toThrow(UnprocessableError);
    await expect(create({ packageId: id(4) })).resolves.toMatchObject({ packageId: id(4) });
  });

  it('replays the first response for a retried Idempotency-Key and creates nothing new', async () => {
    const first = await service.create(acme, { name: 'A', game: 'ets2' }, 'retry-1');
    const again = await service.create(acme, { name: 'A', game: 'ets2' }, 'retry-1');
    expect(again.replayed).toBe(true);
    expect(again.body).toBe(first.body);
    expect(repo.servers.size).toBe(1);
  });

  it('refuses an Idempotency-Key reused for a different request', async () => {
    await service.create(acme, { name: 'A', game: 'ets2' }, 'retry-1');
    await expect(service.create(acme, { name: 'B', game: 'ets2' }, 'retry-1')).rejects.toThrow(
      UnprocessableError,
    );
  });

  it('keeps idempotency keys apart per tenant', async () => {
    await service.create(acme, { name: 'A', game: 'ets2' }, 'same');
    const other = await service.create(globex, { name: 'A', game: 'ets2' }, 'same');
    expect(other.replayed).toBe(false);
    expect(repo.servers.size).toBe(2);
  });

  it('refuses creation with a key restricted to some servers', async () => {
    const bot = admin('acme', { servers: ['srv_00000000000000000000000000'] });
    await expect(service.create(bot, { name: 'A', game: 'ets2' })).rejects.toThrow(ForbiddenError);
  });
});

describe('reading servers', () => {
  it("answers 404 for another tenant's server", async () => {
    const server = await create();
    await expect(service.get(globex, server.id)).rejects.toThrow(NotFoundError);
  });

  it('answers 404 for a server outside a restricted key', async () => {
    const mine = await create();
    const other = await create();
    const bot = admin('acme', { servers: [mine.id] });
    await expect(service.get(bot, other.id)).rejects.toThrow(NotFoundError);
    expect((await service.list(bot, { limit: 20 })).items.map((s) => s.id)).toEqual([mine.id]);
  });

  it('lists only the tenant’s servers', async () => {
    await create();
    await service.create(globex, { name: 'theirs', game: 'ats' });
    const page = await service.list(acme, { limit: 20 });
    expect(page.items.map((s) => s.name)).toEqual(['Friday Night Convoy']);
  });
});

describe('patching a server', () => {
  it('merges the patch, bumps the version and records the changed fields without secret values', async () => {
    const server = await create();
    const patched = await service.patch(acme, server.id, {
      name: 'Renamed',
      config: { password: 'hunter2', maxPlayers: 4 },
    });
    expect(patched).toMatchObject({
      name: 'Renamed',
      version: 2,
      config: { maxPlayers: 4, passwordSet: true },
    });
    const events = repo.eventLog.get(server.id) ?? [];
    expect(events.at(-1)).toMatchObject({
      type: 'server.updated',
      detail: { changed: ['name', 'config.password', 'config.maxPlayers'] },
    });
    expect(JSON.stringify(events)).not.toContain('hunter2');
  });

  it('answers 412 when If-Match names an old version, and changes nothing', async () => {
    const server = await create();
    await service.patch(acme, server.id, { name: 'v2' });
    await expect(service.patch(acme, server.id, { name: 'v3' }, '"v1"')).rejects.toThrow(
      PreconditionFailedError,
    );
    expect((await service.get(acme, server.id)).name).toBe('v2');
  });

  it('validates the merged config as a whole', async () => {
    const server = await create();
    await expect(service.patch(acme, server.id, { config: { maxVehiclesTotal: 10 } })).rejects.toThrow(
      ValidationError,
    );
  });
});

describe('deleting a server', () => {
  it('removes a server that never had a host at once', async () => {
    const server = await create();
    await expect(service.remove(acme, server.id)).resolves.toMatchObject({ gone: true });
    await expect(service.get(acme, server.id)).rejects.toThrow(NotFoundError);
  });

  it('moves a server with a host to deleting', async () => {
    const server = await create();
    const stored = repo.servers.get(server.id);
    if (stored) repo.servers.set(server.id, { ...stored, instanceId: 'i-0abc', state: 'running' });
    await expect(service.remove(acme, server.id)).resolves.toMatchObject({
      gone: false,
      server: { state: 'deleting' },
    });
    await expect(service.patch(acme, server.id, { name: 'x' })).rejects.toThrow(ConflictError);
  });
});

describe('config preview', () => {
  it('renders the SII with secrets redacted', async () => {
    const server = await create({ config: { password: 'hunter2' } });
    const text = await service.configPreview(acme, server.id);
    expect(text).toContain(' password: "<redacted>"');
    expect(text).toContain(' lobby_name: "Friday Night Convoy"');
  });
});
