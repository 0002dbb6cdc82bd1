/**
 * A simulated ETS2/ATS dedicated server, run as its own process by the simulated host (as
 * systemd runs the real one): it reads the files the agent's `fetch` wrote, starts a new
 * `server.log.txt` in the real line formats, answers A2S on a loopback UDP port, and stops on
 * SIGINT. Over its IPC channel it takes `{ players: N }` (joins and leaves, then the periodic
 * `Players: N` line). `SIM_FAIL` makes it fail the way the real one does: a rejected or expired
 * logon token (logged, then exit), or a crash (exit without a word).
 *
 * Environment: SIM_HOME_DIR, SIM_STATE_DIR (its `bundle.json` names the game), SIM_QUERY_PORT
 * (0: any), SIM_FAIL, SIM_STEP_MS.
 */
import { access, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type A2sResponder, startA2sResponder } from './a2s-responder.ts';

export type SimFailure = 'logon-token-rejected' | 'logon-token-expired' | 'crash';

/** Messages over the IPC channel. */
export type SimCommand = { readonly players: number };
export type SimEvent = { readonly queryPort: number } | { readonly exiting: string };

const TITLES = { ets2: 'Euro Truck Simulator 2', ats: 'American Truck Simulator' } as const;
const VERSION = '1.53.1.0s';
const NAMES = ['Jan [NL] Kowalski', 'D.J. Trucker', 'Ana (PT)', 'Mike.US', 'Trucker 5', 'Kai', 'Olga', 'Sam'];

const home = process.env.SIM_HOME_DIR ?? '';
let game: 'ets2' | 'ats' = 'ets2';
const fail = (process.env.SIM_FAIL || null) as SimFailure | null;
const stepMs = Number(process.env.SIM_STEP_MS ?? 100);
const logPath = join(home, 'server.log.txt');
const started = Date.now();
let players = 0;
/** Drivers can join only once the session runs; a count asked for earlier waits for it. */
let running = false;
let wanted = 0;
let responder: A2sResponder | undefined;
let stateTimer: NodeJS.Timeout | undefined;
let lines = Promise.resolve();

const stamp = () => {
  const ms = Date.now() - started;
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${pad(Math.floor(ms / 3_600_000))}:${pad(Math.floor(ms / 60_000) % 60)}:${pad(Math.floor(ms / 1000) % 60)}.${pad(ms % 1000, 3)}`;
};
/** Appends in order; each line whole, as the game writes them. */
const line = (text: string) => {
  lines = lines.then(() => writeFile(logPath, `${stamp()} : ${text}\n`, { flag: 'a' }));
  return lines;
};
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const send = (event: SimEvent) => process.send?.(event);

async function exit(code: number, why: string): Promise<never> {
  send({ exiting: why });
  clearInterval(stateTimer);
  await lines;
  await responder?.close();
  process.exit(code);
}

async function setPlayers(count: number): Promise<void> {
  wanted = count;
  if (!running) return;
  while (players < count) {
    const id = 10 + players;
    await line(`[MP] ${NAMES[players % NAMES.length]} connected, client_id = ${id}`);
    await line(`[MP] [Chat] ${NAMES[players % NAMES.length]} connected, client_id = ${id}`);
    players++;
  }
  while (players > count) {
    players--;
    await line(`[MP] ${NAMES[players % NAMES.length]} disconnected, client_id = ${10 + players}`);
  }
  responder?.setPlayers(players);
  await stateLine();
}

const stateLine = () => line(`[MP] State: running;  Time: ${Date.now() - started};  Players: ${players}`);

async function main(): Promise<void> {
  const fetched = await readFile(join(process.env.SIM_STATE_DIR ?? '', 'bundle.json'), 'utf8').catch(
    () => '{}',
  );
  if ((JSON.parse(fetched) as { game?: string }).game === 'ats') game = 'ats';
  // A new process starts a new log file, as the real server does. A new file rather than the old
  // one truncated: restarts here come faster than the agent polls, and a truncated log refilled
  // to the same size between two polls would look unchanged (see host/agent/log-follower.ts).
  await writeFile(`${logPath}.new`, '');
  await rename(`${logPath}.new`, logPath);
  await line(`${TITLES[game]} init ver.${VERSION} (rev. 5a1c0de0beef) linux_x64`);
  await line('[MP] Loading server config');
  const config = await readFile(join(home, 'server_config.sii'), 'utf8').catch(() => null);
  const packages = await access(join(home, 'server_packages.sii')).then(
    () => access(join(home, 'server_packages.dat')).then(() => true),
    () => false,
  );
  if (!config || !packages) {
    await line(`[MP] Error: ${config ? 'Server packages file not found' : 'Server config file not found'}`);
    return exit(1, 'missing files');
  }
  if (fail === 'crash') {
    await sleep(stepMs);
    return exit(134, 'crash');
  }
  await sleep(stepMs);
  if (fail === 'logon-token-rejected' || fail === 'logon-token-expired') {
    await line(`[MP] Error: Steam log on failed - code ${fail === 'logon-token-expired' ? 106 : 15} .`);
    await line('[MP] Session closing');
    return exit(1, fail);
  }
  const maxPlayers = Number(/^\s*max_players:\s*(\d+)/m.exec(config)?.[1] ?? 8);
  responder = await startA2sResponder({
    game,
    name: /^\s*lobby_name:\s*"(.*)"/m.exec(config)?.[1] || 'Convoy',
    maxPlayers,
    version: VERSION,
    port: Number(process.env.SIM_QUERY_PORT ?? 0),
  });
  send({ queryPort: responder.port });
  await line('[MP] Steam connected');
  // Anonymous logons get a new Steam id at each start; the part after the slash is the query virtual port.
  const steamId = `855683${String(Math.floor(Math.random() * 1e11)).padStart(11, '0')}`;
  const virtualPort = Number(/query_virtual_port:\s*(\d+)/.exec(config)?.[1] ?? 101);
  await line(`[MP] Session search id: ${steamId}/${virtualPort}`);
  await line('[MP] Session running.');
  running = true;
  if (wanted > 0) applying = applying.then(() => setPlayers(wanted));
  else await stateLine();
  stateTimer = setInterval(() => void stateLine(), 60_000);
}

let applying = Promise.resolve();
process.on('message', (message: SimCommand) => {
  if (typeof message?.players !== 'number') return;
  const count = Math.max(0, Math.min(255, message.players));
  // One change at a time, so joins and leaves never interleave.
  applying = applying.then(() => setPlayers(count));
});
process.on('SIGINT', () => {
  void line('[MP] Session closing').then(() => exit(0, 'SIGINT'));
});
// The supervisor going away (its IPC channel closing) ends the simulated server too.
process.on('disconnect', () => void exit(0, 'supervisor gone'));

main().catch(async (error: unknown) => {
  process.stderr.write(`simulated server failed: ${(error as Error).message}\n`);
  await exit(1, 'failed');
});
