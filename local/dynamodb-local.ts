/**
 * DynamoDB Local, AWS's own emulator, run as a child process. Its jar ships inside the npm
 * package amplify-dynamodb-simulator; installing that package would drag in an Amplify CLI, so
 * only its tarball is fetched (`npm pack`) and the emulator folder extracted into a cache.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rename, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';

const SIMULATOR_PACKAGE = 'amplify-dynamodb-simulator@2.9.30';
/** Named after the package version, so that bumping it never reuses an older extraction. */
const JAR_DIR = 'amplify-dynamodb-simulator-2.9.30';
const JAR = 'DynamoDBLocal.jar';
const DEFAULT_CACHE_DIR = fileURLToPath(
  new URL('../node_modules/.cache/convoy-dynamodb-local/', import.meta.url),
);

const MIN_JAVA = 17;
const JAVA_HELP =
  'install it (Debian/Ubuntu: sudo apt-get install -y openjdk-17-jre-headless) and run npm start again.';

const READY_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 5_000;
const PROBE_TIMEOUT_MS = 1_000;
const PORT_ATTEMPTS = 3;
const BIND_FAILURE = /Failed to bind|BindException|Address already in use/;

const run = promisify(execFile);

/** The cached emulator folder (holding `DynamoDBLocal.jar`), fetched on first use. */
export async function ensureDynamoDbLocalJar(): Promise<string> {
  const cache = resolve(process.env.CONVOY_CACHE_DIR || DEFAULT_CACHE_DIR);
  const dir = join(cache, JAR_DIR);
  if (existsSync(join(dir, JAR))) return dir;

  await mkdir(cache, { recursive: true });
  // Extract beside the final folder and rename it into place: a concurrent first run (parallel
  // test projects) then sees either nothing or a complete folder, never a half-written one.
  const staging = await mkdtemp(join(cache, '.staging-'));
  try {
    try {
      await run('npm', ['pack', SIMULATOR_PACKAGE, '--pack-destination', staging], { cwd: staging });
    } catch (error) {
      const reason = stderrOf(error);
      throw new Error(`Could not fetch DynamoDB Local (npm pack ${SIMULATOR_PACKAGE}): ${reason}`, {
        cause: error,
      });
    }
    const tarball = (await readdir(staging)).find((name) => name.endsWith('.tgz'));
    if (!tarball) throw new Error(`npm pack ${SIMULATOR_PACKAGE} produced no tarball`);
    await run('tar', ['-xzf', join(staging, tarball), '-C', staging, 'package/emulator']);
    try {
      await rename(join(staging, 'package', 'emulator'), dir);
    } catch (error) {
      if (!existsSync(join(dir, JAR))) throw error;
      // Another process finished first; its copy is as good as ours.
    }
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return dir;
}

/** Throws, with a one-line message saying what to do, unless `java` is version 17 or newer. */
export async function checkJava(): Promise<void> {
  let output: string;
  try {
    // `java -version` writes to stderr.
    const { stdout, stderr } = await run('java', ['-version']);
    output = stderr + stdout;
  } catch (error) {
    throw new Error(`convoy-cloud needs Java ${MIN_JAVA} or newer for DynamoDB Local: ${JAVA_HELP}`, {
      cause: error,
    });
  }
  const match = /version "(\d+)(?:\.(\d+))?/.exec(output);
  // Before Java 9 versions read "1.8.0_x": the major is the second number.
  const major = match ? Number(match[1] === '1' ? match[2] : match[1]) : Number.NaN;
  if (!(major >= MIN_JAVA)) {
    const found = match ? `found Java ${major}` : 'found a java whose version is unreadable';
    throw new Error(
      `convoy-cloud needs Java ${MIN_JAVA} or newer for DynamoDB Local (${found}): ${JAVA_HELP}`,
    );
  }
}

export interface DynamoDbLocalOptions {
  /** 0 or omitted: a free port. */
  readonly port?: number;
  /** Where the database file lives; omitted: in memory, gone when stopped. */
  readonly dbPath?: string;
}

export interface DynamoDbLocal {
  readonly endpoint: string;
  /** Settles when the process has exited, whether stopped or not (a crash, someone killing it). */
  readonly exited: Promise<void>;
  /** Stops the emulator and waits until its process has exited. */
  stop(): Promise<void>;
}

/**
 * Starts DynamoDB Local and resolves once it answers requests. Note that the jar has no option
 * to choose its listening address: it listens on every interface, not only on loopback.
 */
export async function startDynamoDbLocal(options: DynamoDbLocalOptions = {}): Promise<DynamoDbLocal> {
  await checkJava();
  const dir = await ensureDynamoDbLocalJar();
  for (let attempt = 1; ; attempt++) {
    const port = options.port || (await freePort());
    try {
      return await launch(dir, port, options.dbPath);
    } catch (error) {
      // A probed free port can be taken before Java binds it (parallel test projects): try another.
      const retry = !options.port && attempt < PORT_ATTEMPTS && error instanceof PortTakenError;
      if (!retry) throw error;
    }
  }
}

/** A port that nothing listens on at the moment of asking (on any interface, as Java will bind). */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolvePort(address.port) : reject(new Error('no port')),
      );
    });
  });
}

