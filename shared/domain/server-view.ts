/**
 * What clients see of a server, as zod schemas: they document the responses in the OpenAPI
 * document and give the TypeScript types. Kept apart from the request schemas so that only the
 * OpenAPI function pays for building them at cold start.
 */
import { ConfigFields, GAMES, IdleFields, SERVER_STATES } from './server.ts';
import * as z from './zod.ts';

/** What the game host reports and the control plane learns while a server is up. */
export const ServerRuntimeSchema = z.object({
  address: z.nullable(z.string()),
  connectionPort: z.int(),
  queryPort: z.int(),
  searchId: z.nullable(z.string()),
  ready: z.boolean(),
  players: z.int(),
  maxPlayers: z.int(),
  gameVersion: z.nullable(z.string()),
  startedAt: z.nullable(z.string()),
  lastPlayerSeenAt: z.nullable(z.string()),
  /** When the host's agent last reported (a heartbeat under 2 minutes old counts as a signal). */
  lastHeartbeatAt: z.nullable(z.string()),
  /**
   * When the game last answered the idle reaper's outside A2S query while the agent's heartbeat
   * was missing: with the heartbeat, what tells a live host from a dead one.
   */
  lastAnsweredAt: z.nullable(z.string()),
  /** Until when `POST .../keepalive` keeps an empty server up. */
  keepaliveUntil: z.nullable(z.string()),
  /** When the server stops if nobody joins; `null` while players are on, or with auto-stop off. */
  idleStopAt: z.nullable(z.string()),
});
export type ServerRuntime = z.infer<typeof ServerRuntimeSchema>;

const { password: _p, logonToken: _l, ...publicConfigFields } = ConfigFields.shape;

/** The server resource every server route returns (for the OpenAPI document and the types). */
export const ServerViewSchema = z.object({
  id: z.string(),
  name: z.string(),
  game: z.enum(GAMES),
  state: z.enum(SERVER_STATES),
  stateReason: z.nullable(z.string()),
  config: z.object({ ...publicConfigFields, passwordSet: z.boolean(), logonTokenSet: z.boolean() }),
  packageId: z.nullable(z.string()),
  branch: z.string(),
  instanceType: z.string(),
  idle: IdleFields,
  runtime: z.nullable(ServerRuntimeSchema),
  createdAt: z.string(),
  updatedAt: z.string(),
  version: z.int(),
});
export type ServerView = z.infer<typeof ServerViewSchema>;
