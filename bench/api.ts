/**
 * API latency and throughput under load against the local stack (GET one server, list, create),
 * each next to a baseline measured in the same run (these machines are noisy: compare ratios).
 *
 * The baseline is a plain node:http route whose handler does one GetItem through the bare SDK,
 * on the same table and item, served by the same event loop as the local API Gateway: a
 * ratio to it is what our handler stack (authorizer, middy, zod, repository and the DynamoDB
 * calls they make) costs over HTTP and one DynamoDB Local read. Both run in a child process (this file with `--serve`: `startLocalStack`,
 * exactly what `npm start` runs, plus the baseline), whose logs go to a file; the load comes
 * from this process, so the load generator does not share the server's event loop.
 *
 *   npm run bench:api                          # table on stdout and in bench/results/api.md
 *   BENCH_DURATION_S=30 BENCH_ROUNDS=5 BENCH_WARMUP_S=5 BENCH_CONNECTIONS=10 npm run bench:api
 */
import type { ChildProcess } from 'node:child_process';
import { fork } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
// autocannon: keep-alive HTTP/1.1 load with HdrHistogram percentiles and counts per status, from
// a programmatic API (typed by @types/autocannon); pure JavaScript from the npm registry, where
// wrk, k6 or oha would need a native binary this machine cannot download.
import autocannon from 'autocannon';
import autocannonPkg from 'autocannon/package.json' with { type: 'json' };
import { LOCAL_TENANT } from '../local/admin-key.ts';
import { dataDir } from '../local/endpoints.ts';
import { positiveIntFromEnv, runCleanups, startLocalStack } from '../local/stack.ts';
import { keys } from '../shared/adapters/dynamodb/keys.ts';
import { newKeySecret } from '../shared/domain/ids.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const START_TIMEOUT_MS = 120_000;
const STOP_TIMEOUT_MS = 20_000;
/** The list route's default page: the list under load returns a full one. */
const LIST_PAGE = 20;
const CREATE_BODY = JSON.stringify({ name: 'Bench Convoy', game: 'ets2' });

/** What the serving child tells this process once it answers. */
interface Ready {
  readonly type: 'ready';
  readonly api: string;
  readonly baseline: string;
}

// ---------------------------------------------------------------------------------------------
// The child: the local stack and the baseline route, on one event loop.

async function serve(): Promise<void> {
  const cleanups: (() => Promise<void>)[] = [];
  let stopping = false;
  const stop = async (message: string, exitCode: 0 | 1) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`${message}\n`);
    const clean = (await runCleanups(cleanups)) && exitCode === 0;
    process.exit(clean ? 0 : 1);
  };
  process.on('SIGINT', () => void stop('SIGINT: stopping…', 0));
  // The bench went away without asking (killed, crashed): nothing may outlive it.
  process.on('disconnect', () => void stop('The bench went away: stopping.', 1));

  try {
    const stack = await startLocalStack({
      dir: dataDir(),
      port: 0,
      devKey: process.env.CONVOY_DEV_API_KEY,
      cleanups,
      onDynamoDbExit: () => void stop('DynamoDB Local exited unexpectedly: stopping.', 1),
    });
    const baseline = await startBaseline(stack.dynamodb, stack.tableName);
    cleanups.unshift(baseline.close);
    const ready: Ready = { type: 'ready', api: stack.api, baseline: baseline.url };
    process.send?.(ready);
  } catch (error) {
    await stop(`The stack did not start: ${(error as Error).stack}`, 1);
  }
}

