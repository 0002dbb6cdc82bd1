/**
 * Host authentication end to end on loopback: the agent's own signed client, the local gateway's
 * SigV4 check against credentials the EC2 stand-in issued, and the host route handlers over
 * in-memory fakes. A host reaches its own server and nothing else.
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHandler as bundleHandler } from '../../functions/host/bundle.ts';
import { createHandler as heartbeatHandler } from '../../functions/host/heartbeat.ts';
import { createHostApi, HostApiError } from '../../host/agent/api.ts';
import { Fleet, type Instance, LOCAL_HOST_ROLE } from '../../local/ec2/fleet.ts';
import type { Gateway } from '../../local/gateway.ts';
import { createGateway } from '../../local/gateway.ts';
import { createIamVerifier } from '../../local/iam.ts';
import type { PackageRecord } from '../../shared/domain/package.ts';
import type { ServerRecord } from '../../shared/domain/server.ts';
import { DEFAULT_CONFIG, DEFAULT_IDLE } from '../../shared/domain/server.ts';
import { ROUTES } from '../../shared/http/routes.ts';
import { createHostBundles, createHostReports } from '../../shared/services/hosts.ts';
import type { ResolvedPackage } from '../../shared/services/package-queries.ts';
import { InMemoryServerIndex } from '../support/fake-hosts.ts';
import { FixedClock, InMemoryServerRepository } from '../support/fakes.ts';
import { InMemoryPackageStorage } from '../support/package-fakes.ts';

const REGION = 'eu-west-1';
const fleet = new Fleet(60_000);
const repo = new InMemoryServerRepository();
const clock = new FixedClock();
let gateway: Gateway;
let apiUrl: string;
let a: Instance;
let b: Instance;

function server(id: string, instanceId: string): ServerRecord {
  return {
    id,
    tenantId: 'acme',
    name: id,
    game: 'ets2',
    state: 'running',
    stateReason: 'host-running',
    config: { ...DEFAULT_CONFIG, lobbyName: id, logonToken: `token-of-${id}` },
    packageId: 'pkg_01aaaaaaaaaaaaaaaaaaaaaaaa',
    branch: 'public',
    instanceType: 't3.medium',
    idle: DEFAULT_IDLE,
    runtime: {
      address: null,
      connectionPort: 27015,
      queryPort: 27016,
      searchId: null,
      ready: false,
      players: 0,
      maxPlayers: 8,
      gameVersion: null,
      startedAt: null,
      lastPlayerSeenAt: null,
      lastHeartbeatAt: null,
      idleStopAt: null,
      lastAnsweredAt: null,
      keepaliveUntil: null,
    },
    instanceId,
    createdAt: clock.now().toISOString(),
    updatedAt: clock.now().toISOString(),
    version: 1,
  };
}

const packageOf = (tenantId: string): ResolvedPackage => ({
  package: {
    id: 'pkg_01aaaaaaaaaaaaaaaaaaaaaaaa',
    tenantId,
    manifest: { sii: { bytes: 1, sha256: 'a'.repeat(64) }, dat: { bytes: 1, sha256: 'b'.repeat(64) } },
  } as PackageRecord,
  isDefault: false,
  objects: { sii: 'packages/x/sii', dat: 'packages/x/dat' },
});

const clientOf = (credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }) =>
  createHostApi({ apiUrl, region: REGION, credentials: async () => credentials });

beforeAll(async () => {
  a = fleet.run({
    instanceType: 't3.medium',
    launchTemplateId: null,
    clientToken: null,
    tags: [],
    userData: null,
  });
  b = fleet.run({
    instanceType: 't3.medium',
    launchTemplateId: null,
    clientToken: null,
    tags: [],
    userData: null,
  });
  for (const s of [server('srv_a', a.instanceId), server('srv_b', b.instanceId)]) {
    repo.servers.set(s.id, s);
    repo.eventLog.set(s.id, []);
  }
  const deps = { index: new InMemoryServerIndex(repo), hostRoleName: LOCAL_HOST_ROLE, clock };
  const routes = ROUTES.filter((route) => route.auth === 'iam');
  gateway = createGateway({
    routes,
    handlers: new Map([
      [
        'host-bundle',
        bundleHandler(
          createHostBundles({
            ...deps,
            packages: { resolvePackageFor: async (s) => packageOf(s.tenantId) },
            storage: new InMemoryPackageStorage(),
          }),
        ),
      ],
      ['host-heartbeat', heartbeatHandler(createHostReports({ ...deps, servers: repo }))],
    ]),
    authorizer: async () => ({ isAuthorized: false, context: { authenticated: 'false' } }),
    iam: createIamVerifier({ region: REGION, lookup: (key) => fleet.credential(key) }),
    region: REGION,
  });
  apiUrl = await gateway.listen(0);
});

afterAll(async () => {
  fleet.close();
  await gateway.close();
});

describe('host routes behind IAM authorization', () => {
  it("serves each host its own server's bundle", async () => {
    const bundleA = await clientOf(a.credentials).bundle();
    const bundleB = await clientOf(b.credentials).bundle();
    expect(bundleA.serverId).toBe('srv_a');
    expect(bundleA.serverConfigSii).toContain('server_logon_token: "token-of-srv_a"');
    expect(bundleB.serverId).toBe('srv_b');
    expect(bundleB.serverConfigSii).not.toContain('token-of-srv_a');
  });

  it('records a heartbeat on the reporting host’s server only', async () => {
    const reply = await clientOf(a.credentials).heartbeat({
      ready: true,
      searchId: '85568392925767505/101',
      players: 2,
      gameVersion: '1.53.1.0s',
    });
    expect(reply).toEqual({ serverId: 'srv_a', state: 'running', recorded: true });
    expect(repo.servers.get('srv_a')?.runtime).toMatchObject({ ready: true, players: 2 });
    expect(repo.servers.get('srv_b')?.runtime).toMatchObject({ ready: false, players: 0 });
  });

  it('refuses credentials the stand-in never issued, and a wrong secret for a real key', async () => {
    const forged = clientOf({ accessKeyId: 'ASIAFORGED000000', secretAccessKey: 'x', sessionToken: 'y' });
    await expect(forged.bundle()).rejects.toMatchObject({ status: 403 });
    const wrongSecret = clientOf({ ...a.credentials, secretAccessKey: b.credentials.secretAccessKey });
    await expect(wrongSecret.bundle()).rejects.toThrow(HostApiError);
    const otherToken = clientOf({ ...a.credentials, sessionToken: b.credentials.sessionToken });
    await expect(
      otherToken.heartbeat({ ready: true, searchId: null, players: 0, gameVersion: null }),
    ).rejects.toMatchObject({
      status: 403,
    });
  });

  it('refuses an unsigned request and a signed one whose body was changed on the way', async () => {
    const unsigned = await fetch(new URL('/v1/host/bundle', apiUrl));
    expect(unsigned.status).toBe(403);

    // Sign a heartbeat for A, then send another body with A's signature.
    const signedBody = JSON.stringify({ ready: false, searchId: null, players: 0, gameVersion: null });
    const captured = await signHeaders(signedBody);
    const tampered = JSON.stringify({ ready: false, searchId: null, players: 7, gameVersion: null });
    const status = await rawPost(
      '/v1/host/heartbeat',
      { ...captured, 'content-length': String(tampered.length) },
      tampered,
    );
    expect(status).toBe(403);
    expect(repo.servers.get('srv_a')?.runtime?.players).not.toBe(7);
  });

  it('answers a bad heartbeat with a problem document', async () => {
    await expect(
      clientOf(a.credentials).heartbeat({ ready: true, searchId: 'srv_b', players: -1, gameVersion: null }),
    ).rejects.toMatchObject({ status: 400 });
  });
});

/** The headers the agent's signer puts on a heartbeat to this gateway. */
async function signHeaders(body: string): Promise<Record<string, string>> {
  const { SignatureV4 } = await import('@smithy/signature-v4');
  const { NodeSha256 } = await import('../../shared/adapters/sigv4/node-sha256.ts');
  const url = new URL('/v1/host/heartbeat', apiUrl);
  const signed = await new SignatureV4({
    service: 'execute-api',
    region: REGION,
    credentials: a.credentials,
    sha256: NodeSha256,
  }).sign({
    method: 'POST',
    protocol: 'http:',
    hostname: url.hostname,
    port: Number(url.port),
    path: url.pathname,
    query: {},
    headers: { host: url.host, 'content-type': 'application/json', 'content-length': String(body.length) },
    body,
  });
  return signed.headers as Record<string, string>;
}

function rawPost(path: string, headers: Record<string, string>, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, apiUrl), { method: 'POST', headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}
