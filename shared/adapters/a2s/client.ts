/**
 * A small A2S query client over node:dgram: the host agent asks its own server on loopback, the
 * idle reaper asks from outside. Our own rather than gamedig: gamedig bundles to about 1 MB
 * (61 packages, ~80 ms to import, which a Lambda cold start and the host agent's bundle would pay
 * for) and does not list ATS, while the two queries ETS2/ATS answer fit in a page.
 */
import { createSocket } from 'node:dgram';
import {
  type A2sInfo,
  type A2sPlayer,
  A2sProtocolError,
  type A2sReply,
  encodeInfoRequest,
  encodePlayerRequest,
  parseReply,
  parseSplitPart,
  SINGLE,
  SPLIT,
  SplitAssembler,
} from './protocol.ts';

export type { A2sInfo, A2sPlayer };

export interface A2sTarget {
  readonly host: string;
  /** The server's query port (`query_dedicated_port`, default 27016). */
  readonly port: number;
  /** For the whole exchange, challenge included. @default 2000 */
  readonly timeoutMs?: number;
}

export class A2sTimeoutError extends Error {
  override readonly name = 'A2sTimeoutError';
}

/** Servers may answer a challenge more than once before the data; more than this means a broken peer. */
const MAX_CHALLENGES = 3;

function exchange(
  target: A2sTarget,
  request: (challenge?: Buffer) => Buffer,
  wanted: A2sReply['kind'],
): Promise<A2sReply> {
  const timeoutMs = target.timeoutMs ?? 2000;
  const socket = createSocket(target.host.includes(':') ? 'udp6' : 'udp4');
  const assembler = new SplitAssembler();
  let challenges = 0;
  let done = false;

  return new Promise<A2sReply>((resolve, reject) => {
    const finish = (error: Error | null, reply?: A2sReply) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.close();
      if (error) reject(error);
      else if (reply) resolve(reply);
    };
    const timer = setTimeout(
      () =>
        finish(
          new A2sTimeoutError(`no A2S ${wanted} reply from ${target.host}:${target.port} in ${timeoutMs} ms`),
        ),
      timeoutMs,
    );
    const send = (packet: Buffer) =>
      socket.send(packet, target.port, target.host, (error) => {
        if (error) finish(error);
      });

    socket.on('error', (error) => finish(error));
    socket.on('message', (packet) => {
      try {
        const kind = packet.length >= 4 ? packet.readInt32LE(0) : 0;
        let whole: Buffer | undefined;
        if (kind === SINGLE) whole = packet;
        else if (kind === SPLIT) whole = assembler.add(parseSplitPart(packet));
        else throw new A2sProtocolError('reply has no A2S header');
        if (!whole) return;
        const reply = parseReply(whole);
        if (reply.kind === 'challenge') {
          if (++challenges > MAX_CHALLENGES) throw new A2sProtocolError('server keeps sending challenges');
          send(request(reply.challenge));
        } else if (reply.kind === wanted) {
          finish(null, reply);
        }
      } catch (error) {
        finish(error as Error);
      }
    });
    send(request());
  });
}

export async function queryInfo(target: A2sTarget): Promise<A2sInfo> {
  const reply = await exchange(target, encodeInfoRequest, 'info');
  if (reply.kind !== 'info') throw new A2sProtocolError('expected an A2S_INFO reply');
  return reply.info;
}

export async function queryPlayers(target: A2sTarget): Promise<readonly A2sPlayer[]> {
  const reply = await exchange(target, encodePlayerRequest, 'players');
  if (reply.kind !== 'players') throw new A2sProtocolError('expected an A2S_PLAYER reply');
  return reply.players;
}
