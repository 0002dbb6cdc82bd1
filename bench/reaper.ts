/**
 * The idle reaper at scale, against DynamoDB Local with simulated A2S responders on loopback:
 * one tick over 1,000 and 10,000 running servers, and over 100 running servers with and
 * without 10,000 stopped ones beside them (whose ratio should be about 1: work grows with
 * active servers only).
 *
 * Every running server has a fresh heartbeat reporting 0 players, so every one costs an A2S
 * query (the most a tick does without stopping anything); half the responders count a player.
 * The first tick records what it sees (`lastPlayerSeenAt`, `idleStopAt`); the second is the
 * steady state, where nothing changed and nothing is written.
 *
 *   npm run bench:reaper   # table on stdout and in bench/results/reaper.md
 */
import { createSocket } from 'node:dgram';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient as DocumentClient } from '@aws-sdk/lib-dynamodb';
import { startDynamoDbLocal } from '../local/dynamodb-local.ts';
import { startA2sResponder } from '../local/game-sim/a2s-responder.ts';
import { ensureTable } from '../local/table.ts';
import { createA2sGameQuery } from '../shared/adapters/a2s/game-query.ts';
import { createDynamoDbClient } from '../shared/adapters/aws-clients.ts';
import { createIdleRecords } from '../shared/adapters/dynamodb/idle-records.ts';
import { activeShardOf, keys } from '../shared/adapters/dynamodb/keys.ts';
import { createServerIndex } from '../shared/adapters/dynamodb/server-index.ts';
import { createServerRepository } from '../shared/adapters/dynamodb/server-repository.ts';
import { newId } from '../shared/domain/ids.ts';
import { ACTIVE_STATES, DEFAULT_CONFIG, DEFAULT_IDLE, type ServerRecord } from '../shared/domain/server.ts';
import { createLifecycleService } from '../shared/services/lifecycle.ts';
import type { HostProvider } from '../shared/services/ports.ts';
import { systemClock } from '../shared/services/ports.ts';
import { createReaper, type ReapReport } from '../shared/services/reaper.ts';

const REGION = 'us-east-1';
const RESPONDERS = 8;

/** A UDP port nothing listens on (bound, noted, released). */
async function freeUdpPort(): Promise<number> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(resolve));
  return port;
}

interface Counters {
  requests: Record<string, number>;
  readUnits: number;
  writeUnits: number;
}

