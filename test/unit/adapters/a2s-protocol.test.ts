import { describe, expect, it } from 'vitest';
import {
  A2sProtocolError,
  encodeInfoRequest,
  encodePlayerRequest,
  parseReply,
  parseSplitPart,
  SplitAssembler,
} from '../../../shared/adapters/a2s/protocol.ts';

const hex = (s: string) => Buffer.from(s.replaceAll(' ', ''), 'hex');
const cstr = (s: string) => Buffer.from(`${s}\0`, 'utf8');
const int32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeInt32LE(n);
  return b;
};

/** An ETS2 A2S_INFO reply as the protocol lays it out, with port and game id in the extra data. */
const ets2Info = Buffer.concat([
  hex('ffffffff 49 11'),
  cstr('Friday Night Convoy'),
  cstr('europe'),
  cstr('eurotrucks2'),
  cstr('Euro Truck Simulator 2'),
  hex('0000 03 08 00 64 6c 01 00'),
  cstr('1.53.1.0s'),
  hex('81 9769'), // EDF 0x80|0x01, port 27031
  hex('e477030000000000'), // game id 227300
]);

describe('A2S requests', () => {
  it('encodes A2S_INFO with and without the challenge', () => {
    expect(encodeInfoRequest().toString('latin1')).toBe('\xff\xff\xff\xffTSource Engine Query\0');
    expect(encodeInfoRequest(hex('0a0b0c0d')).subarray(-4)).toEqual(hex('0a0b0c0d'));
  });

  it('asks for a player challenge with -1', () => {
    expect(encodePlayerRequest()).toEqual(hex('ffffffff 55 ffffffff'));
    expect(encodePlayerRequest(hex('01020304'))).toEqual(hex('ffffffff 55 01020304'));
  });
});

describe('parseReply', () => {
  it('reads an S2C_CHALLENGE', () => {
    expect(parseReply(hex('ffffffff 41 deadbeef'))).toEqual({
      kind: 'challenge',
      challenge: hex('deadbeef'),
    });
  });

  it('reads A2S_INFO with its extra data fields', () => {
    const reply = parseReply(ets2Info);

    expect(reply).toEqual({
      kind: 'info',
      info: {
        protocol: 17,
        name: 'Friday Night Convoy',
        map: 'europe',
        folder: 'eurotrucks2',
        game: 'Euro Truck Simulator 2',
        appId: 0,
        players: 3,
        maxPlayers: 8,
        bots: 0,
        serverType: 'd',
        environment: 'l',
        passwordProtected: true,
        vac: false,
        version: '1.53.1.0s',
        port: 27031,
        gameId: 227300n,
      },
    });
  });

  it('reads A2S_PLAYER with empty names', () => {
    const reply = parseReply(
      Buffer.concat([
        hex('ffffffff 44 02'),
        hex('00'),
        cstr(''),
        int32(0),
        hex('00007042'),
        hex('01'),
        cstr(''),
        int32(4),
        hex('0000f042'),
      ]),
    );

    expect(reply).toEqual({
      kind: 'players',
      players: [
        { index: 0, name: '', score: 0, durationSeconds: 60 },
        { index: 1, name: '', score: 4, durationSeconds: 120 },
      ],
    });
  });

  it('refuses a truncated reply instead of returning half of it', () => {
    expect(() => parseReply(ets2Info.subarray(0, 30))).toThrow(A2sProtocolError);
  });

  it('refuses an unknown reply header', () => {
    expect(() => parseReply(hex('ffffffff 6d 00'))).toThrow(/0x6d/);
  });
});

describe('split replies', () => {
  const part = (id: number, total: number, n: number, payload: Buffer) =>
    Buffer.concat([int32(-2), int32(id), Buffer.from([total, n]), hex('e004'), payload]);

  it('reassembles parts arriving out of order', () => {
    const assembler = new SplitAssembler();
    const chunks = [ets2Info.subarray(0, 20), ets2Info.subarray(20, 40), ets2Info.subarray(40)];

    expect(assembler.add(parseSplitPart(part(7, 3, 2, chunks[2] as Buffer)))).toBeUndefined();
    expect(assembler.add(parseSplitPart(part(7, 3, 0, chunks[0] as Buffer)))).toBeUndefined();
    const whole = assembler.add(parseSplitPart(part(7, 3, 1, chunks[1] as Buffer)));

    expect(whole).toEqual(ets2Info);
  });

  it('starts over when a part of a newer reply arrives', () => {
    const assembler = new SplitAssembler();
    assembler.add(parseSplitPart(part(1, 2, 0, hex('aa'))));

    expect(assembler.add(parseSplitPart(part(2, 2, 1, hex('bb'))))).toBeUndefined();
    expect(assembler.add(parseSplitPart(part(2, 2, 0, hex('cc'))))).toEqual(hex('ccbb'));
  });

  it('refuses compressed splits and impossible numbering', () => {
    expect(() => parseSplitPart(part(-2147483647, 2, 0, hex('00')))).toThrow(/compressed/);
    expect(() => parseSplitPart(part(3, 2, 2, hex('00')))).toThrow(/numbering/);
  });
});
