import { beforeEach, describe, expect, it } from 'vitest';
import { ConflictError, ForbiddenError, NotFoundError } from '../../../shared/domain/errors.ts';
import type { HeartbeatRequest, HostCaller } from '../../../shared/domain/host.ts';
import { hostCallerOf } from '../../../shared/domain/host.ts';
import type { PackageRecord } from '../../../shared/domain/package.ts';
import type { ServerRecord, ServerState } from '../../../shared/domain/server.ts';
import { DEFAULT_CONFIG, DEFAULT_IDLE } from '../../../shared/domain/server.ts';
import { createHostBundles, createHostReports } from '../../../shared/services/hosts.ts';
import type { ResolvedPackage } from '../../../shared/services/package-queries.ts';
import { InMemoryServerIndex } from '../../support/fake-hosts.ts';
import { FixedClock, InMemoryServerRepository } from '../../support/fakes.ts';
import { InMemoryPackageStorage } from '../../support/package-fakes.ts';

const ROLE = 'ConvoyHosts-HostRole1234';
const hostA: HostCaller = { roleName: ROLE, instanceId: 'i-0aaaaaaaaaaaaaaaa' };
const hostB: HostCaller = { roleName: ROLE, instanceId: 'i-0bbbbbbbbbbbbbbbb' };

let repo: InMemoryServerRepository;
let clock: FixedClock;

function server(id: string, instanceId: string | null, state: ServerState = 'running'): ServerRecord {
  const now = clock.now().toISOString();
  return {
    id,
    tenantId: 'acme',
    name: id,
    game: 'ets2',
    state,
    stateReason: 'host-running',
    config: { ...DEFAULT_CONFIG, password: 's3cret', logonToken: 'TOKEN123', lobbyName: id },
    packageId: 'pkg_01aaaaaaaaaaaaaaaaaaaaaaaa',
    branch: 'temporary_1_53',
    instanceType: 't3.medium',
    idle: DEFAULT_IDLE,
    runtime:
      state === 'running' || state === 'starting'
        ? {
            address: '198.51.100.7',
            connectionPort: 27015,
            queryPort: 27016,
            searchId: null,
            ready: false,
            players: 0,
            maxPlayers: 8,
            gameVersion: null,
            startedAt: now,
            lastPlayerSeenAt: null,
            lastHeartbeatAt: null,
            idleStopAt: '2026-11-22T11:00:00.000Z',
            lastAnsweredAt: null,
            keepaliveUntil: null,
          }
        : null,
    instanceId,
    createdAt: now,
    updatedAt: now,
    version: 3,
  };
}

const resolved = (s: Pick<ServerRecord, 'tenantId' | 'packageId'>): ResolvedPackage => ({
  package: {
    id: s.packageId,
    tenantId: s.tenantId,
    manifest: { sii: { bytes: 10, sha256: 'a'.repeat(64) }, dat: { bytes: 20, sha256: 'b'.repeat(64) } },
  } as PackageRecord,
  isDefault: false,
  objects: {
    sii: `packages/${s.tenantId}/${s.packageId}/sii`,
    dat: `packages/${s.tenantId}/${s.packageId}/dat`,
  },
});

const report = (overrides: Partial<HeartbeatRequest> = {}): HeartbeatRequest => ({
  ready: true,
  searchId: '85568392925767505/101',
  players: 0,
  gameVersion: '1.53.1.0s',
  ...overrides,
});

beforeEach(() => {
  repo = new InMemoryServerRepository();
  clock = new FixedClock();
  for (const s of [server('srv_a', hostA.instanceId), server('srv_b', hostB.instanceId)]) {
    repo.servers.set(s.id, s);
    repo.eventLog.set(s.id, []);
  }
});

const deps = () => ({ index: new InMemoryServerIndex(repo), hostRoleName: ROLE, clock });
const bundles = () =>
  createHostBundles({
    ...deps(),
    packages: { resolvePackageFor: async (s) => resolved(s as ServerRecord) },
    storage: new InMemoryPackageStorage(),
  });
const reports = () => createHostReports({ ...deps(), servers: repo });

describe('host identity', () => {
  it('reads the instance id from an EC2 instance-role session ARN', () => {
    expect(
      hostCallerOf('arn:aws:sts::123456789012:assumed-role/ConvoyHosts-HostRole1234/i-0abc12345678def01'),
    ).toEqual({
      roleName: 'ConvoyHosts-HostRole1234',
      instanceId: 'i-0abc12345678def01',
    });
  });

  it.each([
    'arn:aws:iam::123456789012:user/alice',
    'arn:aws:sts::123456789012:assumed-role/ConvoyHosts-HostRole1234/alice',
    'arn:aws:sts::123456789012:federated-user/i-0abc12345678def01',
    '',
  ])('refuses %j as a host', (arn) => {
    expect(hostCallerOf(arn)).toBeNull();
  });
});