class PortTakenError extends Error {}

/**
 * Java runs under a small shell that holds the read end of a pipe from Node. When Node goes away,
 * even killed outright with no chance to clean up, the pipe closes and the shell stops Java: no
 * orphaned emulator keeps its port and memory. Closing the pipe is also how `stop()` asks.
 */
const WATCHDOG = `
exec 3<&0
"$@" 3<&- &
java=$!
(read -r _ <&3; kill -TERM "$java" 2>/dev/null) &
watcher=$!
exec 3<&-
wait "$java"
code=$?
kill "$watcher" 2>/dev/null
exit "$code"
`;

async function launch(dir: string, port: number, dbPath: string | undefined): Promise<DynamoDbLocal> {
  const args = [
    `-Djava.library.path=${join(dir, 'DynamoDBLocal_lib')}`,
    '-jar',
    join(dir, JAR),
    '-port',
    String(port),
    '-sharedDb',
    '-disableTelemetry',
    ...(dbPath ? ['-dbPath', dbPath] : ['-inMemory']),
  ];
  // Its own process group: a terminal's Ctrl+C reaches only Node, which then stops Java in order.
  const child = spawn('/bin/sh', ['-c', WATCHDOG, 'dynamodb-local', 'java', ...args], {
    // It writes a dynamodb-local-metadata.json into its working directory, which must not be the repository.
    cwd: dbPath ?? dir,
    detached: true,
    stdio: ['pipe', 'pipe', 'pipe'],
  });

  let output = '';
  const keepTail = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-4000);
  };
  child.stdout.on('data', keepTail);
  child.stderr.on('data', keepTail);

  let exited = false;
  const exit = new Promise<void>((resolveExit) => {
    const settle = () => {
      exited = true;
      resolveExit();
    };
    child.once('close', settle);
    child.once('error', (error) => {
      output += `\n${error.message}`;
      settle();
    });
  });
  const killGroup = (signal: NodeJS.Signals) => {
    try {
      if (child.pid) process.kill(-child.pid, signal);
    } catch {
      // The group is already gone.
    }
  };
  const onParentExit = () => killGroup('SIGTERM');
  process.once('exit', onParentExit);

  const stop = async () => {
    if (!exited) {
      child.stdin.end();
      const timer = setTimeout(() => killGroup('SIGKILL'), STOP_TIMEOUT_MS);
      await exit;
      clearTimeout(timer);
    }
    process.off('exit', onParentExit);
  };

  const endpoint = `http://127.0.0.1:${port}`;
  try {
    await waitUntilReady(endpoint, () => {
      if (exited) return 'the process exited';
      // The JVM outlives a failed bind (other threads keep it up), so its output is the only sign.
      if (BIND_FAILURE.test(output)) return 'its port is taken';
      return null;
    });
  } catch (error) {
    await stop();
    if (BIND_FAILURE.test(output)) {
      throw new PortTakenError(`DynamoDB Local could not listen on port ${port}: it is taken`, {
        cause: error,
      });
    }
    const tail = output.trim() ? `\n--- DynamoDB Local output ---\n${output.trim()}` : '';
    throw new Error(`DynamoDB Local did not start on port ${port}: ${(error as Error).message}${tail}`, {
      cause: error,
    });
  }
  return { endpoint, exited: exit, stop };
}

/** Polls until DynamoDB Local answers, `failure()` names a reason to give up, or time runs out. */
async function waitUntilReady(endpoint: string, failure: () => string | null): Promise<void> {
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  const deadline = Date.now() + READY_TIMEOUT_MS;
  try {
    for (;;) {
      const reason = failure();
      if (reason) throw new Error(reason);
      try {
        // Something else on the port may accept and never answer; the SDK's own timeout only warns.
        await client.send(new ListTablesCommand({ Limit: 1 }), {
          abortSignal: AbortSignal.timeout(PROBE_TIMEOUT_MS),
        });
        return;
      } catch (error) {
        if (Date.now() > deadline) {
          throw new Error(`no answer within ${READY_TIMEOUT_MS / 1000} s`, { cause: error });
        }
      }
      await new Promise((wake) => setTimeout(wake, 100));
    }
  } finally {
    client.destroy();
  }
}

/** The gist of npm's complaint: its first `npm error` lines, without the stack and object dump. */
function stderrOf(error: unknown): string {
  const stderr = String((error as { stderr?: unknown }).stderr ?? '');
  const lines = stderr
    .split('\n')
    .filter((line) => line.startsWith('npm error '))
    .map((line) => line.slice('npm error '.length))
    .filter((line) => /^[^\s{}]/.test(line));
  return lines.length > 0 ? lines.slice(0, 4).join(' | ') : (error as Error).message;
}
