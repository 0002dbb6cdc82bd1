/** In-memory fakes of the package ports, for unit tests: same contracts, no network. */
import { createHash } from 'node:crypto';
import {
  ConcurrentModificationError,
  ConflictError,
  IdempotencyKeyTakenError,
} from '../../shared/domain/errors.ts';
import type { PackageRecord } from '../../shared/domain/package.ts';
import type { Game } from '../../shared/domain/server.ts';
import type {
  Clock,
  IdempotencyRecord,
  PackageRef,
  PackageRepository,
  PackageStorage,
  PageRequest,
} from '../../shared/services/ports.ts';

export class InMemoryPackageRepository implements PackageRepository {
  readonly packages = new Map<string, PackageRecord>();
  /** Who uses each package: server ids and `default:<game>`. */
  readonly usedBy = new Map<string, Set<string>>();
  readonly idempotency = new Map<string, IdempotencyRecord>();
  readonly defaults = new Map<Game, PackageRef>();

  constructor(private readonly clock: Clock) {}

  private live(pkg: PackageRecord | undefined, tenantId: string): PackageRecord | null {
    if (!pkg || pkg.tenantId !== tenantId) return null;
    if (pkg.expiresAt && Date.parse(pkg.expiresAt) <= this.clock.now().getTime()) return null;
    return pkg;
  }
  async get(tenantId: string, id: string) {
    return this.live(this.packages.get(id), tenantId);
  }
  async find(tenantId: string, id: string) {
    const pkg = await this.get(tenantId, id);
    return pkg ? { id: pkg.id, game: pkg.game, state: pkg.state } : null;
  }
  async list(tenantId: string, request: PageRequest) {
    const mine = [...this.packages.values()]
      .filter((p) => this.live(p, tenantId))
      .sort((a, b) => b.id.localeCompare(a.id));
    return { items: mine.slice(0, request.limit), nextCursor: null };
  }
  async create(pkg: PackageRecord, idempotency?: IdempotencyRecord) {
    const key = idempotency && `${pkg.tenantId}/${idempotency.key}`;
    if (key && this.idempotency.has(key)) throw new IdempotencyKeyTakenError('taken');
    this.packages.set(pkg.id, pkg);
    if (key && idempotency) this.idempotency.set(key, idempotency);
  }
  async update(pkg: PackageRecord, expectedVersion: number) {
    if (this.packages.get(pkg.id)?.version !== expectedVersion)
      throw new ConcurrentModificationError('moved');
    this.packages.set(pkg.id, pkg);
  }
  async remove(tenantId: string, id: string) {
    if (!(await this.get(tenantId, id))) return 'missing' as const;
    if ((this.usedBy.get(id)?.size ?? 0) > 0) return 'inUse' as const;
    this.packages.delete(id);
    return 'deleted' as const;
  }
  async idempotencyRecord(tenantId: string, key: string) {
    return this.idempotency.get(`${tenantId}/${key}`) ?? null;
  }
  async defaultFor(game: Game) {
    return this.defaults.get(game) ?? null;
  }
  async setDefault(game: Game, ref: PackageRef) {
    const pkg = await this.get(ref.tenantId, ref.packageId);
    if (pkg?.state !== 'ready' || pkg.game !== game) throw new ConflictError('not a ready package');
    const previous = this.defaults.get(game);
    if (previous) this.usedBy.get(previous.packageId)?.delete(`default:${game}`);
    this.defaults.set(game, ref);
    this.usedBy.set(ref.packageId, new Set([...(this.usedBy.get(ref.packageId) ?? []), `default:${game}`]));
  }
}

/** Objects in a map; presigned URLs are fake but say what they sign. */
export class InMemoryPackageStorage implements PackageStorage {
  readonly objects = new Map<string, Buffer>();

  async presignUpload(
    key: string,
    options: { contentType: string; contentLength?: number; maxBytes: number },
  ) {
    return {
      url: `https://bucket.example/${key}?signed`,
      method: 'PUT' as const,
      headers: {
        'content-type': options.contentType,
        ...(options.contentLength !== undefined ? { 'content-length': String(options.contentLength) } : {}),
      },
      maxBytes: options.maxBytes,
    };
  }
  async presignDownload(key: string) {
    return `https://bucket.example/${key}?download`;
  }
  async size(key: string) {
    return this.objects.get(key)?.byteLength ?? null;
  }
  async read(key: string, maxBytes: number) {
    const data = this.objects.get(key);
    return data && data.byteLength <= maxBytes ? data : null;
  }
  async digest(key: string, maxBytes: number) {
    const data = this.objects.get(key);
    if (!data || data.byteLength > maxBytes) return null;
    return { bytes: data.byteLength, sha256: createHash('sha256').update(data).digest('hex') };
  }
  async copy(from: string, to: string) {
    const data = this.objects.get(from);
    if (!data) throw new Error(`no object ${from}`);
    this.objects.set(to, data);
  }
  async remove(keys: readonly string[]) {
    for (const key of keys) this.objects.delete(key);
  }
}
