/**
 * SII parser throughput on a large synthetic export (many mods, just under the 1 MiB limit),
 * next to `JSON.parse` on a JSON document of the same size, in the same run: the machines are
 * noisy, so compare the ratio rather than the absolute numbers.
 *
 *   npm run bench:parser   # table on stdout and in bench/results/parser.md
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { readManifest } from '../shared/domain/sii/manifest.ts';
import { MAX_SII_BYTES, parseSii } from '../shared/domain/sii/parser.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 30);

function syntheticExport(targetBytes: number): string {
  const head = (mods: number, dlc: number) =>
    [
      'SiiNunit',
      '{',
      'server_packages_info : _nameless.2a0.11f3.7c10 {',
      ' version: 1',
      ` dlc_essential_list: ${dlc}`,
      ...Array.from(
        { length: dlc },
        (_, i) => ` dlc_essential_list[${i}]: ${17_000_000_000_000_000_000n + BigInt(i)}`,
      ),
      ' dlc_non_essential_list: 0',
      ` mod_list: ${mods}`,
      ...Array.from({ length: mods }, (_, i) => ` mod_list[${i}]: _nameless.2a0.11f3.${i.toString(16)}`),
      ' map_name: "/map/europe.mbd"',
      ' map_dimensions: (-16384000, -16384000, 20480000, 20480000)',
      ' roads_data_file_name: "/home/server_packages.dat"',
      ' time_stamp: 1761904800',
      '}',
      '',
    ].join('\n');
  const mod = (i: number) =>
    [
      `server_mod_detail : _nameless.2a0.11f3.${i.toString(16)} {`,
      ` package_name: "mod_workshop_package.${i.toString(16).padStart(16, '0')}"`,
      ` mod_name: "  Synthetic mod number ${i} (with spaces) "`,
      ` mod_id: ${18_000_000_000_000_000_000n + BigInt(i)}`,
      ' workshop_mod: true',
      ' optional_mod: false // a comment',
      '}',
      '',
    ].join('\n');
  let mods = 1;
  const size = (n: number) =>
    head(n, 50).length + Array.from({ length: n }, (_, i) => mod(i).length).reduce((a, b) => a + b, 0) + 2;
  while (size(mods * 2) < targetBytes) mods *= 2;
  let lo = mods;
  let hi = mods * 2;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (size(mid) < targetBytes) lo = mid;
    else hi = mid;
  }
  return `${head(lo, 50)}${Array.from({ length: lo }, (_, i) => mod(i)).join('')}}\n`;
}

function sameSizeJson(bytes: number): string {
  const items: unknown[] = [];
  let text = '[]';
  for (let i = 0; text.length < bytes; i++) {
    items.push({
      packageName: `mod_workshop_package.${i}`,
      name: `  Synthetic mod number ${i} `,
      modId: `${18e18 + i}`,
      workshop: true,
      optional: false,
    });
    if (i % 256 === 0) text = JSON.stringify(items);
  }
  text = JSON.stringify(items);
  while (text.length > bytes) {
    items.pop();
    text = JSON.stringify(items);
  }
  return text;
}

function measure(label: string, bytes: number, fn: () => unknown) {
  for (let i = 0; i < 5; i++) fn();
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    fn();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)] ?? Number.NaN;
  return { label, bytes, medianMs: median, mbPerS: bytes / 1e6 / (median / 1000) };
}

const sii = syntheticExport(MAX_SII_BYTES - 1024);
const json = sameSizeJson(sii.length);
const manifest = readManifest(sii);
const rows = [
  measure('parseSii (tokens → units)', sii.length, () => parseSii(sii)),
  measure('readManifest (parse + extract)', sii.length, () => readManifest(sii)),
  measure('JSON.parse, same size', json.length, () => JSON.parse(json)),
];
const table = [
  `Synthetic export: ${sii.length} bytes, ${manifest.mods.length} mods, ${manifest.dlc.essential.length} DLC; ${RUNS} runs, median`,
  '',
  '| what | bytes | median ms | MB/s |',
  '|---|---:|---:|---:|',
  ...rows.map((r) => `| ${r.label} | ${r.bytes} | ${r.medianMs.toFixed(2)} | ${r.mbPerS.toFixed(1)} |`),
  '',
  `Node ${process.version}, ${new Date().toISOString()}`,
].join('\n');
console.log(table);
await mkdir(new URL('./results/', import.meta.url), { recursive: true });
await writeFile(new URL('./results/parser.md', import.meta.url), `# SII parser throughput\n\n${table}\n`);
