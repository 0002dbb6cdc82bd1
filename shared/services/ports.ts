/**
 * Ports: what the services need from the outside world, as plain types. Adapters in
 * `shared/adapters/` implement them; unit tests use in-memory fakes.
 */
import type { KeyRecord } from '../domain/api-key.ts';
import type { HostStatus } from '../domain/host-sync.ts';
import type { IdleChanges } from '../domain/idle.ts';
import type { MetricPoint } from '../domain/metrics.ts';
import type { FileDigest, PackageRecord, UploadTarget } from '../domain/package.ts';
import type { BudgetWarning, UsageInterval } from '../domain/run.ts';
import type { LastRun, SchedulePlan, ScheduleRecord } from '../domain/schedule.ts';
import type { Game, ServerRecord, ServerRuntime } from '../domain/server.ts';
import type { DeliveryAttempt, DeliveryMessage, WebhookRecord } from '../domain/webhook.ts';

export interface Page<T> {
  readonly items: readonly T[];
  readonly nextCursor: string | null;
}

export interface PageRequest {
  readonly limit: number;
  readonly cursor?: string | undefined;
}

/** One entry in a server's history: every transition and change, and who caused it. */
export interface ServerEvent {
  readonly at: string;
  readonly type: string;
  /** A key id, `idle-reaper`, `schedule`, `reconciler`, `system`. */
  readonly actor: string;
  readonly detail: Record<string, unknown>;
}

/** A stored response for a retried create (RFC draft "Idempotency-Key"). */
export interface IdempotencyRecord {
  readonly key: string;
  /** Hash of the request that first used the key; another request with the key is refused. */
  readonly fingerprint: string;
  readonly status: number;
  readonly body: string;
}

export interface ServerRepository {
  get(tenantId: string, id: string): Promise<ServerRecord | null>;
  /** The tenant's servers, newest first. */
  list(tenantId: string, page: PageRequest): Promise<Page<ServerRecord>>;
  /**
   * Stores a new server and its first event; with `idempotency`, also the response for the key,
   * atomically. Throws `IdempotencyKeyTakenError` when the key was used meanwhile.
   */
  create(server: ServerRecord, event: ServerEvent, idempotency?: IdempotencyRecord): Promise<void>;
  /**
   * Replaces the server if its stored version is still `expectedVersion`; else `ConcurrentModificationError`.
   * See `ServerUpdateOptions` for moving packages and for writes that must not miss a heartbeat.
   */
  update(
    server: ServerRecord,
    expectedVersion: number,
    event: ServerEvent,
    options?: ServerUpdateOptions,
  ): Promise<void>;
  /** Removes the server if its stored version is still `expectedVersion`. */
  remove(server: ServerRecord, expectedVersion: number): Promise<void>;
  /**
   * Replaces only `runtime` (what the host observed), with `event` when given, if the stored
   * version is still `expectedVersion` and the server is starting or running; else
   * `ConcurrentModificationError`. Neither the version nor `updatedAt` moves: a heartbeat is an
   * observation, not a change a client's `If-Match` or the sync's timeouts should see.
   */
  recordRuntime(
    server: ServerRecord,
    expectedVersion: number,
    runtime: ServerRuntime,
    event?: ServerEvent,
  ): Promise<void>;
  /** A server's events, newest first. */
  events(serverId: string, page: PageRequest): Promise<Page<ServerEvent>>;
  idempotencyRecord(tenantId: string, key: string): Promise<IdempotencyRecord | null>;
}

export interface KeyRepository {
  /** Stores the key, findable by id (listing) and by the hash of its secret (authentication). */
  create(key: KeyRecord, secretHash: string): Promise<void>;
  findByHash(secretHash: string): Promise<KeyRecord | null>;
  list(tenantId: string, page: PageRequest): Promise<Page<KeyRecord>>;
  /** Deletes the key and its hash entry; false when the tenant has no such key. */
  remove(tenantId: string, id: string): Promise<boolean>;
}

export interface PackageSummary {
  readonly id: string;
  readonly game: Game;
  readonly state: 'pending' | 'ready' | 'invalid';
}

/** What server routes need to know of mod packages. */
export interface PackageCatalog {
  find(tenantId: string, id: string): Promise<PackageSummary | null>;
}

/** Where a deployment's default package for a game lives (set by the operator's CLI). */
export interface PackageRef {
  readonly tenantId: string;
  readonly packageId: string;
}

