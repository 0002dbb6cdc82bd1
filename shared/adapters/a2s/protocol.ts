/**
 * The Valve A2S query protocol (developer.valvesoftware.com "Server queries"), as pure functions
 * over bytes so they unit test without a socket. Only what ETS2/ATS servers need: A2S_INFO,
 * A2S_PLAYER, the S2C_CHALLENGE handshake and split responses in the Source format.
 */

export const SINGLE = -1; // 0xFFFFFFFF: a whole response in one packet
export const SPLIT = -2; // 0xFFFFFFFE: one part of a split response
export const HEADER = {
  info: 0x54,
  player: 0x55,
  challenge: 0x41,
  infoReply: 0x49,
  playerReply: 0x44,
} as const;

export class A2sProtocolError extends Error {
  override readonly name = 'A2sProtocolError';
}

export interface A2sInfo {
  readonly protocol: number;
  readonly name: string;
  readonly map: string;
  readonly folder: string;
  readonly game: string;
  readonly appId: number;
  readonly players: number;
  readonly maxPlayers: number;
  readonly bots: number;
  readonly serverType: string;
  readonly environment: string;
  readonly passwordProtected: boolean;
  readonly vac: boolean;
  readonly version: string;
  readonly port?: number;
  readonly steamId?: bigint;
  readonly keywords?: string;
  /** The 64-bit game id; its low 24 bits are the game's app id (227300 / 270880). */
  readonly gameId?: bigint;
}

export interface A2sPlayer {
  readonly index: number;
  /** ETS2/ATS servers send empty names. */
  readonly name: string;
  readonly score: number;
  readonly durationSeconds: number;
}

export type A2sReply =
  | { readonly kind: 'challenge'; readonly challenge: Buffer }
  | { readonly kind: 'info'; readonly info: A2sInfo }
  | { readonly kind: 'players'; readonly players: readonly A2sPlayer[] };

/** A2S_INFO; since 2020 servers may answer the first one with a challenge to echo back. */
export function encodeInfoRequest(challenge?: Buffer): Buffer {
  const head = Buffer.from('\xff\xff\xff\xffTSource Engine Query\0', 'latin1');
  return challenge ? Buffer.concat([head, challenge]) : head;
}

/** A2S_PLAYER; the first request carries -1 to ask for a challenge. */
export function encodePlayerRequest(challenge: Buffer = Buffer.from([0xff, 0xff, 0xff, 0xff])): Buffer {
  return Buffer.concat([Buffer.from([0xff, 0xff, 0xff, 0xff, HEADER.player]), challenge]);
}

/** Reads fields in order; any read past the end throws, so a truncated reply never parses half. */
class Reader {
  private offset = 0;
  constructor(private readonly buf: Buffer) {}
  private take(n: number): number {
    if (this.offset + n > this.buf.length) throw new A2sProtocolError('reply ended early');
    const at = this.offset;
    this.offset += n;
    return at;
  }
  get remaining(): number {
    return this.buf.length - this.offset;
  }
  u8 = () => this.buf.readUInt8(this.take(1));
  i16 = () => this.buf.readInt16LE(this.take(2));
  u16 = () => this.buf.readUInt16LE(this.take(2));
  i32 = () => this.buf.readInt32LE(this.take(4));
  f32 = () => this.buf.readFloatLE(this.take(4));
  u64 = () => this.buf.readBigUInt64LE(this.take(8));
  bytes = (n: number) => this.buf.subarray(this.take(n), this.offset);
  string(): string {
    const end = this.buf.indexOf(0, this.offset);
    if (end < 0) throw new A2sProtocolError('unterminated string');
    const text = this.buf.toString('utf8', this.offset, end);
    this.offset = end + 1;
    return text;
  }
}

function parseInfo(r: Reader): A2sInfo {
  const base = {
    protocol: r.u8(),
    name: r.string(),
    map: r.string(),
    folder: r.string(),
    game: r.string(),
    appId: r.u16(),
    players: r.u8(),
    maxPlayers: r.u8(),
    bots: r.u8(),
    serverType: String.fromCharCode(r.u8()),
    environment: String.fromCharCode(r.u8()),
    passwordProtected: r.u8() === 1,
    vac: r.u8() === 1,
    version: r.string(),
  };
  if (r.remaining === 0) return base;
  // The extra data flag says which optional fields follow, in this fixed order.
  const edf = r.u8();
  const port = edf & 0x80 ? r.u16() : undefined;
  const steamId = edf & 0x10 ? r.u64() : undefined;
  if (edf & 0x40) {
    r.u16();
    r.string();
  }
  const keywords = edf & 0x20 ? r.string() : undefined;
  const gameId = edf & 0x01 ? r.u64() : undefined;
  return {
    ...base,
    ...(port !== undefined && { port }),
    ...(steamId !== undefined && { steamId }),
    ...(keywords !== undefined && { keywords }),
    ...(gameId !== undefined && { gameId }),
  };
}

function parsePlayers(r: Reader): A2sPlayer[] {
  const count = r.u8();
  const players: A2sPlayer[] = [];
  for (let i = 0; i < count && r.remaining > 0; i++) {
    players.push({ index: r.u8(), name: r.string(), score: r.i32(), durationSeconds: r.f32() });
  }
  return players;
}

/** Parses a whole (single-packet or reassembled) reply, starting at its 0xFFFFFFFF header. */
export function parseReply(packet: Buffer): A2sReply {
  const r = new Reader(packet);
  if (r.i32() !== SINGLE) throw new A2sProtocolError('not a single-packet reply');
  const header = r.u8();
  switch (header) {
    case HEADER.challenge:
      return { kind: 'challenge', challenge: Buffer.from(r.bytes(4)) };
    case HEADER.infoReply:
      return { kind: 'info', info: parseInfo(r) };
    case HEADER.playerReply:
      return { kind: 'players', players: parsePlayers(r) };
    default:
      throw new A2sProtocolError(`unexpected reply header 0x${header.toString(16)}`);
  }
}

export interface SplitPart {
  readonly id: number;
  readonly total: number;
  readonly number: number;
  readonly payload: Buffer;
}

/** One packet of a split reply (Source format: id, total, number, max packet size, payload). */
export function parseSplitPart(packet: Buffer): SplitPart {
  const r = new Reader(packet);
  if (r.i32() !== SPLIT) throw new A2sProtocolError('not a split packet');
  const id = r.i32();
  // bzip2-compressed splits exist only in old Source engine builds; SCS's server does not send them.
  if (id & 0x80000000) throw new A2sProtocolError('compressed split replies are not supported');
  const total = r.u8();
  const number = r.u8();
  r.u16();
  if (total === 0 || number >= total) throw new A2sProtocolError('split packet numbering is invalid');
  return { id, total, number, payload: Buffer.from(r.bytes(r.remaining)) };
}

/** Collects split parts by number; returns the whole reply once every part of one id arrived. */
export class SplitAssembler {
  private id: number | undefined;
  private parts: (Buffer | undefined)[] = [];

  add(part: SplitPart): Buffer | undefined {
    if (part.id !== this.id) {
      this.id = part.id;
      this.parts = new Array<Buffer | undefined>(part.total).fill(undefined);
    }
    this.parts[part.number] = part.payload;
    if (this.parts.some((p) => p === undefined)) return undefined;
    return Buffer.concat(this.parts as Buffer[]);
  }
}
