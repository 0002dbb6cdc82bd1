/**
 * Mod package use cases that touch the files: create (presigned uploads), finalize (sizes,
 * hashes, manifest) and delete (refused while in use). Reads are in `package-queries.ts`.
 */
import { createHash } from 'node:crypto';
import type { Principal } from '../domain/api-key.ts';
import type { FieldIssue } from '../domain/errors.ts';
import {
  ConcurrentModificationError,
  ConflictError,
  ForbiddenError,
  IdempotencyKeyTakenError,
  NotFoundError,
  UnprocessableError,
} from '../domain/errors.ts';
import { newId } from '../domain/ids.ts';
import type {
  CreatePackageRequest,
  FileDigest,
  PackageFile,
  PackageManifest,
  PackageRecord,
  PackageView,
  UploadTarget,
} from '../domain/package.ts';
import {
  objectKeys,
  PACKAGE_FILES,
  PENDING_HOURS,
  toPackageView,
  UPLOAD_URL_SECONDS,
} from '../domain/package.ts';
import { mapIssue, readManifest } from '../domain/sii/manifest.ts';
import { SiiParseError } from '../domain/sii/parser.ts';
import { loadPackage } from './package-queries.ts';
import type { Clock, PackageRepository, PackageStorage } from './ports.ts';

export interface PackageServiceDeps {
  readonly packages: PackageRepository;
  readonly storage: PackageStorage;
  readonly clock: Clock;
}

export interface CreatePackageResult {
  readonly package: PackageView;
  readonly uploads: Readonly<Record<PackageFile, UploadTarget>>;
  readonly expiresAt: string;
  /** True when an `Idempotency-Key` replayed an earlier create (with freshly signed URLs). */
  readonly replayed: boolean;
}

const FILES: readonly PackageFile[] = ['sii', 'dat'];