/** Mod packages in the table. A package a server (or the deployment default) uses cannot be removed. */
export interface PackageRepository extends PackageCatalog {
  get(tenantId: string, id: string): Promise<PackageRecord | null>;
  /** The tenant's packages, newest first (expired pending ones left out). */
  list(tenantId: string, page: PageRequest): Promise<Page<PackageRecord>>;
  /** Stores a new package; with `idempotency` also the response for the key, atomically. */
  create(pkg: PackageRecord, idempotency?: IdempotencyRecord): Promise<void>;
  /** Replaces the package if its stored version is still `expectedVersion`; else `ConcurrentModificationError`. */
  update(pkg: PackageRecord, expectedVersion: number): Promise<void>;
  /** Deletes the package in one conditional write: `inUse` while any server or default uses it. */
  remove(tenantId: string, id: string): Promise<'deleted' | 'missing' | 'inUse'>;
  idempotencyRecord(tenantId: string, key: string): Promise<IdempotencyRecord | null>;
  defaultFor(game: Game): Promise<PackageRef | null>;
  /** Makes a `ready` package of `game` the deployment default, protecting it from deletion. */
  setDefault(game: Game, ref: PackageRef): Promise<void>;
}

/** The package files in object storage. */
export interface PackageStorage {
  /** A presigned PUT binding the content type and, when given, the exact length. */
  presignUpload(
    key: string,
    options: { contentType: string; contentLength?: number | undefined; maxBytes: number; expiresIn: number },
  ): Promise<UploadTarget>;
  presignDownload(key: string, expiresIn: number): Promise<string>;
  /** The object's size, or null when there is none. */
  size(key: string): Promise<number | null>;
  /** Reads a small object whole, refusing (null) one over `maxBytes`. */
  read(key: string, maxBytes: number): Promise<Uint8Array | null>;
  /** Streams the object through SHA-256; null when it turns out longer than `maxBytes`. */
  digest(key: string, maxBytes: number): Promise<FileDigest | null>;
  copy(from: string, to: string): Promise<void>;
  remove(keys: readonly string[]): Promise<void>;
}

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** What starting a server's first host needs. */
export interface LaunchRequest {
  readonly serverId: string;
  readonly tenantId: string;
  /** Same server, same attempt, same token: EC2 returns the first launch instead of a second. */
  readonly clientToken: string;
  /** The server's instance type first, then the fallbacks to try on a capacity shortage. */
  readonly instanceTypes: readonly [string, ...string[]];
  /**
   * The new host's user data (the rendered bootstrap script), the same for every retry of one
   * launch attempt. Absent only where hosts are simulated and need none (local mode, tests).
   */
  readonly userData?: string;
}

export type LaunchResult =
  | {
      readonly kind: 'launched';
      readonly instanceId: string;
      readonly instanceType: string;
      /** The types skipped for want of capacity, with EC2's error code, in order. */
      readonly skipped: readonly { readonly instanceType: string; readonly code: string }[];
    }
  /** No type had capacity, or EC2 refused (the code says why); nothing was launched. */
  | { readonly kind: 'failed'; readonly code: string; readonly skipped: readonly string[] };

/** How EC2 answered a power call on an existing instance. */
export type PowerResult =
  | 'ok'
  /** The instance cannot do that now (e.g. start while stopping); the sync will re-drive it. */
  | 'incorrectState'
  /** The instance does not exist (any more). */
  | 'notFound';

export interface HostPage {
  readonly hosts: readonly TaggedHost[];
  readonly nextToken: string | null;
}

/** A host of this deployment, with the server it was launched for (from its tags). */
export interface TaggedHost extends HostStatus {
  readonly serverId: string | null;
  readonly tenantId: string | null;
}

/**
 * The game hosts: one EC2 instance per server. Transient failures (throttling) are retried
 * inside; one that persists throws, and the server stays where the table says, for the
 * reconciler to re-drive.
 */
export interface HostProvider {
  launch(request: LaunchRequest): Promise<LaunchResult>;
  start(instanceId: string): Promise<PowerResult>;
  stop(instanceId: string): Promise<PowerResult>;
  terminate(instanceId: string): Promise<PowerResult>;
  /** One instance, or `null` when EC2 does not know it. */
  describe(instanceId: string): Promise<TaggedHost | null>;
  /** This deployment's instances (by its tag), a page at a time. */
  list(nextToken?: string | null): Promise<HostPage>;
}

/** The server lookups that only the EC2 sync needs, over the sparse indexes. */
export interface ServerIndex {
  /** The server an instance was launched for (the `byInstance` index), consistently re-read. */
  findByInstance(instanceId: string): Promise<ServerRecord | null>;
  /** Servers in an active state (the `active` index, every shard), consistently re-read. */
  active(): AsyncIterable<ServerRecord>;
  /**
   * The same servers a page at a time, read whole from the index (no read per server) and so
   * eventually consistent: what the idle reaper walks every minute. Decide on them only with
   * writes conditional on their version, and re-read before anything irreversible.
   */
  activePages(): AsyncIterable<readonly ServerRecord[]>;
}

/** The idle reaper's observations, written like a heartbeat: no new version, no event. */
export interface IdleRecords {
  /**
   * Sets only these runtime fields, if the server is still `running` at `expectedVersion`;
   * else `ConcurrentModificationError`.
   */
  record(server: ServerRecord, expectedVersion: number, changes: IdleChanges): Promise<void>;
}

