/**
 * `npm run bench:agent`: the host agent's bundle size, and its resident memory while it follows
 * a busy `server.log.txt` and heartbeats (every 200 ms here) to a stand-in API on loopback. Linux
 * only (reads /proc). Prints one Markdown table.
 */
import { spawn } from 'node:child_process';
import { appendFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { buildAgent } from '../host/agent/build.ts';

const FOLLOW_SECONDS = Number(process.env.BENCH_SECONDS ?? 20);

const dir = await mkdtemp(join(tmpdir(), 'convoy-agent-bench-'));
const agent = await buildAgent(join(dir, 'agent.mjs'));
const gzip = gzipSync(await readFile(agent.path)).byteLength;

let heartbeats = 0;
const api = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    heartbeats++;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ serverId: 'srv_bench', state: 'running', recorded: true }));
  });
});
await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
const apiUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;

const home = join(dir, 'home');
await mkdir(home, { recursive: true });
const log = join(home, 'server.log.txt');
await writeFile(
  log,
  '00:00:00.000 : Euro Truck Simulator 2 init ver.1.53.1.0s (rev. 5a1c0de0beef) linux_x64\n' +
    '00:00:05.913 : [MP] Session search id: 85568392925767505/101\n00:00:06.020 : [MP] Session running.\n',
);

const child = spawn(process.execPath, [agent.path, 'run'], {
  env: {
    PATH: process.env.PATH,
    CONVOY_API_URL: apiUrl,
    CONVOY_REGION: 'us-east-1',
    CONVOY_HOME_DIR: home,
    CONVOY_STATE_DIR: join(dir, 'state'),
    CONVOY_HEARTBEAT_INTERVAL_MS: '200',
    // Nothing answers A2S here: every heartbeat also waits out a query timeout (1.5 s), the worst case.
    CONVOY_QUERY_PORT: '9',
    AWS_ACCESS_KEY_ID: 'AKIDBENCH',
    AWS_SECRET_ACCESS_KEY: 'bench',
  },
  stdio: ['ignore', 'ignore', 'ignore'],
});

const rssKiB = async () => {
  const status = await readFile(`/proc/${child.pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
};
const samples: number[] = [];
let lines = 0;
const deadline = Date.now() + FOLLOW_SECONDS * 1000;
await new Promise((resolve) => setTimeout(resolve, 1000));
while (Date.now() < deadline) {
  // ~200 lines a second: joins, leaves, chat and state lines, far busier than a real convoy.
  const batch = Array.from({ length: 20 }, (_, i) => {
    const n = lines + i;
    return n % 4 === 0
      ? `00:10:00.000 : [MP] Driver ${n} connected, client_id = ${n}\n`
      : n % 4 === 1
        ? `00:10:00.000 : [MP] [Chat] Driver ${n}: hello convoy\n`
        : n % 4 === 2
          ? `00:10:00.000 : [MP] Driver ${n - 2} disconnected, client_id = ${n - 2}\n`
          : `00:10:00.000 : [MP] State: running;  Time: 11344626;  Players: 1\n`;
  });
  await appendFile(log, batch.join(''));
  lines += batch.length;
  samples.push(await rssKiB());
  await new Promise((resolve) => setTimeout(resolve, 100));
}
child.kill('SIGINT');
await new Promise((resolve) => child.once('exit', resolve));
api.close();
await rm(dir, { recursive: true, force: true });

const mib = (kib: number) => (kib / 1024).toFixed(1);
const sorted = [...samples].sort((a, b) => a - b);
process.stdout.write(
  [
    '| agent.mjs | gzip | RSS first | RSS median | RSS max | lines followed | heartbeats |',
    '|---|---|---|---|---|---|---|',
    `| ${(agent.bytes / 1024).toFixed(1)} KiB | ${(gzip / 1024).toFixed(1)} KiB | ${mib(samples[0] ?? 0)} MiB | ${mib(sorted[Math.floor(sorted.length / 2)] ?? 0)} MiB | ${mib(sorted.at(-1) ?? 0)} MiB | ${lines} in ${FOLLOW_SECONDS} s | ${heartbeats} |`,
    '',
  ].join('\n'),
);
