/**
 * The server model: what a client may send, what is stored, and what is shown. The zod schemas
 * here are the request validation, the TypeScript types and the OpenAPI document at once.
 * Rules come from `../shared/domain/ets2-dedicated-server.md`.
 */
import type { FieldIssue } from './errors.ts';
import { ValidationError } from './errors.ts';
import type { OpenRun } from './run.ts';
import { issuesOf } from './validation.ts';
import * as z from './zod.ts';

export const GAMES = ['ets2', 'ats'] as const;
export type Game = (typeof GAMES)[number];

export const SERVER_STATES = ['stopped', 'starting', 'running', 'stopping', 'error', 'deleting'] as const;
export type ServerState = (typeof SERVER_STATES)[number];

/**
 * States in which a host may be powered: the idle reaper and the reconciler page through these.
 * `deleting` is one: its host is still being terminated, and a missed terminated event must not
 * leave the server in `deleting` for good.
 */
export const ACTIVE_STATES: readonly ServerState[] = ['starting', 'running', 'stopping', 'deleting'];

/**
 * Anything that could end a quoted SII string or start a new line in the generated file:
 * the double quote, the backslash (escaping is unconfirmed), C0/C1 control characters (line
 * breaks among them) and the Unicode line and paragraph separators.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point.
const SII_UNSAFE = /["\\\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
export const SII_UNSAFE_MESSAGE =
  'must not contain a double quote, a backslash, a line break or another control character';

/** A string that can be written between double quotes of an SII file without breaking out. */
export const siiString = (maxChars: number) =>
  z.string().check(
    z.refine((s) => !SII_UNSAFE.test(s), SII_UNSAFE_MESSAGE),
    z.refine((s) => [...s].length <= maxChars, `must be at most ${maxChars} characters`),
  );

const intIn = (min: number, max: number) =>
  z.int().check(z.gte(min, `must be at least ${min}`), z.lte(max, `must be at most ${max}`));

export const STEAM64_ID = /^7656119\d{10}$/;
/** Steam game server login tokens are 32 hex digits; accept any case, nothing else. */
const LOGON_TOKEN = /^[A-Fa-f0-9]{32}$/;

export const ServerIdSchema = z
  .string()
  .check(z.regex(/^srv_[0-9a-z]{26}$/, 'must be a server id (srv_...)'));
export const PackageIdSchema = z
  .string()
  .check(z.regex(/^pkg_[0-9a-z]{26}$/, 'must be a package id (pkg_...)'));

/** Every `server_config.sii` field we render, in API names. Secrets are write-only. */
export const ConfigFields = z.strictObject({
  lobbyName: siiString(63),
  description: siiString(63),
  welcomeMessage: siiString(127),
  password: siiString(63),
  logonToken: z.union([
    z.literal(''),
    z.string().check(z.regex(LOGON_TOKEN, 'must be a Steam game server login token (32 hex digits)')),
  ]),
  maxPlayers: intIn(1, 8),
  maxVehiclesTotal: intIn(0, 1000),
  maxAiVehiclesPlayer: intIn(0, 1000),
  maxAiVehiclesPlayerSpawn: intIn(0, 1000),
  connectionVirtualPort: intIn(100, 200),
  queryVirtualPort: intIn(100, 200),
  connectionPort: intIn(27015, 27999),
  queryPort: intIn(27015, 27999),
  playerDamage: z.boolean(),
  traffic: z.boolean(),
  hideInCompany: z.boolean(),
  hideColliding: z.boolean(),
  forceSpeedLimiter: z.boolean(),
  modsOptioning: z.boolean(),
  timezones: z.union([z.literal(0), z.literal(1), z.literal(2)]),
  serviceNoCollision: z.boolean(),
  inMenuGhosting: z.boolean(),
  nameTags: z.boolean(),
  moderators: z
    .array(z.string().check(z.regex(STEAM64_ID, 'must be a 17-digit Steam64 id (7656119...)')))
    .check(
      z.maxLength(64, 'must hold at most 64 moderators'),
      z.refine((ids) => new Set(ids).size === ids.length, 'must not list a moderator twice'),
    ),
});

/** The stored config: every field present, and the rules that tie fields together. */
export const ServerConfigSchema = ConfigFields.check(
  z.superRefine((c, ctx) => {
    const fail = (path: string, message: string, input: unknown) =>
      ctx.issues.push({ code: 'custom', path: [path], message, input });
    if (c.maxAiVehiclesPlayer > c.maxVehiclesTotal) {
      fail('maxAiVehiclesPlayer', 'must not exceed maxVehiclesTotal', c.maxAiVehiclesPlayer);
    }
    if (c.maxAiVehiclesPlayerSpawn > c.maxAiVehiclesPlayer) {
      fail('maxAiVehiclesPlayerSpawn', 'must not exceed maxAiVehiclesPlayer', c.maxAiVehiclesPlayerSpawn);
    }
    if (c.connectionPort === c.queryPort) {
      fail('queryPort', 'must differ from connectionPort', c.queryPort);
    }
    if (c.connectionVirtualPort === c.queryVirtualPort) {
      fail('queryVirtualPort', 'must differ from connectionVirtualPort', c.queryVirtualPort);
    }
  }),
);
export type ServerConfig = z.infer<typeof ConfigFields>;