export function createPackageService(deps: PackageServiceDeps) {
  const { packages, storage, clock } = deps;

  const notFound = (id: string) => new NotFoundError(`No package ${id.slice(0, 40)}.`);
  const load = (principal: Principal, id: string) => loadPackage(packages, principal, id);

  /** Packages are tenant-wide; a key restricted to some servers manages none. */
  function requireUnrestricted(principal: Principal, what: string): void {
    if (principal.servers !== null)
      throw new ForbiddenError(`A key restricted to some servers cannot ${what}.`);
  }

  async function uploadsFor(pkg: PackageRecord, sizes: CreatePackageRequest['sizes']) {
    const entries = await Promise.all(
      FILES.map(async (file) => {
        const { contentType, maxBytes } = PACKAGE_FILES[file];
        const target = await storage.presignUpload(objectKeys.upload(pkg.tenantId, pkg.id, file), {
          contentType,
          contentLength: sizes?.[file],
          maxBytes,
          expiresIn: UPLOAD_URL_SECONDS,
        });
        return [file, target] as const;
      }),
    );
    return Object.fromEntries(entries) as Record<PackageFile, UploadTarget>;
  }

  async function created(pkg: PackageRecord, request: CreatePackageRequest, replayed: boolean) {
    const expiresAt = new Date(clock.now().getTime() + UPLOAD_URL_SECONDS * 1000).toISOString();
    return {
      package: toPackageView(pkg),
      uploads: await uploadsFor(pkg, request.sizes),
      expiresAt,
      replayed,
    };
  }

  async function replay(
    principal: Principal,
    key: string,
    fingerprint: string,
    request: CreatePackageRequest,
  ) {
    const record = await packages.idempotencyRecord(principal.tenantId, key);
    if (!record) return null;
    if (record.fingerprint !== fingerprint) {
      throw new UnprocessableError(
        'This Idempotency-Key was already used for a different request; use a new key for a new package.',
      );
    }
    const first = JSON.parse(record.body) as PackageView;
    // The package may have moved on (finalized, deleted): replay what it is now, with fresh URLs.
    const current = await packages.get(principal.tenantId, first.id);
    if (!current) throw notFound(first.id);
    return created(current, request, true);
  }

  /** Marks the package invalid, drops its uploads, and answers 422 with the reasons. */
  async function refuse(pkg: PackageRecord, problems: FieldIssue[], detail: string): Promise<never> {
    await storage.remove(FILES.map((f) => objectKeys.upload(pkg.tenantId, pkg.id, f)));
    const invalid: PackageRecord = {
      ...pkg,
      state: 'invalid',
      problems,
      expiresAt: null,
      updatedAt: clock.now().toISOString(),
      version: pkg.version + 1,
    };
    await packages.update(invalid, pkg.version);
    throw new UnprocessableError(detail, problems);
  }

  return {
    async create(principal: Principal, request: CreatePackageRequest, idempotencyKey?: string) {
      requireUnrestricted(principal, 'create packages');
      // Scoped to packages, so a key once used to create a server is refused here, not replayed.
      const fingerprint = createHash('sha256')
        .update(`packages:${JSON.stringify(request)}`)
        .digest('hex');
      if (idempotencyKey) {
        const replayedResult = await replay(principal, idempotencyKey, fingerprint, request);
        if (replayedResult) return replayedResult;
      }
      const now = clock.now();
      const expires = new Date(Math.floor(now.getTime() / 1000) * 1000 + PENDING_HOURS * 3_600_000);
      const pkg: PackageRecord = {
        id: newId('pkg', now.getTime()),
        tenantId: principal.tenantId,
        game: request.game,
        name: request.name,
        state: 'pending',
        manifest: null,
        problems: null,
        createdAt: now.toISOString(),
        updatedAt: now.toISOString(),
        expiresAt: expires.toISOString(),
        version: 1,
      };
      const body = JSON.stringify(toPackageView(pkg));
      try {
        await packages.create(
          pkg,
          idempotencyKey ? { key: idempotencyKey, fingerprint, status: 201, body } : undefined,
        );
      } catch (error) {
        if (error instanceof IdempotencyKeyTakenError && idempotencyKey) {
          const replayedResult = await replay(principal, idempotencyKey, fingerprint, request);
          if (replayedResult) return replayedResult;
        }
        throw error;
      }
      return created(pkg, request, false);
    },

    /**
     * Checks both uploads (present, within their limits: sizes are checked here in every mode,
     * since s3rver and an unannounced PUT check none), hashes them, reads the manifest and moves
     * the files out of the expiring upload prefix. A ready package answers as it is; an invalid
     * one answers its 422 again.
     */
    async finalize(principal: Principal, id: string): Promise<PackageView> {
      requireUnrestricted(principal, 'finalize packages');
      const pkg = await load(principal, id);
      if (pkg.state === 'ready') return toPackageView(pkg);
      if (pkg.state === 'invalid') {
        throw new UnprocessableError('The package is invalid; create a new one.', pkg.problems ?? []);
      }
      const key = (file: PackageFile) => objectKeys.upload(pkg.tenantId, pkg.id, file);

      const problems: FieldIssue[] = [];
      const oversize: string[] = [];
      for (const file of FILES) {
        const { name, maxBytes } = PACKAGE_FILES[file];
        const size = await storage.size(key(file));
        if (size === null) problems.push({ path: file, message: `${name} was not uploaded` });
        else if (size > maxBytes) {
          problems.push({ path: file, message: `${name} is ${size} bytes; the limit is ${maxBytes}` });
          oversize.push(key(file));
        } else if (size === 0) problems.push({ path: file, message: `${name} is empty` });
      }
      if (problems.length > 0) {
        await storage.remove(oversize);
        return refuse(pkg, problems, 'The package files are missing or too large.');
      }

      const siiBytes = await storage.read(key('sii'), PACKAGE_FILES.sii.maxBytes);
      const dat = await storage.digest(key('dat'), PACKAGE_FILES.dat.maxBytes);
      if (!siiBytes || !dat) {
        return refuse(
          pkg,
          [{ path: siiBytes ? 'dat' : 'sii', message: 'was replaced or grew past its limit' }],
          'The package files changed while they were checked.',
        );
      }
      const sii: FileDigest = {
        bytes: siiBytes.byteLength,
        sha256: createHash('sha256').update(siiBytes).digest('hex'),
      };

      let manifest: PackageManifest;
      try {
        manifest = { ...readManifest(siiBytes), sii, dat };
      } catch (error) {
        if (!(error instanceof SiiParseError)) throw error;
        return refuse(
          pkg,
          [...error.errors],
          `server_packages.sii does not parse: ${error.reason} at line ${error.line}.`,
        );
      }
      const wrongMap = mapIssue(manifest, pkg.game);
      if (wrongMap)
        return refuse(
          pkg,
          [{ path: 'sii.map_name', message: wrongMap }],
          `The export is not for ${pkg.game}.`,
        );

      for (const file of FILES) await storage.copy(key(file), objectKeys.stored(pkg.tenantId, pkg.id, file));
      const ready: PackageRecord = {
        ...pkg,
        state: 'ready',
        manifest,
        problems: null,
        expiresAt: null,
        updatedAt: clock.now().toISOString(),
        version: pkg.version + 1,
      };
      try {
        await packages.update(ready, pkg.version);
      } catch (error) {
        // A concurrent finalize of the same package won: answer with what it stored.
        if (error instanceof ConcurrentModificationError) return toPackageView(await load(principal, id));
        throw error;
      }
      await storage.remove(FILES.map(key));
      return toPackageView(ready);
    },

    /** 409 while a server (or the deployment default) uses it; the decision is one conditional delete. */
    async remove(principal: Principal, id: string): Promise<void> {
      requireUnrestricted(principal, 'delete packages');
      const pkg = await load(principal, id);
      const outcome = await packages.remove(pkg.tenantId, pkg.id);
      if (outcome === 'missing') throw notFound(id);
      if (outcome === 'inUse') {
        throw new ConflictError(
          'A server uses this package (or it is the deployment default): detach it first.',
        );
      }
      await storage.remove(
        FILES.flatMap((f) => [
          objectKeys.upload(pkg.tenantId, pkg.id, f),
          objectKeys.stored(pkg.tenantId, pkg.id, f),
        ]),
      );
    },
  };
}

export type PackageService = ReturnType<typeof createPackageService>;