describe('boot bundle', () => {
  it("gives a host its own server's config with secrets and presigned package downloads", async () => {
    const bundle = await bundles().bundle(hostA);
    expect(bundle).toMatchObject({
      serverId: 'srv_a',
      game: 'ets2',
      branch: 'temporary_1_53',
      queryPort: 27016,
      packages: {
        sii: { url: expect.stringContaining('packages/acme/pkg_01aaaaaaaaaaaaaaaaaaaaaaaa/sii'), bytes: 10 },
        dat: { url: expect.stringContaining('/dat'), bytes: 20 },
      },
      expiresAt: '2026-11-22T10:15:00.000Z',
    });
    expect(bundle.serverConfigSii).toContain('lobby_name: "srv_a"');
    expect(bundle.serverConfigSii).toContain('password: "s3cret"');
    expect(bundle.serverConfigSii).toContain('server_logon_token: "TOKEN123"');
  });

  it("never gives a host another server's bundle: the instance names the server", async () => {
    expect((await bundles().bundle(hostB)).serverId).toBe('srv_b');
    await expect(bundles().bundle({ ...hostA, instanceId: 'i-0ccccccccccccccc0' })).rejects.toThrow(
      NotFoundError,
    );
  });

  it('refuses callers that are not the host role', async () => {
    await expect(bundles().bundle({ ...hostA, roleName: 'SomeAdminRole' })).rejects.toThrow(ForbiddenError);
    await expect(bundles().bundle(null)).rejects.toThrow(ForbiddenError);
    const unset = createHostBundles({
      ...deps(),
      hostRoleName: undefined,
      packages: { resolvePackageFor: async (s) => resolved(s as ServerRecord) },
      storage: new InMemoryPackageStorage(),
    });
    await expect(unset.bundle(hostA)).rejects.toThrow(ForbiddenError);
  });

  it('answers 409 while the server is neither starting nor running', async () => {
    repo.servers.set('srv_a', server('srv_a', hostA.instanceId, 'stopping'));
    await expect(bundles().bundle(hostA)).rejects.toThrow(ConflictError);
  });
});

describe('heartbeat', () => {
  it('records readiness, search id, players and version, and keeps what others own', async () => {
    const reply = await reports().heartbeat(hostA, report({ players: 3 }));
    expect(reply).toEqual({ serverId: 'srv_a', state: 'running', recorded: true });
    const stored = repo.servers.get('srv_a');
    expect(stored?.runtime).toMatchObject({
      ready: true,
      searchId: '85568392925767505/101',
      players: 3,
      gameVersion: '1.53.1.0s',
      lastPlayerSeenAt: '2026-11-22T10:00:00.000Z',
      lastHeartbeatAt: '2026-11-22T10:00:00.000Z',
      address: '198.51.100.7',
      idleStopAt: '2026-11-22T11:00:00.000Z',
    });
    // An observation: neither the version (ETags) nor updatedAt (the sync's timeouts) moves.
    expect(stored?.version).toBe(3);
    expect(repo.eventLog.get('srv_a')?.map((e) => e.type)).toEqual(['host.ready']);
    expect(repo.servers.get('srv_b')?.runtime?.ready).toBe(false);
  });

  it('keeps lastPlayerSeenAt when nobody is on, and writes lastHeartbeatAt every time', async () => {
    await reports().heartbeat(hostA, report({ players: 2 }));
    clock.advance(60_000);
    await reports().heartbeat(hostA, report({ players: 0 }));
    expect(repo.servers.get('srv_a')?.runtime).toMatchObject({
      players: 0,
      lastPlayerSeenAt: '2026-11-22T10:00:00.000Z',
      lastHeartbeatAt: '2026-11-22T10:01:00.000Z',
    });
  });

  it('records a starting server as ready without moving it to running', async () => {
    repo.servers.set('srv_a', server('srv_a', hostA.instanceId, 'starting'));
    expect(await reports().heartbeat(hostA, report())).toMatchObject({ state: 'starting', recorded: true });
    expect(repo.servers.get('srv_a')).toMatchObject({ state: 'starting', runtime: { ready: true } });
  });

  it.each(['logon-token-rejected', 'logon-token-expired', 'crash-loop'] as const)(
    'moves the server to error with reason %s',
    async (failure) => {
      const reply = await reports().heartbeat(hostA, report({ ready: false, failure }));
      expect(reply).toEqual({ serverId: 'srv_a', state: 'error', recorded: true });
      expect(repo.servers.get('srv_a')).toMatchObject({
        state: 'error',
        stateReason: failure,
        runtime: null,
        version: 4,
      });
      expect(repo.eventLog.get('srv_a')?.at(-1)).toMatchObject({
        type: 'state.error',
        actor: `host:${hostA.instanceId}`,
        detail: { from: 'running', reason: failure },
      });
    },
  );

  it('answers but records nothing for a server that is not up', async () => {
    repo.servers.set('srv_a', server('srv_a', hostA.instanceId, 'stopping'));
    expect(await reports().heartbeat(hostA, report({ failure: 'crash-loop' }))).toEqual({
      serverId: 'srv_a',
      state: 'stopping',
      recorded: false,
    });
    expect(repo.servers.get('srv_a')?.state).toBe('stopping');
  });

  it('cannot report for another server', async () => {
    await expect(
      reports().heartbeat({ ...hostA, instanceId: 'i-0ccccccccccccccc0' }, report()),
    ).rejects.toThrow(NotFoundError);
    await expect(reports().heartbeat({ ...hostB, roleName: 'Other' }, report())).rejects.toThrow(
      ForbiddenError,
    );
    expect(repo.servers.get('srv_b')?.runtime?.ready).toBe(false);
  });

  it('re-reads and records again when the server changed meanwhile', async () => {
    const service = reports();
    const original = repo.recordRuntime.bind(repo);
    let raced = false;
    repo.recordRuntime = async (...args) => {
      if (!raced) {
        raced = true;
        const current = repo.servers.get('srv_a') as ServerRecord;
        repo.servers.set('srv_a', { ...current, version: current.version + 1 });
      }
      return original(...args);
    };
    expect(await service.heartbeat(hostA, report())).toMatchObject({ recorded: true });
    expect(repo.servers.get('srv_a')).toMatchObject({ version: 4, runtime: { ready: true } });
  });
});
