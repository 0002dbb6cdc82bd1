/**
 * Bundle size and cold import time of every Lambda, next to a baseline bundle that imports only
 * the DynamoDB client, measured in the same run (these machines are noisy: compare ratios).
 *
 *   npm run bench:bundles            # table on stdout and in bench/results/bundles.md
 *   npm run bench:bundles -- --check # also fail if a bundle exceeds the size budget (CI)
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { BUNDLE_BUDGET_BYTES, bundleLambda } from '../infra/bundling/lambda-bundling.ts';
import { AUTHORIZER, ROUTES } from '../shared/http/routes.ts';
import { JOBS } from '../shared/runtime/jobs.ts';
import { WEBHOOK_FUNCTIONS } from '../shared/runtime/webhook-functions.ts';

const run = promisify(execFile);
const ROOT = new URL('../', import.meta.url).pathname;
const RUNS = Number(process.env.BENCH_RUNS ?? 10);
const check = process.argv.includes('--check');

interface Entry {
  readonly name: string;
  readonly entry: string;
}

const entries: Entry[] = [
  { name: 'baseline (DynamoDB client only)', entry: 'bench/baseline/dynamodb-client.ts' },
  ...ROUTES.map((r) => ({ name: r.name, entry: r.entry })),
  { name: AUTHORIZER.name, entry: AUTHORIZER.entry },
  ...JOBS.map((j) => ({ name: j.name, entry: j.entry })),
  ...Object.values(WEBHOOK_FUNCTIONS).map((f) => ({ name: f.name, entry: f.entry })),
];

async function bundle(entry: Entry, outDir: string): Promise<string> {
  const outfile = join(outDir, `${entry.name.replace(/\W+/g, '-')}.mjs`);
  await bundleLambda(join(ROOT, entry.entry), outfile);
  return outfile;
}

/** Milliseconds a fresh `node` takes to import the bundle (process start excluded). */
async function importTime(file: string): Promise<number> {
  const script = `const t=performance.now();await import(${JSON.stringify(file)});process.stdout.write(String(performance.now()-t))`;
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
    env: { ...process.env, AWS_REGION: 'us-east-1', NODE_NO_WARNINGS: '1' },
  });
  return Number(stdout);
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
};

const outDir = await mkdtemp(join(tmpdir(), 'convoy-bundles-'));
try {
  const files = await Promise.all(entries.map((e) => bundle(e, outDir)));
  const sizes = await Promise.all(files.map(async (f) => (await stat(f)).size));
  // Interleave runs across bundles so drift in machine load spreads evenly over all of them.
  const times: number[][] = entries.map(() => []);
  for (let i = 0; i < RUNS; i++) {
    for (const [index, file] of files.entries()) times[index]?.push(await importTime(file));
  }
  const medians = times.map(median);
  const [baseSize = 1, baseTime = 1] = [sizes[0], medians[0]];
  const rows = entries.map((e, i) => {
    const size = sizes[i] ?? 0;
    const ms = medians[i] ?? 0;
    return `| ${e.name} | ${(size / 1024).toFixed(1)} | ${(size / baseSize).toFixed(2)} | ${ms.toFixed(1)} | ${(ms / baseTime).toFixed(2)} |`;
  });
  const table = [
    `Bundles (esbuild, ESM, minified, SDK bundled); cold import = median of ${RUNS} fresh node processes; node ${process.version}`,
    '',
    '| function | size KiB | × baseline | import ms | × baseline |',
    '|---|---:|---:|---:|---:|',
    ...rows,
  ].join('\n');
  console.log(table);
  await mkdir(join(ROOT, 'bench/results'), { recursive: true });
  await writeFile(join(ROOT, 'bench/results/bundles.md'), `${table}\n`);

  const over = entries.filter((_entry, i) => i > 0 && (sizes[i] ?? 0) > BUNDLE_BUDGET_BYTES);
  if (check && over.length > 0) {
    console.error(`Over the ${BUNDLE_BUDGET_BYTES / 1024} KiB budget: ${over.map((e) => e.name).join(', ')}`);
    process.exitCode = 1;
  }
} finally {
  await rm(outDir, { recursive: true, force: true });
}
