/** In-memory fakes of the ports, for unit tests: same contracts, no network. */
import type { KeyRecord } from '../../shared/domain/api-key.ts';
import { ConcurrentModificationError, IdempotencyKeyTakenError } from '../../shared/domain/errors.ts';
import type { MetricPoint } from '../../shared/domain/metrics.ts';
import type { ServerRecord, ServerRuntime } from '../../shared/domain/server.ts';
import type {
  Clock,
  IdempotencyRecord,
  KeyRepository,
  MetricSink,
  PackageCatalog,
  PackageSummary,
  Page,
  PageRequest,
  ServerEvent,
  ServerRepository,
  ServerUpdateOptions,
} from '../../shared/services/ports.ts';

export class FixedClock implements Clock {
  constructor(private current = new Date('2026-11-22T10:00:00.000Z')) {}
  now(): Date {
    return new Date(this.current);
  }
  advance(ms: number): void {
    this.current = new Date(this.current.getTime() + ms);
  }
}

function pageOf<T>(all: T[], request: PageRequest, keyOf: (item: T) => string): Page<T> {
  const sorted = [...all].sort((a, b) => keyOf(b).localeCompare(keyOf(a)));
  const start = request.cursor ? sorted.findIndex((i) => keyOf(i) === request.cursor) + 1 : 0;
  const items = sorted.slice(start, start + request.limit);
  const last = items.at(-1);
  return { items, nextCursor: start + request.limit < sorted.length && last ? keyOf(last) : null };
}

export class InMemoryServerRepository implements ServerRepository {
  readonly servers = new Map<string, ServerRecord>();
  readonly eventLog = new Map<string, ServerEvent[]>();
  readonly idempotency = new Map<string, IdempotencyRecord>();

  async get(tenantId: string, id: string) {
    const server = this.servers.get(id);
    return server && server.tenantId === tenantId ? server : null;
  }
  async list(tenantId: string, request: PageRequest) {
    const mine = [...this.servers.values()].filter((s) => s.tenantId === tenantId);
    return pageOf(mine, request, (s) => s.id);
  }
  async create(server: ServerRecord, event: ServerEvent, idempotency?: IdempotencyRecord) {
    const idemKey = idempotency && `${server.tenantId}/${idempotency.key}`;
    if (idemKey && this.idempotency.has(idemKey)) throw new IdempotencyKeyTakenError('taken');
    if (this.servers.has(server.id)) throw new ConcurrentModificationError('exists');
    this.servers.set(server.id, server);
    this.eventLog.set(server.id, [event]);
    if (idemKey && idempotency) this.idempotency.set(idemKey, idempotency);
  }
  async update(
    server: ServerRecord,
    expectedVersion: number,
    event: ServerEvent,
    options: ServerUpdateOptions = {},
  ) {
    const stored = this.servers.get(server.id);
    if (stored?.version !== expectedVersion) throw new ConcurrentModificationError('moved');
    if (
      options.heartbeatSeen !== undefined &&
      (stored.runtime?.lastHeartbeatAt ?? null) !== options.heartbeatSeen
    )
      throw new ConcurrentModificationError('heartbeat since');
    this.servers.set(server.id, server);
    this.eventLog.get(server.id)?.push(event);
  }
  async recordRuntime(
    server: ServerRecord,
    expectedVersion: number,
    runtime: ServerRuntime,
    event?: ServerEvent,
  ) {
    const current = this.servers.get(server.id);
    if (current?.version !== expectedVersion || !['starting', 'running'].includes(current.state))
      throw new ConcurrentModificationError('moved');
    this.servers.set(server.id, { ...current, runtime });
    if (event) this.eventLog.get(server.id)?.push(event);
  }
  async remove(server: ServerRecord, expectedVersion: number) {
    if (this.servers.get(server.id)?.version !== expectedVersion)
      throw new ConcurrentModificationError('moved');
    this.servers.delete(server.id);
  }
  async events(serverId: string, request: PageRequest) {
    return pageOf(this.eventLog.get(serverId) ?? [], request, (e) => e.at + e.type);
  }
  async idempotencyRecord(tenantId: string, key: string) {
    return this.idempotency.get(`${tenantId}/${key}`) ?? null;
  }
}

export class InMemoryKeyRepository implements KeyRepository {
  readonly byHash = new Map<string, KeyRecord>();
  async create(key: KeyRecord, secretHash: string) {
    this.byHash.set(secretHash, key);
  }
  async findByHash(secretHash: string) {
    return this.byHash.get(secretHash) ?? null;
  }
  async list(tenantId: string, request: PageRequest) {
    const mine = [...this.byHash.values()].filter((k) => k.tenantId === tenantId);
    return pageOf(mine, request, (k) => k.id);
  }
  async remove(tenantId: string, id: string) {
    for (const [hash, key] of this.byHash) {
      if (key.tenantId === tenantId && key.id === id) return this.byHash.delete(hash);
    }
    return false;
  }
}

export class InMemoryPackageCatalog implements PackageCatalog {
  readonly packages = new Map<string, PackageSummary & { tenantId: string }>();
  async find(tenantId: string, id: string) {
    const pkg = this.packages.get(id);
    return pkg && pkg.tenantId === tenantId ? pkg : null;
  }
}

/** Keeps every metric point a function records. */
export class RecordingSink implements MetricSink {
  readonly points: MetricPoint[] = [];
  record(points: readonly MetricPoint[]): void {
    this.points.push(...points);
  }
}
