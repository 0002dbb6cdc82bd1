/**
 * Bundles the host agent to one ESM file for Ubuntu 24.04's Node 18, with everything it imports
 * inside (no node_modules on the host). Used by the CDK app (the S3 asset the hosts download),
 * the local stack (the simulated hosts run the same file) and `npm run bench:agent`.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { type BuildOptions, build, buildSync } from 'esbuild';

export const AGENT_ENTRY = fileURLToPath(new URL('./main.ts', import.meta.url));

const OPTIONS: BuildOptions = {
  entryPoints: [AGENT_ENTRY],
  bundle: true,
  platform: 'node',
  target: 'node18',
  format: 'esm',
  minify: true,
  legalComments: 'none',
  // Deterministic bytes: the asset hash and the bootstrap's checksum must not change between identical builds.
  sourcemap: false,
  logLevel: 'silent',
  banner: { js: '// convoy-cloud host agent (host/agent/main.ts); built by host/agent/build.ts' },
};

export interface BuiltAgent {
  readonly path: string;
  readonly bytes: number;
  readonly sha256: string;
}

/** Writes the bundle to `outfile` (name it `agent.mjs`: main.ts runs itself only under that name). */
export async function buildAgent(outfile: string): Promise<BuiltAgent> {
  await build({ ...OPTIONS, outfile });
  const data = await readFile(outfile);
  return { path: outfile, bytes: data.byteLength, sha256: createHash('sha256').update(data).digest('hex') };
}

/** The same, synchronously, for CDK constructs (synth is synchronous). */
export function buildAgentSync(outfile: string): void {
  buildSync({ ...OPTIONS, outfile });
}
