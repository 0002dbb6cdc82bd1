import { readFileSync } from 'node:fs';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  UnprocessableError,
} from '../../../shared/domain/errors.ts';
import { NO_PACKAGE_DETAIL, objectKeys, PACKAGE_FILES } from '../../../shared/domain/package.ts';
import type { PackageQueries } from '../../../shared/services/package-queries.ts';
import { createPackageQueries } from '../../../shared/services/package-queries.ts';
import type { PackageService } from '../../../shared/services/packages.ts';
import { createPackageService } from '../../../shared/services/packages.ts';
import { FixedClock } from '../../support/fakes.ts';
import { SYNTHETIC_MANIFEST } from '../../support/manifests.ts';
import { InMemoryPackageRepository, InMemoryPackageStorage } from '../../support/package-fakes.ts';
import { admin } from '../../support/principals.ts';

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/${name}`, import.meta.url));

let clock: FixedClock;
let repository: InMemoryPackageRepository;
let storage: InMemoryPackageStorage;
let packages: PackageService;
let queries: PackageQueries;
const caller = admin('acme');

beforeEach(() => {
  clock = new FixedClock();
  repository = new InMemoryPackageRepository(clock);
  storage = new InMemoryPackageStorage();
  packages = createPackageService({ packages: repository, storage, clock });
  queries = createPackageQueries({ packages: repository });
});

/** Creates a package and "uploads" its two files. */
async function uploaded(
  sii: Buffer | string,
  dat: Buffer = Buffer.from('dat'),
  game: 'ets2' | 'ats' = 'ets2',
) {
  const { package: pkg } = await packages.create(caller, { game, name: 'Friday' });
  storage.objects.set(objectKeys.upload('acme', pkg.id, 'sii'), Buffer.from(sii));
  storage.objects.set(objectKeys.upload('acme', pkg.id, 'dat'), dat);
  return pkg.id;
}

async function refusal(promise: Promise<unknown>): Promise<UnprocessableError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UnprocessableError);
  return error as UnprocessableError;
}

describe('package service', () => {
  it('creates a pending package with presigned uploads bound to length and type', async () => {
    const result = await packages.create(caller, {
      game: 'ets2',
      name: 'Friday',
      sizes: { sii: 10, dat: 20 },
    });
    expect(result.package).toMatchObject({
      state: 'pending',
      manifest: null,
      expiresAt: '2026-11-23T10:00:00.000Z',
    });
    expect(result.uploads.sii).toMatchObject({
      method: 'PUT',
      headers: { 'content-type': 'text/plain', 'content-length': '10' },
      maxBytes: PACKAGE_FILES.sii.maxBytes,
    });
    expect(result.uploads.dat.maxBytes).toBe(64 * 1024 * 1024);
    expect(result.expiresAt).toBe('2026-11-22T10:15:00.000Z');
  });

  it('replays a create with the same Idempotency-Key and refuses the key for another request', async () => {
    const first = await packages.create(caller, { game: 'ets2', name: 'A' }, 'k');
    const again = await packages.create(caller, { game: 'ets2', name: 'A' }, 'k');
    expect(again).toMatchObject({ replayed: true, package: { id: first.package.id } });
    await expect(packages.create(caller, { game: 'ets2', name: 'B' }, 'k')).rejects.toThrow(
      UnprocessableError,
    );
  });

  it('refuses keys restricted to some servers', async () => {
    await expect(
      packages.create(admin('acme', { servers: ['srv_x'] }), { game: 'ets2', name: 'A' }),
    ).rejects.toThrow(ForbiddenError);
  });

  it('finalizes: hashes, reads the manifest, moves the files out of the upload prefix', async () => {
    const sii = fixture('server_packages.synthetic-mods.sii');
    const id = await uploaded(sii);
    const ready = await packages.finalize(caller, id);
    expect(ready.state).toBe('ready');
    expect(ready.manifest).toMatchObject({
      ...SYNTHETIC_MANIFEST,
      sii: { bytes: sii.byteLength },
      dat: { bytes: 3 },
    });
    expect([...storage.objects.keys()].sort()).toEqual([
      objectKeys.stored('acme', id, 'dat'),
      objectKeys.stored('acme', id, 'sii'),
    ]);
    expect(await packages.finalize(caller, id)).toEqual(ready);
  });

  it('marks a package invalid with line numbers when the .sii does not parse', async () => {
    const id = await uploaded('SiiNunit {\nserver_packages_info : x {\n map_name "x"\n}\n}');
    const error = await refusal(packages.finalize(caller, id));
    expect(error.errors[0]?.path).toBe('line 3:11');
    expect(await queries.get(caller, id)).toMatchObject({ state: 'invalid', problems: error.errors });
    expect(storage.objects.size).toBe(0);
    expect((await refusal(packages.finalize(caller, id))).errors).toEqual(error.errors);
  });

  it('refuses an oversize .dat and deletes it', async () => {
    const id = await uploaded(
      fixture('server_packages.ets2-vanilla.sii'),
      Buffer.alloc(PACKAGE_FILES.dat.maxBytes + 1),
    );
    const error = await refusal(packages.finalize(caller, id));
    expect(error.errors).toEqual([{ path: 'dat', message: expect.stringContaining('limit') }]);
    expect(storage.objects.size).toBe(0);
  });

  it('refuses a missing file and an export of the other game', async () => {
    const { package: pkg } = await packages.create(caller, { game: 'ets2', name: 'x' });
    expect((await refusal(packages.finalize(caller, pkg.id))).errors.map((e) => e.path)).toEqual([
      'sii',
      'dat',
    ]);
    const ats = await uploaded(fixture('server_packages.ats-dlc.sii'));
    expect((await refusal(packages.finalize(caller, ats))).errors[0]?.message).toContain('/map/usa.mbd');
  });

  it('forgets a pending package after a day', async () => {
    const id = await uploaded(fixture('server_packages.ets2-vanilla.sii'));
    clock.advance(24 * 3_600_000);
    await expect(packages.finalize(caller, id)).rejects.toThrow(NotFoundError);
  });

  it('deletes an unused package and its files; refuses one in use', async () => {
    const id = await uploaded(fixture('server_packages.ets2-vanilla.sii'));
    await packages.finalize(caller, id);
    repository.usedBy.set(id, new Set(['srv_1']));
    await expect(packages.remove(caller, id)).rejects.toThrow(ConflictError);
    repository.usedBy.clear();
    await packages.remove(caller, id);
    expect(storage.objects.size).toBe(0);
    await expect(queries.get(caller, id)).rejects.toThrow(NotFoundError);
  });

  it('hides other tenants’ packages', async () => {
    const id = await uploaded(fixture('server_packages.ets2-vanilla.sii'));
    await expect(queries.get(admin('other'), id)).rejects.toThrow(NotFoundError);
    await expect(packages.remove(admin('other'), id)).rejects.toThrow(NotFoundError);
  });
});

describe('package queries', () => {
  it('checks a driver export against a ready package, and refuses a pending one', async () => {
    const id = await uploaded(fixture('server_packages.synthetic-mods.sii'));
    await expect(queries.check(caller, id, 'x')).rejects.toThrow(ConflictError);
    await packages.finalize(caller, id);
    const report = await queries.check(caller, id, fixture('server_packages.ets2-vanilla.sii').toString());
    expect(report).toMatchObject({ compatible: false, map: { matches: true } });
    expect(report.dlc.missing).toHaveLength(4);
    expect(report.mods.missing).toHaveLength(2);
  });

  it('resolves a server’s own package, else the deployment default, else 409 saying how', async () => {
    const own = await uploaded(fixture('server_packages.ets2-vanilla.sii'));
    await packages.finalize(caller, own);
    const server = { tenantId: 'acme', game: 'ets2' as const, packageId: own };
    expect(await queries.resolvePackageFor(server)).toMatchObject({
      isDefault: false,
      package: { id: own },
      objects: { sii: objectKeys.stored('acme', own, 'sii') },
    });
    const orphan = { tenantId: 'other', game: 'ets2' as const, packageId: null };
    await expect(queries.resolvePackageFor(orphan)).rejects.toThrow(NO_PACKAGE_DETAIL);
    await queries.setDefault('ets2', 'acme', own);
    expect(await queries.resolvePackageFor(orphan)).toMatchObject({ isDefault: true, package: { id: own } });
    await expect(queries.resolvePackageFor({ ...orphan, game: 'ats' })).rejects.toThrow(ConflictError);
  });
});
