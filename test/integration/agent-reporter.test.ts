/**
 * The agent's `run` loop over a real log file and a real A2S responder on loopback: what it
 * reads becomes heartbeats; logon failures and crash loops become `failure`.
 */
import { appendFile, mkdtemp, rename, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Reporter } from '../../host/agent/reporter.ts';
import { startReporter } from '../../host/agent/reporter.ts';
import { type A2sResponder, startA2sResponder } from '../../local/game-sim/a2s-responder.ts';
import { queryInfo } from '../../shared/adapters/a2s/client.ts';
import type { HeartbeatRequest } from '../../shared/domain/host.ts';

let dir: string;
let log: string;
let sent: HeartbeatRequest[];
let reporter: Reporter | undefined;
let responder: A2sResponder | undefined;

const api = {
  heartbeat: async (report: HeartbeatRequest) => {
    sent.push(report);
    return { serverId: 'srv_x', state: 'running', recorded: true };
  },
};
const probe = async (port: number) => {
  const info = await queryInfo({ host: '127.0.0.1', port, timeoutMs: 500 });
  return { players: info.players, version: info.version };
};
const start = (extra: Partial<Parameters<typeof startReporter>[0]> = {}) =>
  startReporter({ api, homeDir: dir, a2s: probe, heartbeatMs: 60_000, logPollMs: 20, ...extra });

async function until(ok: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`not reached; sent ${JSON.stringify(sent.at(-1))}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
const last = () => sent.at(-1);

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'convoy-agent-'));
  log = join(dir, 'server.log.txt');
  sent = [];
});

afterEach(async () => {
  await reporter?.stop();
  await responder?.close();
  reporter = undefined;
  responder = undefined;
  await rm(dir, { recursive: true, force: true });
});

describe('agent run loop', () => {
  it('reports readiness and the search id from the log, and the players from A2S', async () => {
    responder = await startA2sResponder({ players: 0 });
    reporter = await start({ queryPort: responder.port });
    await writeFile(
      log,
      '00:00:00.000 : Euro Truck Simulator 2 init ver.1.53.1.0s (rev. 8c3e4b7a1d2f) linux_x64\n' +
        '00:00:05.913 : [MP] Session search id: 85568392925767505/101\n00:00:06.020 : [MP] Session running.\n',
    );
    await until(() => last()?.ready === true);
    expect(last()).toEqual({
      ready: true,
      searchId: '85568392925767505/101',
      players: 0,
      gameVersion: '1.53.1.0s',
      failure: null,
    });

    // The server's own count wins over a log that missed a join.
    responder.setPlayers(3);
    await appendFile(log, '00:01:00.000 : [MP] Kai connected, client_id = 10\n');
    await until(() => last()?.players === 3);
  });

  it('reports the log count when A2S does not answer', async () => {
    reporter = await start({ a2s: async () => null });
    await writeFile(
      log,
      '00:00:06.020 : [MP] Session running.\n00:05:00.000 : [MP] State: running;  Time: 1;  Players: 2\n',
    );
    await until(() => last()?.players === 2 && last()?.ready === true);
  });

  it.each([
    [15, 'logon-token-rejected'],
    [106, 'logon-token-expired'],
  ])('reports a logon failure with code %i as %s', async (code, failure) => {
    reporter = await start({ a2s: async () => null });
    await writeFile(
      log,
      `00:00:04.201 : [MP] Error: Steam log on failed - code ${code} .\n00:00:04.305 : [MP] Session closing\n`,
    );
    await until(() => last()?.failure === failure);
    expect(last()?.ready).toBe(false);
  });

  it('reports a crash loop when the log starts over three times', async () => {
    reporter = await start({ a2s: async () => null });
    await writeFile(
      log,
      '00:00:00.000 : Euro Truck Simulator 2 init ver.1.53.1.0s (rev. 1) linux_x64\n'.repeat(5),
    );
    const started = reporter;
    await until(() => started.state().gameVersion !== null);
    for (let restart = 1; restart <= 3; restart++) {
      expect(last()?.failure).toBeNull();
      await writeFile(log, '');
      await new Promise((resolve) => setTimeout(resolve, 60));
      await writeFile(log, '00:00:00.000 : [MP] Loading server config\n');
      await new Promise((resolve) => setTimeout(resolve, 60));
    }
    await until(() => last()?.failure === 'crash-loop');
  });

  it("skips a log left by the host's last boot", async () => {
    await writeFile(
      log,
      '00:00:05.913 : [MP] Session search id: 1/101\n00:00:06.020 : [MP] Session running.\n',
    );
    const old = new Date(Date.now() - 3_600_000);
    await utimes(log, old, old);
    reporter = await start({ a2s: async () => null });
    await until(() => sent.length > 0);
    expect(last()).toMatchObject({ ready: false, searchId: null });
    // The new process's log replaces the old one.
    await writeFile(
      `${log}.new`,
      '00:00:05.913 : [MP] Session search id: 85568392925767505/101\n00:00:06.020 : [MP] Session running.\n',
    );
    await rename(`${log}.new`, log);
    await until(() => last()?.ready === true);
    expect(last()?.searchId).toBe('85568392925767505/101');
  });
});