/** The outside query of a game server (A2S_INFO): its player count, or `null` when it does not answer. */
export interface GameQuery {
  players(target: { readonly host: string; readonly port: number }): Promise<number | null>;
}

/** A server's schedules in the table (`docs/storage.md`). */
export interface ScheduleRepository {
  /**
   * Stores a new schedule if the server has fewer than `max` live schedules (counted atomically
   * with the write); `false` when it already has `max`.
   */
  create(schedule: ScheduleRecord, max: number): Promise<boolean>;
  get(serverId: string, id: string): Promise<ScheduleRecord | null>;
  /** The server's schedules (live ones and recently run one-offs), oldest first. */
  list(serverId: string): Promise<ScheduleRecord[]>;
  /** Deletes the schedule; `false` when there was none. */
  remove(serverId: string, id: string): Promise<boolean>;
  /**
   * Claims the run planned for `run.scheduledFor` (outcome `pending`), and marks a one-off done,
   * unless that run was claimed already: `false` then (a duplicate delivery), or when the
   * schedule is gone.
   */
  claimRun(schedule: ScheduleRecord, run: LastRun): Promise<boolean>;
  /** Records the claimed run's outcome, with its event in the server's events, atomically. */
  finishRun(schedule: ScheduleRecord, run: LastRun, event: ServerEvent): Promise<void>;
}

/**
 * Where schedules fire: EventBridge Scheduler in AWS (and its local stand-in), which invokes
 * the start handler with the schedule's ids. Names are unique within the deployment.
 */
export interface SchedulePlanner {
  /** Creates the schedule; an existing one of that name is left as it is. */
  create(name: string, plan: SchedulePlan, input: string): Promise<void>;
  /** Deletes the schedule; one already gone is fine. */
  remove(name: string): Promise<void>;
}

/** Closed runs and deleted servers' volume lives (`docs/storage.md`), for usage and cost. */
export interface UsageRepository {
  /**
   * The tenant's intervals that ended at or after `from` and began before `before` (all its
   * servers', or `serverId`'s only), read page by page.
   */
  closed(tenantId: string, from: Date, before: Date, serverId?: string): Promise<readonly UsageInterval[]>;
}

/** A tenant's webhooks and their delivery attempts in the table (`docs/storage.md`). */
export interface WebhookRepository {
  /** Stores the webhook and its signing secret if the tenant has fewer than `max`; `false` otherwise. */
  create(webhook: WebhookRecord, secret: string, max: number): Promise<boolean>;
  get(tenantId: string, id: string): Promise<WebhookRecord | null>;
  /** The webhook with its signing secret: for the delivery function only, never a response. */
  withSecret(tenantId: string, id: string): Promise<{ webhook: WebhookRecord; secret: string } | null>;
  /** The tenant's webhooks, newest first. */
  list(tenantId: string, page: PageRequest): Promise<Page<WebhookRecord>>;
  /** Deletes the webhook; `false` when the tenant has no such webhook. */
  remove(tenantId: string, id: string): Promise<boolean>;
  recordAttempt(webhookId: string, attempt: DeliveryAttempt): Promise<void>;
  /** The webhook's latest attempts, newest first. */
  attempts(webhookId: string, limit: number): Promise<DeliveryAttempt[]>;
}

export interface ServerUpdateOptions {
  /**
   * Set when the write may change `packageId`: the package uses move from this one to the new
   * one atomically (`UnprocessableError` if the new package is no longer ready).
   */
  readonly previousPackageId?: string | null;
  /**
   * The `runtime.lastHeartbeatAt` the writer decided on (`null`: none had come): the write fails
   * (`ConcurrentModificationError`) if a heartbeat landed since, which moves no version. For
   * decisions made from what the host reports, such as the idle reaper's stop.
   * @default - heartbeats are not checked
   */
  readonly heartbeatSeen?: string | null;
}

/** The 80 % budget warning's state on the tenant's usage summary (`adapters/dynamodb/usage-summary.ts`). */
export interface BudgetWatch {
  /** The warning due for the tenant now, read consistently, or `null`. */
  due(tenantId: string): Promise<BudgetWarning | null>;
  /** Notes this month's warning as sent; `false` if the budget changed meanwhile (nothing written). */
  markWarned(tenantId: string, warning: BudgetWarning): Promise<boolean>;
}

/** Where metric points go (embedded-metric-format log lines in Lambda: `adapters/metrics/emf.ts`). */
export interface MetricSink {
  record(points: readonly MetricPoint[]): void;
}

/** Where deliveries wait (SQS in AWS, an in-process stand-in locally); `delaySeconds` ≤ 900. */
export interface DeliveryQueue {
  send(messages: readonly DeliveryMessage[], delaySeconds: number): Promise<void>;
}

/** One HTTP POST of a delivery: the receiver's status, or why none came. Never throws. */
export interface WebhookSender {
  post(
    url: string,
    request: { readonly body: string; readonly headers: Readonly<Record<string, string>> },
  ): Promise<{ readonly status: number | null; readonly error: string | null }>;
}
