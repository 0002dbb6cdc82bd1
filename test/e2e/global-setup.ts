/**
 * Runs the local stack the way `npm start` does, in a fresh data folder on a free port, so the e2e
 * tests are black-box HTTP against the real thing. Its output goes to a log file in that folder.
 */
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import type { WriteStream } from 'node:fs';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { readEndpoints } from '../../local/endpoints.ts';
import { newKeySecret } from '../../shared/domain/ids.ts';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** Generous: a first run on a machine also downloads DynamoDB Local. */
const START_TIMEOUT_MS = 90_000;
const STOP_TIMEOUT_MS = 15_000;

interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dir = await mkdtemp(join(tmpdir(), 'convoy-e2e-'));
  const dataDir = join(dir, 'data');
  const logFile = join(dir, 'local.log');
  const adminKey = newKeySecret();

  const log = createWriteStream(logFile);
  const child = spawn(process.execPath, ['--import', 'tsx', 'local/start.ts'], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      CONVOY_DATA_DIR: dataDir,
      PORT: '0',
      CONVOY_DEV_API_KEY: adminKey,
      // Simulated hosts change state in a blink; the tests run the reconciler when they need it.
      CONVOY_EC2_DELAY_MS: '100',
      CONVOY_RECONCILE_INTERVAL_S: '3600',
      // Simulated hosts' agents heartbeat every second instead of every 30 s.
      CONVOY_HOST_HEARTBEAT_MS: '1000',
      // Idle windows are real minutes; a short tick keeps "one window plus one tick" close to one window.
      CONVOY_REAPER_INTERVAL_S: '5',
      // Scheduled starts: the Scheduler stand-in looks for due schedules twice a second.
      CONVOY_SCHEDULER_TICK_MS: '500',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  let exited: Exit | null = null;
  const exit = exitOf(child).then((value) => {
    exited = value;
    return value;
  });
  // Should vitest itself die, the stack must not outlive it (its DynamoDB Local follows it down).
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  let apiUrl: string;
  try {
    apiUrl = await waitForApi(dataDir, () => exited);
  } catch (error) {
    child.kill('SIGKILL');
    await exit;
    process.off('exit', killOnExit);
    throw new Error(
      `The local stack did not start: ${(error as Error).message}\n${await tailOf(log, logFile)}`,
      {
        cause: error,
      },
    );
  }
  project.provide('apiUrl', apiUrl);
  project.provide('adminKey', adminKey);
  project.provide('dataDir', dataDir);

  return async () => {
    child.kill('SIGINT');
    const escalate = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    const { code, signal } = await exit;
    clearTimeout(escalate);
    process.off('exit', killOnExit);
    // A clean stop is exit code 0: every child stopped, endpoints.json removed.
    if (code !== 0) {
      const how =
        signal === 'SIGKILL'
          ? `did not stop within ${STOP_TIMEOUT_MS / 1000} s of SIGINT`
          : `exited with ${describeExit({ code, signal })} on SIGINT`;
      throw new Error(`The local stack ${how} (data and log kept in ${dir})\n${await tailOf(log, logFile)}`);
    }
    if (await readEndpoints(dataDir))
      throw new Error(`The local stack left ${dataDir}/endpoints.json behind`);
    log.end();
    await rm(dir, { recursive: true, force: true });
  };
}

/** The API's URL once the stack has written its endpoints and answers its health check. */
async function waitForApi(dataDir: string, exited: () => Exit | null): Promise<string> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const exit = exited();
    if (exit) throw new Error(`it exited with ${describeExit(exit)}`);
    const endpoints = await readEndpoints(dataDir);
    if (endpoints) {
      const healthy = await fetch(new URL('/v1/health', endpoints.api)).then(
        (response) => response.status === 200,
        () => false,
      );
      if (healthy) return endpoints.api;
    }
    await sleep(100);
  }
  throw new Error(`no healthy API within ${START_TIMEOUT_MS / 1000} s`);
}

/** Resolves when the process has exited and its output has been read to the end. */
const exitOf = (child: ChildProcess): Promise<Exit> =>
  new Promise((resolve) => child.once('close', (code, signal) => resolve({ code, signal })));

const describeExit = ({ code, signal }: Exit): string => signal ?? `code ${code}`;

/** Closes the log (the process has exited, so nothing more comes) and returns its last lines. */
async function tailOf(log: WriteStream, logFile: string): Promise<string> {
  await new Promise<void>((resolve) => log.end(resolve));
  const text = await readFile(logFile, 'utf8').catch(() => '');
  return `--- last lines of ${logFile} ---\n${text.split('\n').slice(-40).join('\n')}`;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