/** The game's own defaults (the server-generated `server_config.sii`), in API names. */
export const DEFAULT_CONFIG: ServerConfig = {
  lobbyName: '',
  description: '',
  welcomeMessage: '',
  password: '',
  logonToken: '',
  maxPlayers: 8,
  maxVehiclesTotal: 100,
  maxAiVehiclesPlayer: 50,
  maxAiVehiclesPlayerSpawn: 50,
  connectionVirtualPort: 100,
  queryVirtualPort: 101,
  connectionPort: 27015,
  queryPort: 27016,
  playerDamage: true,
  traffic: true,
  hideInCompany: false,
  hideColliding: true,
  forceSpeedLimiter: false,
  modsOptioning: false,
  timezones: 0,
  serviceNoCollision: false,
  inMenuGhosting: false,
  nameTags: true,
  moderators: [],
};

export const IdleFields = z.strictObject({
  autoStop: z.boolean(),
  /** Down to one minute so a whole idle cycle can be watched locally. */
  afterMinutes: intIn(1, 1440),
  startGraceMinutes: intIn(0, 240),
});
export type IdlePolicy = z.infer<typeof IdleFields>;
export const DEFAULT_IDLE: IdlePolicy = { autoStop: true, afterMinutes: 30, startGraceMinutes: 15 };

/** `public`, or a beta such as `temporary_1_53`; it reaches a shell script, so it stays plain. */
export const BranchSchema = z
  .string()
  .check(
    z.regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'must be a Steam branch name (letters, digits, _ . -)'),
  );
export const InstanceTypeSchema = z
  .string()
  .check(z.regex(/^[a-z][a-z0-9-]*\.[a-z0-9]+$/, 'must be an EC2 instance type such as t3.medium'));

export const ServerNameSchema = siiString(63).check(z.minLength(1, 'must not be empty'));

/** Secrets accept `null` (and `""`) to clear them. */
const secretPatch = <T extends z.ZodMiniType>(schema: T) => z.optional(z.nullable(schema));
const ConfigPatchSchema = z.strictObject({
  ...z.partial(ConfigFields).shape,
  password: secretPatch(ConfigFields.shape.password),
  logonToken: secretPatch(ConfigFields.shape.logonToken),
});
export type ConfigPatch = z.infer<typeof ConfigPatchSchema>;

export const CreateServerRequestSchema = z.strictObject({
  name: ServerNameSchema,
  game: z.enum(GAMES),
  packageId: z.optional(z.nullable(PackageIdSchema)),
  branch: z.optional(BranchSchema),
  instanceType: z.optional(InstanceTypeSchema),
  idle: z.optional(z.partial(IdleFields)),
  config: z.optional(ConfigPatchSchema),
});
export type CreateServerRequest = z.infer<typeof CreateServerRequestSchema>;

/** A JSON merge patch (RFC 7396) of the mutable parts of a server. */
export const PatchServerRequestSchema = z.strictObject({
  name: z.optional(ServerNameSchema),
  packageId: z.optional(z.nullable(PackageIdSchema)),
  branch: z.optional(BranchSchema),
  instanceType: z.optional(InstanceTypeSchema),
  idle: z.optional(z.partial(IdleFields)),
  config: z.optional(ConfigPatchSchema),
});
export type PatchServerRequest = z.infer<typeof PatchServerRequestSchema>;

import type { ServerRuntime, ServerView } from './server-view.ts';

export type { ServerRuntime, ServerView };

/** A server as stored. `config` holds the secrets; never send this record to a client. */
export interface ServerRecord {
  readonly id: string;
  readonly tenantId: string;
  readonly name: string;
  readonly game: Game;
  readonly state: ServerState;
  readonly stateReason: string | null;
  readonly config: ServerConfig;
  readonly packageId: string | null;
  readonly branch: string;
  readonly instanceType: string;
  readonly idle: IdlePolicy;
  readonly runtime: ServerRuntime | null;
  /** The EC2 instance, once one was launched for this server. */
  readonly instanceId: string | null;
  /**
   * How many launches were begun for this server; the launch's `ClientToken` derives from it, so
   * a retried or re-driven launch reuses the token and cannot make a second instance. Absent
   * (read as 0) on servers that never started.
   */
  readonly launchAttempt?: number;
  /** The type EC2 launched the host as (a capacity fallback may differ from `instanceType`). */
  readonly hostInstanceType?: string;
  /** The run under way while `running` (`./usage.ts`); absent or null otherwise. */
  readonly run?: OpenRun | null;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly version: number;
}

/** The resource a client sees: secrets become `passwordSet` / `logonTokenSet`. */
export function toServerView(server: ServerRecord): ServerView {
  const {
    tenantId: _tenant,
    instanceId: _instance,
    launchAttempt: _attempt,
    hostInstanceType: _host,
    run: _run,
    config,
    ...rest
  } = server;
  const { password, logonToken, ...visible } = config;
  return {
    ...rest,
    config: { ...visible, passwordSet: password !== '', logonTokenSet: logonToken !== '' },
  };
}

/** Merges a (create or patch) config onto a base and enforces every rule on the result. */
export function mergeConfig(base: ServerConfig, patch: ConfigPatch | undefined): ServerConfig {
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(patch ?? {})) {
    if (value === undefined) continue;
    merged[key] = value === null ? '' : value;
  }
  const result = ServerConfigSchema.safeParse(merged);
  if (!result.success) {
    throw new ValidationError('The server config is invalid.', prefixed('config', issuesOf(result.error)));
  }
  return result.data;
}

export function mergeIdle(base: IdlePolicy, patch: Partial<IdlePolicy> | undefined): IdlePolicy {
  return { ...base, ...stripUndefined(patch ?? {}) };
}

function prefixed(prefix: string, issues: readonly FieldIssue[]): FieldIssue[] {
  return issues.map((i) => ({ ...i, path: i.path ? `${prefix}.${i.path}` : prefix }));
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** ETags are the server's version: every write bumps it, so it names one representation. */
export const etagOf = (version: number): string => `"v${version}"`;
