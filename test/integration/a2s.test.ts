import { createSocket, type Socket } from 'node:dgram';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type A2sResponder, startA2sResponder } from '../../local/game-sim/a2s-responder.ts';
import { A2sTimeoutError, queryInfo, queryPlayers } from '../../shared/adapters/a2s/client.ts';

const open: A2sResponder[] = [];
async function responder(options: Parameters<typeof startA2sResponder>[0]): Promise<A2sResponder> {
  const started = await startA2sResponder(options);
  open.push(started);
  return started;
}
afterEach(async () => {
  await Promise.all(open.splice(0).map((r) => r.close()));
});

describe('A2S client against the simulated server', () => {
  it('reads A2S_INFO through the challenge handshake', async () => {
    const server = await responder({ game: 'ats', players: 3, maxPlayers: 8, version: '1.53.2.4s' });

    const info = await queryInfo({ host: '127.0.0.1', port: server.port });

    expect(info).toMatchObject({
      name: 'Simulated convoy server',
      map: 'usa',
      game: 'American Truck Simulator',
      players: 3,
      maxPlayers: 8,
      version: '1.53.2.4s',
      port: 27015,
    });
    expect(Number((info.gameId ?? 0n) & 0xffffffn)).toBe(270880);
  });

  it('lists players, whose names ETS2 leaves empty', async () => {
    const server = await responder({ players: 2 });

    const players = await queryPlayers({ host: '127.0.0.1', port: server.port });

    expect(players).toEqual([
      { index: 0, name: '', score: 0, durationSeconds: 60 },
      { index: 1, name: '', score: 0, durationSeconds: 120 },
    ]);
  });

  it('sees a changed player count on the next query', async () => {
    const server = await responder({ players: 0 });
    expect((await queryInfo({ host: '127.0.0.1', port: server.port })).players).toBe(0);

    server.setPlayers(5);

    expect((await queryInfo({ host: '127.0.0.1', port: server.port })).players).toBe(5);
    expect(await queryPlayers({ host: '127.0.0.1', port: server.port })).toHaveLength(5);
  });

  it('works with a server that sends no challenge', async () => {
    const server = await responder({ players: 1, challenge: false });

    expect((await queryInfo({ host: '127.0.0.1', port: server.port })).players).toBe(1);
  });

  it('reassembles replies split into several packets', async () => {
    const server = await responder({ players: 7, splitAt: 16, name: 'A long lobby name to need many parts' });

    const info = await queryInfo({ host: '127.0.0.1', port: server.port });
    const players = await queryPlayers({ host: '127.0.0.1', port: server.port });

    expect(info.name).toBe('A long lobby name to need many parts');
    expect(info.players).toBe(7);
    expect(players.map((p) => p.index)).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  describe('against a silent port', () => {
    let silent: Socket | undefined;
    afterEach(() => silent?.close());

    it('rejects with a timeout', async () => {
      silent = createSocket('udp4');
      await new Promise<void>((resolve) => silent?.bind(0, '127.0.0.1', resolve));
      const port = (silent.address() as AddressInfo).port;
      const started = Date.now();

      await expect(queryInfo({ host: '127.0.0.1', port, timeoutMs: 300 })).rejects.toBeInstanceOf(
        A2sTimeoutError,
      );
      expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    });
  });
});