/** `GET /servers/{id}`: one consistent GetItem of the server's item (as the repository reads it), as JSON. */
async function startBaseline(
  endpoint: string,
  tableName: string,
): Promise<{ url: string; close: () => Promise<void> }> {
  // The bare SDK: no document client, no middleware, no repository; the SDK's defaults otherwise.
  const client = new DynamoDBClient({
    region: process.env.AWS_REGION ?? 'us-east-1',
    endpoint,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const server = createServer((req, res) => {
    const id = /^\/servers\/([\w-]+)$/.exec(req.url ?? '')?.[1];
    if (!id) {
      res.writeHead(404).end();
      return;
    }
    client
      .send(
        new GetItemCommand({
          TableName: tableName,
          Key: { pk: { S: keys.tenant(LOCAL_TENANT) }, sk: { S: keys.server(id) } },
          ConsistentRead: true,
        }),
      )
      .then(
        ({ Item }) => {
          res.writeHead(Item ? 200 : 404, { 'content-type': 'application/json' }).end(JSON.stringify(Item));
        },
        () => {
          res.writeHead(500).end();
        },
      );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      client.destroy();
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The bench: starts the child, makes the data, puts each target under load, writes the table.

interface Target {
  readonly name: string;
  readonly route: string;
  readonly options: Omit<autocannon.Options, 'connections' | 'duration'>;
}

/** One target's rounds, merged. */
interface Row {
  readonly target: Target;
  readonly requests: number;
  readonly perSecond: number;
  readonly p50: number;
  readonly p99: number;
  readonly non2xx: number;
  /** Connection errors and timeouts. */
  readonly errors: number;
  /** Requests per second of each round, to show how much the machine drifted. */
  readonly rounds: readonly number[];
}

interface Child {
  readonly ready: Ready;
  /** Asks the child to stop and waits: rejects unless every part of the stack stopped cleanly. */
  stop(): Promise<void>;
}

async function startChild(dir: string, adminKey: string, logFile: string): Promise<Child> {
  const log = openSync(logFile, 'w');
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), ['--serve'], {
    cwd: ROOT,
    execArgv: ['--import', 'tsx'],
    env: {
      ...process.env,
      CONVOY_DATA_DIR: join(dir, 'data'),
      CONVOY_DEV_API_KEY: adminKey,
      // No server runs, so the background jobs have nothing to do: keep their ticks out of the way.
      CONVOY_RECONCILE_INTERVAL_S: '3600',
      CONVOY_REAPER_INTERVAL_S: '3600',
    },
    stdio: ['ignore', log, log, 'ipc'],
  });
  closeSync(log);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const ready = await new Promise<Ready>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`not ready within ${START_TIMEOUT_MS / 1000} s`)),
      START_TIMEOUT_MS,
    );
    child.once('message', (message) => {
      clearTimeout(timer);
      resolve(message as Ready);
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`it exited with code ${code}`));
    });
  }).catch(async (error: Error) => {
    child.kill('SIGKILL');
    await exited;
    throw new Error(`The local stack did not start: ${error.message}\n${await tail(logFile)}`);
  });
  return {
    ready,
    async stop() {
      child.kill('SIGINT');
      const escalate = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      const code = await exited;
      clearTimeout(escalate);
      if (code !== 0)
        throw new Error(`The local stack did not stop cleanly (exit ${code})\n${await tail(logFile)}`);
    },
  };
}

async function tail(logFile: string): Promise<string> {
  const text = await readFile(logFile, 'utf8').catch(() => '');
  return `--- last lines of ${logFile} ---\n${text.split('\n').slice(-30).join('\n')}`;
}

async function createBenchServer(api: string, authorization: string): Promise<string> {
  const response = await fetch(`${api}/v1/servers`, {
    method: 'POST',
    headers: { authorization, 'content-type': 'application/json' },
    body: CREATE_BODY,
  });
  if (response.status !== 201)
    throw new Error(`POST /v1/servers answered ${response.status}: ${await response.text()}`);
  return ((await response.json()) as { id: string }).id;
}

async function expectOk(url: string, headers: Record<string, string> = {}): Promise<void> {
  const response = await fetch(url, { headers });
  if (response.status !== 200)
    throw new Error(`GET ${url} answered ${response.status}: ${await response.text()}`);
}

/** What autocannon answers with `skipAggregateResult`: counts and encoded histograms, to merge. */
interface RawResult {
  readonly totalCompletedRequests: number;
  /** Seconds. */
  readonly duration: number;
  readonly non2xx: number;
  readonly errors: number;
  readonly timeouts: number;
}

const load = (target: Target, connections: number, duration: number, skipAggregateResult = false) =>
  autocannon({ ...target.options, connections, duration, skipAggregateResult });

// Exported by autocannon (it merges its workers' results so), missing from @types/autocannon.
const { aggregateResult } = autocannon as unknown as {
  aggregateResult(results: readonly RawResult[], options: autocannon.Options): autocannon.Result;
};

function merge(target: Target, connections: number, raws: readonly RawResult[]): Row {
  const merged = aggregateResult(raws, { ...target.options, connections });
  const sum = (f: (r: RawResult) => number) => raws.reduce((total, r) => total + f(r), 0);
  const requests = sum((r) => r.totalCompletedRequests);
  return {
    target,
    requests,
    perSecond: requests / sum((r) => r.duration),
    p50: merged.latency.p50,
    p99: merged.latency.p99,
    non2xx: sum((r) => r.non2xx),
    errors: sum((r) => r.errors + r.timeouts),
    rounds: raws.map((r) => r.totalCompletedRequests / r.duration),
  };
}

const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const ratio = (value: number, base: number) => (base > 0 ? (value / base).toFixed(2) : '–');

function table(rows: readonly Row[], base: Row): string {
  const head =
    '| target | route | req/s | × baseline | p50 ms | × baseline | p99 ms | × baseline | requests | non-2xx | errors |\n' +
    '|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|';
  const lines = rows.map(
    (r) =>
      `| ${r.target.name} | \`${r.target.route}\` | ${fmt(r.perSecond)} | ${ratio(r.perSecond, base.perSecond)} | ${fmt(r.p50)} | ${ratio(r.p50, base.p50)} | ${fmt(r.p99)} | ${ratio(r.p99, base.p99)} | ${fmt(r.requests)} | ${fmt(r.non2xx)} | ${fmt(r.errors)} |`,
  );
  return [head, ...lines].join('\n');
}

