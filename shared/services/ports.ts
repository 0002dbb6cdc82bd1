/**
 * Ports: what the services need from the outside world, as plain types. Adapters in
 * `shared/adapters/` implement them; unit tests use in-memory fakes.
 */
import type { KeyRecord } from '../domain/api-key.ts';
import type { Game, ServerRecord } from '../domain/server.ts';

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
  /** Replaces the server if its stored version is still `expectedVersion`; else `ConcurrentModificationError`. */
  update(server: ServerRecord, expectedVersion: number, event: ServerEvent): Promise<void>;
  /** Removes the server if its stored version is still `expectedVersion`. */
  remove(server: ServerRecord, expectedVersion: number): Promise<void>;
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

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
