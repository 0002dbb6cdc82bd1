/**
 * `agent.mjs fetch`, the server unit's ExecStartPre: the boot bundle from the API, then the
 * files the dedicated server reads at start (and `state/desired-branch`, `state/bundle.json`), each written whole (temp file, then rename) so a
 * failed fetch leaves the previous start's files rather than half of new ones. Package files are
 * checked against the sizes and hashes the API recorded at finalize.
 */
import { createHash } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BundleFile, HostBundle } from '../../shared/domain/host-wire.ts';
import type { HostApi } from './api.ts';

export interface FetchOptions {
  readonly api: Pick<HostApi, 'bundle'>;
  /** The server's home dir (`server_config.sii` and the package pair go there). */
  readonly homeDir: string;
  /** The agent's state dir (`desired-branch`). */
  readonly stateDir: string;
  /** @default fetch */
  readonly download?: (url: string) => Promise<Uint8Array>;
}

export const SERVER_FILES = {
  config: 'server_config.sii',
  sii: 'server_packages.sii',
  dat: 'server_packages.dat',
} as const;

export class BundleFileError extends Error {
  override readonly name = 'BundleFileError';
}

async function fetchBytes(url: string): Promise<Uint8Array> {
  const response = await fetch(url);
  if (!response.ok) throw new BundleFileError(`download answered ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

async function writeWhole(path: string, data: string | Uint8Array): Promise<void> {
  const temp = `${path}.part`;
  await writeFile(temp, data, { mode: 0o600 });
  await rename(temp, path);
}

async function downloadChecked(
  file: BundleFile,
  name: string,
  download: (url: string) => Promise<Uint8Array>,
): Promise<Uint8Array> {
  const bytes = await download(file.url);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  if (bytes.byteLength !== file.bytes || sha256 !== file.sha256) {
    throw new BundleFileError(
      `${name}: got ${bytes.byteLength} bytes (sha256 ${sha256}), expected ${file.bytes} (${file.sha256})`,
    );
  }
  return bytes;
}

/** Fetches and writes everything; resolves to the bundle (without writing anything if any part fails). */
export async function fetchBundle(options: FetchOptions): Promise<HostBundle> {
  const download = options.download ?? fetchBytes;
  const bundle = await options.api.bundle();
  const [sii, dat] = await Promise.all([
    downloadChecked(bundle.packages.sii, SERVER_FILES.sii, download),
    downloadChecked(bundle.packages.dat, SERVER_FILES.dat, download),
  ]);
  await mkdir(options.homeDir, { recursive: true });
  await mkdir(options.stateDir, { recursive: true });
  await writeWhole(join(options.homeDir, SERVER_FILES.config), bundle.serverConfigSii);
  await writeWhole(join(options.homeDir, SERVER_FILES.sii), sii);
  await writeWhole(join(options.homeDir, SERVER_FILES.dat), dat);
  await writeWhole(join(options.stateDir, 'desired-branch'), `${bundle.branch}\n`);
  // What was fetched, without the secrets: for whoever looks at the host (and the simulated server).
  const { serverId, game, branch } = bundle;
  await writeWhole(join(options.stateDir, 'bundle.json'), `${JSON.stringify({ serverId, game, branch })}\n`);
  return bundle;
}

/** The query port the rendered config names (`query_dedicated_port`), or `null` if it names none. */
export function queryPortOf(serverConfigSii: string): number | null {
  const match = /^\s*query_dedicated_port:\s*(\d{1,5})\s*$/m.exec(serverConfigSii);
  return match ? Number(match[1]) : null;
}
