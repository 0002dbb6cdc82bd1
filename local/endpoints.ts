/**
 * `$CONVOY_DATA_DIR/endpoints.json`: where a running local stack listens, so that scripts, the
 * CLI and the e2e tests can find it. It exists only while `npm start` runs.
 */
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';

export interface Endpoints {
  /** The HTTP API, e.g. `http://127.0.0.1:3000`. */
  readonly api: string;
  readonly dynamodb: string;
  /** Stand-ins not run yet are `null`. */
  readonly s3: string | null;
  /** The package bucket in the S3 stand-in. */
  readonly bucket?: string;
  readonly ec2: string | null;
  readonly table: string;
}

/** The local stack's data folder: `$CONVOY_DATA_DIR`, else `.convoy-local` under the working directory. */
export const dataDir = (env: NodeJS.ProcessEnv = process.env): string =>
  resolve(env.CONVOY_DATA_DIR || '.convoy-local');

export const endpointsFile = (dir: string = dataDir()): string => join(dir, 'endpoints.json');

/** Writes a temporary file then renames it, so a reader never sees half a file. */
export async function writeEndpoints(endpoints: Endpoints, dir: string = dataDir()): Promise<void> {
  const file = endpointsFile(dir);
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(endpoints, null, 2)}\n`);
  await rename(temporary, file);
}

/** The running stack's endpoints, or `null` when none is running (no file). */
export async function readEndpoints(dir: string = dataDir()): Promise<Endpoints | null> {
  let text: string;
  try {
    text = await readFile(endpointsFile(dir), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  const value = JSON.parse(text) as Partial<Endpoints>;
  if (
    typeof value.api !== 'string' ||
    typeof value.dynamodb !== 'string' ||
    typeof value.table !== 'string'
  ) {
    throw new Error(`${endpointsFile(dir)} is not an endpoints file: remove it and run npm start again.`);
  }
  return {
    api: value.api,
    dynamodb: value.dynamodb,
    s3: value.s3 ?? null,
    ec2: value.ec2 ?? null,
    table: value.table,
  };
}

export async function removeEndpoints(dir: string = dataDir()): Promise<void> {
  await rm(endpointsFile(dir), { force: true });
}
