/**
 * The idle reaper's outside signal: A2S_INFO against the server's public address and query
 * port, with a short timeout. Any failure (timeout, refused, a malformed reply) is "no answer":
 * the decision treats it as a missing signal, never as zero players.
 */
import type { GameQuery } from '../../services/ports.ts';
import { queryInfo } from './client.ts';

export interface A2sGameQueryOptions {
  /** For the whole exchange, the challenge included. @default 1500 */
  readonly timeoutMs?: number;
}

export function createA2sGameQuery(options: A2sGameQueryOptions = {}): GameQuery {
  const timeoutMs = options.timeoutMs ?? 1500;
  return {
    async players({ host, port }) {
      try {
        const info = await queryInfo({ host, port, timeoutMs });
        // Source servers count bots among players; ETS2/ATS have none, but a bot is no driver.
        return Math.max(0, info.players - info.bots);
      } catch {
        return null;
      }
    },
  };
}