async function bench(): Promise<void> {
  const duration = positiveIntFromEnv('BENCH_DURATION_S', 10);
  const rounds = positiveIntFromEnv('BENCH_ROUNDS', 5);
  const warmup = positiveIntFromEnv('BENCH_WARMUP_S', 3);
  const connections = positiveIntFromEnv('BENCH_CONNECTIONS', 10);
  const started = performance.now();
  const dir = await mkdtemp(join(tmpdir(), 'convoy-bench-api-'));
  const logFile = join(dir, 'stack.log');
  const adminKey = newKeySecret();
  const authorization = `Bearer ${adminKey}`;

  process.stderr.write(`Starting the local stack in ${dir} …\n`);
  const child = await startChild(dir, adminKey, logFile);
  let failed = false;
  try {
    const { api, baseline } = child.ready;
    // A full first page for the list; the first server is the one read.
    const ids: string[] = [];
    for (let i = 0; i < LIST_PAGE; i++) ids.push(await createBenchServer(api, authorization));
    const id = ids[0] as string;
    await expectOk(`${baseline}/servers/${id}`);
    await expectOk(`${api}/v1/servers/${id}`, { authorization });

    const baselineTarget: Target = {
      name: 'baseline',
      route: 'GET /servers/{id} (one GetItem, bare SDK)',
      options: { url: `${baseline}/servers/${id}` },
    };
    const targets: Target[] = [
      baselineTarget,
      {
        name: 'get one server',
        route: 'GET /v1/servers/{id}',
        options: { url: `${api}/v1/servers/${id}`, headers: { authorization } },
      },
      {
        name: 'list servers',
        route: `GET /v1/servers (page of ${LIST_PAGE})`,
        options: { url: `${api}/v1/servers`, headers: { authorization } },
      },
      {
        name: 'create server',
        route: 'POST /v1/servers',
        options: {
          url: `${api}/v1/servers`,
          method: 'POST',
          headers: { authorization, 'content-type': 'application/json' },
          body: CREATE_BODY,
        },
      },
    ];

    // Every code path, in Node and in DynamoDB Local's JVM, is warm before the first measurement.
    for (const target of targets) {
      process.stderr.write(`  warm-up, ${target.name}: ${warmup} s\n`);
      await load(target, connections, warmup);
    }
    // Rounds interleave the targets, so drift in machine load spreads evenly over all of them.
    const raws: RawResult[][] = targets.map(() => []);
    for (let round = 1; round <= rounds; round++) {
      process.stderr.write(`  round ${round} of ${rounds}: ${fmt(duration / rounds, 1)} s per target\n`);
      for (const [i, target] of targets.entries()) {
        raws[i]?.push((await load(target, connections, duration / rounds, true)) as unknown as RawResult);
      }
    }
    const rows = targets.map((target, i) => merge(target, connections, raws[i] ?? []));

    const base = rows[0] as Row;
    const bad = rows.filter((r) => r.non2xx + r.errors > 0);
    failed = bad.length > 0;
    const text = [
      '# API under load (`npm run bench:api`)',
      '',
      `The local stack as \`npm start\` runs it (DynamoDB Local persisted with \`-dbPath\`, the production handlers behind the local API Gateway) and a baseline route doing one consistent GetItem of the same item through the bare SDK, served by the same Node process and event loop. Load: autocannon ${autocannonPkg.version}, ${connections} connections, keep-alive, from a separate process; after ${warmup} s of warm-up per target, ${duration} s per target measured in ${rounds} interleaved rounds and merged. ${cpus().length} CPUs, Node ${process.version}. Ratios are to the baseline of this run; latencies are autocannon's HdrHistogram values (whole milliseconds).`,
      '',
      table(rows, base),
      '',
      `Requests per second in each round (how much the machine drifted): ${rows.map((r) => `${r.target.name} ${r.rounds.map((n) => fmt(n)).join(' / ')}`).join('; ')}.`,
      '',
      `Per request, besides HTTP: the baseline does 1 GetItem; every API route also runs the authorizer, whose key lookup is 1 GetItem (the local gateway has no authorizer cache; API Gateway caches per key); then get one server does 1 GetItem, list 1 Query, create 1 TransactWriteItems (server and event; no quota applies, ${LIST_PAGE} servers made before the run, one more per create). Creates also feed the table's stream, which the webhook dispatcher polls in the same process.`,
      '',
      failed
        ? `**FAILED**: non-2xx answers or connection errors in ${bad.map((r) => r.target.name).join(', ')} (their latencies count 2xx answers only; the stack's log was kept in ${dir}).`
        : 'Every answer was 2xx.',
      '',
      `Total run: ${fmt((performance.now() - started) / 1000)} s, ${new Date().toISOString()}.`,
      '',
    ].join('\n');
    process.stdout.write(`\n${text}`);
    await mkdir(new URL('./results/', import.meta.url), { recursive: true });
    await writeFile(new URL('./results/api.md', import.meta.url), text);
  } catch (error) {
    failed = true;
    throw error;
  } finally {
    await child.stop();
    if (!failed) await rm(dir, { recursive: true, force: true });
  }
  if (failed) process.exitCode = 1;
}

if (process.argv.includes('--serve')) await serve();
else await bench();
