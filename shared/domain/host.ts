/** The heartbeat's request schema (validation and the OpenAPI document); the rest is in host-wire.ts. */
import type { HeartbeatRequest } from './host-wire.ts';
import { GAME_VERSION, HOST_FAILURES, SEARCH_ID } from './host-wire.ts';
import * as z from './zod.ts';

export * from './host-wire.ts';

export const HeartbeatRequestSchema = z.strictObject({
  ready: z.boolean(),
  searchId: z.nullable(z.string().check(z.regex(SEARCH_ID, 'must look like 85568392925767505/101'))),
  players: z.int().check(z.gte(0), z.lte(255)),
  gameVersion: z.nullable(z.string().check(z.regex(GAME_VERSION, 'must look like 1.53.1.0s'))),
  /** Set when the server cannot run; the server goes to `error` with this reason. */
  failure: z.optional(z.nullable(z.enum(HOST_FAILURES))),
});

/** The schema and the agent's interface must describe the same body. */
const _sameShape: z.infer<typeof HeartbeatRequestSchema> extends HeartbeatRequest ? true : never = true;
void _sameShape;