/** A document client that counts requests by command and sums the capacity they consumed. */
function countingClient(endpoint: string): { client: DynamoDBDocumentClient; counters: Counters } {
  const counters: Counters = { requests: {}, readUnits: 0, writeUnits: 0 };
  const base = createDynamoDbClient({ region: REGION, endpoints: { dynamodb: endpoint } });
  base.middlewareStack.add(
    (next, context) => async (args) => {
      const name = String(context.commandName).replace(/Command$/, '');
      counters.requests[name] = (counters.requests[name] ?? 0) + 1;
      (args.input as Record<string, unknown>).ReturnConsumedCapacity = 'TOTAL';
      const result = await next(args);
      const consumed = (result.output as { ConsumedCapacity?: unknown }).ConsumedCapacity;
      for (const c of [consumed].flat() as {
        ReadCapacityUnits?: number;
        WriteCapacityUnits?: number;
        CapacityUnits?: number;
      }[]) {
        if (!c) continue;
        const isWrite = /Write|Update|Put|Delete/.test(name);
        const units = c.CapacityUnits ?? (isWrite ? c.WriteCapacityUnits : c.ReadCapacityUnits) ?? 0;
        if (isWrite) counters.writeUnits += units;
        else counters.readUnits += units;
      }
      return result;
    },
    { step: 'initialize', name: 'benchCounter' },
  );
  const client = DocumentClient.from(base, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
  return { client, counters };
}

const reset = (c: Counters) => {
  c.requests = {};
  c.readUnits = 0;
  c.writeUnits = 0;
};

/** The lifecycle's host provider: nothing is due in this bench, so any call is a bug. */
const noHosts = new Proxy({} as HostProvider, {
  get: (_target, name) => () => Promise.reject(new Error(`unexpected EC2 call: ${String(name)}`)),
});

/** Writes servers as the repository stores them, 25 per BatchWriteItem, several at once. */
async function seed(client: DynamoDBDocumentClient, tableName: string, servers: readonly ServerRecord[]) {
  const items = servers.map((s) => {
    const active = ACTIVE_STATES.includes(s.state);
    return {
      pk: keys.tenant(s.tenantId),
      sk: keys.server(s.id),
      entity: 'server',
      ...s,
      instanceId: s.instanceId ?? undefined,
      activeShard: active ? activeShardOf(s.id) : undefined,
      activeSk: active ? `${s.tenantId}#${s.id}` : undefined,
    };
  });
  const batches: (typeof items)[] = [];
  for (let i = 0; i < items.length; i += 25) batches.push(items.slice(i, i + 25));
  let next = 0;
  const worker = async () => {
    while (next < batches.length) {
      let pending: Record<string, unknown>[] = (batches[next++] ?? []).map((Item) => ({
        PutRequest: { Item },
      }));
      while (pending.length) {
        const result = await client.send(new BatchWriteCommand({ RequestItems: { [tableName]: pending } }));
        pending = (result.UnprocessedItems?.[tableName] as Record<string, unknown>[] | undefined) ?? [];
      }
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
}

function server(
  state: 'running' | 'stopped',
  ports: readonly number[],
  i: number,
  now: number,
): ServerRecord {
  const iso = (ago: number) => new Date(now - ago).toISOString();
  return {
    id: newId('srv'),
    tenantId: `tenant-${i % 50}`,
    name: `Convoy ${i}`,
    game: 'ets2',
    state,
    stateReason: null,
    config: DEFAULT_CONFIG,
    packageId: null,
    branch: 'public',
    instanceType: 't3.medium',
    idle: DEFAULT_IDLE,
    runtime:
      state === 'running'
        ? {
            address: '127.0.0.1',
            connectionPort: 27015,
            queryPort: ports[i % ports.length] as number,
            searchId: null,
            ready: true,
            players: 0,
            maxPlayers: 8,
            gameVersion: '1.53.1.0s',
            startedAt: iso(5 * 60_000),
            lastPlayerSeenAt: null,
            lastHeartbeatAt: iso(10_000),
            lastAnsweredAt: null,
            keepaliveUntil: null,
            idleStopAt: null,
          }
        : null,
    instanceId: state === 'running' ? `i-${i.toString(16).padStart(17, '0')}` : null,
    launchAttempt: 1,
    createdAt: iso(86_400_000),
    updatedAt: iso(5 * 60_000),
    version: 3,
  };
}

interface Row {
  readonly name: string;
  readonly active: number;
  readonly total: number;
  readonly tick: string;
  readonly ms: number;
  readonly requests: Record<string, number>;
  readonly readUnits: number;
  readonly writeUnits: number;
  readonly report: ReapReport;
}

async function runCase(
  endpoint: string,
  ports: readonly number[],
  name: string,
  running: number,
  stopped: number,
): Promise<Row[]> {
  const silent = name.includes('silent');
  const closedPort = await freeUdpPort();
  const tableName = `bench-${name.replace(/\W+/g, '-')}-${Date.now()}`;
  const admin = createDynamoDbClient({ region: REGION, endpoints: { dynamodb: endpoint } });
  await ensureTable(admin, tableName);
  admin.destroy();
  const { client, counters } = countingClient(endpoint);
  const now = Date.now();
  const servers = [
    ...Array.from({ length: running }, (_, i) => server('running', silent ? [closedPort] : ports, i, now)),
    ...Array.from({ length: stopped }, (_, i) => server('stopped', ports, i, now)),
  ];
  const seedStart = performance.now();
  await seed(client, tableName, servers);
  process.stderr.write(
    `  ${name}: seeded ${servers.length} servers in ${((performance.now() - seedStart) / 1000).toFixed(1)} s\n`,
  );

  const repository = createServerRepository({ client, tableName, clock: systemClock });
  const index = createServerIndex({ client, tableName, servers: repository });
  const reaper = createReaper({
    index,
    records: createIdleRecords({ client, tableName }),
    query: createA2sGameQuery({ timeoutMs: 1500 }),
    lifecycle: createLifecycleService({
      servers: repository,
      index,
      hosts: noHosts,
      packages: { resolvePackageFor: () => Promise.reject(new Error('no starts here')) },
      clock: systemClock,
      instanceTypes: ['t3.medium'],
      transitionTimeoutMs: 900_000,
    }),
    clock: systemClock,
    onError: (message, error) => process.stderr.write(`  ${message}: ${(error as Error).message}\n`),
  });

  const rows: Row[] = [];
  for (const tick of ['first', 'steady']) {
    reset(counters);
    const start = performance.now();
    const report = await reaper.tick();
    const ms = performance.now() - start;
    rows.push({
      name,
      active: running,
      total: running + stopped,
      tick,
      ms,
      requests: { ...counters.requests },
      readUnits: counters.readUnits,
      writeUnits: counters.writeUnits,
      report,
    });
    process.stderr.write(`  ${name}, ${tick} tick: ${ms.toFixed(0)} ms\n`);
  }
  client.destroy();
  return rows;
}

const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

function table(rows: readonly Row[]): string {
  const head =
    '| case | active | all servers | tick | time per tick | DynamoDB reads (Query pages) | read units | writes (UpdateItem) | A2S asked / answered | busy / idle | stopped |\n' +
    '|---|--:|--:|---|--:|--:|--:|--:|--:|--:|--:|';
  const lines = rows.map((r) => {
    const reads = Object.entries(r.requests)
      .filter(([k]) => !/Write|Update|Put|Delete|Transact/.test(k))
      .reduce((sum, [, v]) => sum + v, 0);
    const writes = Object.entries(r.requests)
      .filter(([k]) => /Write|Update|Put|Delete|Transact/.test(k))
      .reduce((sum, [, v]) => sum + v, 0);
    return `| ${r.name} | ${fmt(r.active)} | ${fmt(r.total)} | ${r.tick} | ${fmt(r.ms)} ms | ${fmt(reads)} | ${fmt(r.readUnits, 1)} | ${fmt(writes)} | ${fmt(r.report.queried)} / ${fmt(r.report.answered)} | ${fmt(r.report.statuses.busy)} / ${fmt(r.report.statuses.idle)} | ${r.report.stopped.length} |`;
  });
  return [head, ...lines].join('\n');
}

async function main(): Promise<void> {
  const started = performance.now();
  const dynamodb = await startDynamoDbLocal();
  const responders = await Promise.all(
    Array.from({ length: RESPONDERS }, (_, i) => startA2sResponder({ players: i % 2 })),
  );
  const ports = responders.map((r) => r.port);
  try {
    const cases: [string, number, number][] = [
      ['1,000 running', 1_000, 0],
      ['10,000 running', 10_000, 0],
      ['100 running', 100, 0],
      ['100 running + 10,000 stopped', 100, 10_000],
      // No responder on their port: every query waits out its timeout.
      ['1,000 running, A2S silent', 1_000, 0],
    ];
    const rows: Row[] = [];
    for (const [name, running, stopped] of cases)
      rows.push(...(await runCase(dynamodb.endpoint, ports, name, running, stopped)));

    const steady = (name: string) => rows.find((r) => r.name === name && r.tick === 'steady') as Row;
    const alone = steady('100 running');
    const beside = steady('100 running + 10,000 stopped');
    const readsOf = (r: Row) => r.requests.Query ?? 0;
    const ratio = `Ratio, 100 running beside 10,000 stopped vs 100 running alone (steady tick): time ${(beside.ms / alone.ms).toFixed(2)}, Query requests ${(readsOf(beside) / readsOf(alone)).toFixed(2)}, read units ${(beside.readUnits / alone.readUnits).toFixed(2)}.`;
    const text = [
      `# Idle reaper: one tick (\`npm run bench:reaper\`)`,
      '',
      `DynamoDB Local (in memory) and ${RESPONDERS} simulated A2S responders on loopback, ${cpus().length} CPUs, Node ${process.version}, concurrency 256 (the default), A2S timeout 1.5 s. Reads are whole servers from the sparse \`active\` index (no read per server; \`read units\` as DynamoDB Local reports them); writes are the reaper's observations. Every running server has a fresh heartbeat with 0 players, so every one is queried; half the responders count a player.`,
      '',
      table(rows),
      '',
      ratio,
      '',
      `Total run: ${((performance.now() - started) / 1000).toFixed(0)} s.`,
      '',
    ].join('\n');
    process.stdout.write(`\n${text}`);
    await mkdir(new URL('./results/', import.meta.url), { recursive: true });
    await writeFile(new URL('./results/reaper.md', import.meta.url), text);
  } finally {
    await Promise.all(responders.map((r) => r.close()));
    await dynamodb.stop();
  }
}

await main();
