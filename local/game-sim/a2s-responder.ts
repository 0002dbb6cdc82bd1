/**
 * A simulated ETS2/ATS query port: answers A2S_INFO and A2S_PLAYER on loopback the way a real
 * dedicated server does (challenge first, empty player names), with a player count that can be
 * changed while it runs. `splitAt` cuts replies into Source-format split packets of that many
 * payload bytes so the client's reassembly is exercised; real servers split only past ~1400 bytes.
 */
import { randomBytes } from 'node:crypto';
import { createSocket, type RemoteInfo } from 'node:dgram';
import type { AddressInfo } from 'node:net';
import { HEADER } from '../../shared/adapters/a2s/protocol.ts';

export interface A2sResponderOptions {
  readonly game?: 'ets2' | 'ats';
  readonly name?: string;
  readonly players?: number;
  readonly maxPlayers?: number;
  readonly version?: string;
  /** Port to bind on 127.0.0.1. @default 0 (any free port) */
  readonly port?: number;
  /** Split every reply into parts carrying at most this many payload bytes. */
  readonly splitAt?: number;
  /** Answer the first request of each kind with a challenge, as current servers do. @default true */
  readonly challenge?: boolean;
}

export interface A2sResponder {
  readonly port: number;
  setPlayers(count: number): void;
  close(): Promise<void>;
}

const GAME = {
  ets2: { map: 'europe', folder: 'eurotrucks2', game: 'Euro Truck Simulator 2', appId: 227300n },
  ats: { map: 'usa', folder: 'amtrucks', game: 'American Truck Simulator', appId: 270880n },
} as const;

const str = (s: string) => Buffer.from(`${s}\0`, 'utf8');
const u8 = (n: number) => Buffer.from([n & 0xff]);
function le(bytes: number, write: (b: Buffer) => void): Buffer {
  const b = Buffer.alloc(bytes);
  write(b);
  return b;
}
const SINGLE_HEADER = Buffer.from([0xff, 0xff, 0xff, 0xff]);

function split(reply: Buffer, size: number, id: number): Buffer[] {
  const total = Math.ceil(reply.length / size);
  return Array.from({ length: total }, (_, n) =>
    Buffer.concat([
      le(4, (b) => b.writeInt32LE(-2)),
      le(4, (b) => b.writeInt32LE(id)),
      u8(total),
      u8(n),
      le(2, (b) => b.writeUInt16LE(1248)),
      reply.subarray(n * size, (n + 1) * size),
    ]),
  );
}

export async function startA2sResponder(options: A2sResponderOptions = {}): Promise<A2sResponder> {
  const game = GAME[options.game ?? 'ets2'];
  let players = options.players ?? 0;
  const maxPlayers = options.maxPlayers ?? 8;
  const useChallenge = options.challenge ?? true;
  const challenges = new Map<string, Buffer>();
  let nextSplitId = 1;

  const info = () =>
    Buffer.concat([
      SINGLE_HEADER,
      u8(HEADER.infoReply),
      u8(17),
      str(options.name ?? 'Simulated convoy server'),
      str(game.map),
      str(game.folder),
      str(game.game),
      le(2, (b) => b.writeUInt16LE(0)),
      u8(players),
      u8(maxPlayers),
      u8(0),
      u8('d'.charCodeAt(0)),
      u8('l'.charCodeAt(0)),
      u8(0),
      u8(0),
      str(options.version ?? '1.53.1.0s'),
      u8(0x80 | 0x01),
      le(2, (b) => b.writeUInt16LE(27015)),
      le(8, (b) => b.writeBigUInt64LE(game.appId)),
    ]);
  const playerList = () =>
    Buffer.concat([
      SINGLE_HEADER,
      u8(HEADER.playerReply),
      u8(players),
      ...Array.from({ length: players }, (_, i) =>
        Buffer.concat([
          u8(i),
          str(''),
          le(4, (b) => b.writeInt32LE(0)),
          le(4, (b) => b.writeFloatLE(60 * (i + 1))),
        ]),
      ),
    ]);

  const socket = createSocket('udp4');
  const reply = (packet: Buffer, to: RemoteInfo) => {
    const parts = options.splitAt ? split(packet, options.splitAt, nextSplitId++) : [packet];
    for (const part of parts) socket.send(part, to.port, to.address);
  };

  socket.on('message', (packet, from) => {
    if (packet.length < 5 || packet.readInt32LE(0) !== -1) return;
    const kind = packet[4];
    const key = `${from.address}:${from.port}`;
    const sent =
      kind === HEADER.info ? packet.subarray(25) : kind === HEADER.player ? packet.subarray(5, 9) : undefined;
    if (sent === undefined) return;
    const expected = challenges.get(key);
    if (useChallenge && !expected?.equals(sent)) {
      const challenge = randomBytes(4);
      challenges.set(key, challenge);
      socket.send(Buffer.concat([SINGLE_HEADER, u8(HEADER.challenge), challenge]), from.port, from.address);
      return;
    }
    reply(kind === HEADER.info ? info() : playerList(), from);
  });

  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(options.port ?? 0, '127.0.0.1', () => {
      socket.off('error', reject);
      resolve();
    });
  });

  return {
    port: (socket.address() as AddressInfo).port,
    setPlayers(count) {
      if (!Number.isInteger(count) || count < 0 || count > 255) throw new RangeError('players must be 0–255');
      players = count;
    },
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}
