/**
 * Package use cases that need only the table: read, list, the driver compatibility check, and
 * which package a server starts with (`package-resolver.ts`). Kept apart from `packages.ts` so the functions serving
 * them carry no S3 client.
 */

import type { Principal } from '../domain/api-key.ts';
import { ConflictError, NotFoundError } from '../domain/errors.ts';
import { isIdOf } from '../domain/ids.ts';
import type { PackageView } from '../domain/package.ts';
import { toPackageView } from '../domain/package.ts';
import type { Game } from '../domain/server.ts';
import type { CompatibilityReport } from '../domain/sii/compatibility.ts';
import { checkCompatibility } from '../domain/sii/compatibility.ts';
import { readManifest } from '../domain/sii/manifest.ts';
import { createPackageResolver } from './package-resolver.ts';
import type { PackageRef, PackageRepository, Page, PageRequest } from './ports.ts';

export type { ResolvedPackage } from './package-resolver.ts';

/** The caller's package, or 404 (for another tenant's too). */
export async function loadPackage(packages: PackageRepository, principal: Principal, id: string) {
  const notFound = () => new NotFoundError(`No package ${id.slice(0, 40)}.`);
  if (!isIdOf('pkg', id)) throw notFound();
  const pkg = await packages.get(principal.tenantId, id);
  if (!pkg) throw notFound();
  return pkg;
}

export function createPackageQueries({ packages }: { readonly packages: PackageRepository }) {
  const load = (principal: Principal, id: string) => loadPackage(packages, principal, id);
  return {
    async get(principal: Principal, id: string): Promise<PackageView> {
      return toPackageView(await load(principal, id));
    },

    async list(principal: Principal, page: PageRequest): Promise<Page<PackageView>> {
      const result = await packages.list(principal.tenantId, page);
      return { items: result.items.map(toPackageView), nextCursor: result.nextCursor };
    },

    /** A driver's own `server_packages.sii` against a ready package: what they lack or have extra. */
    async check(principal: Principal, id: string, driverExport: string): Promise<CompatibilityReport> {
      const pkg = await load(principal, id);
      if (pkg.state !== 'ready' || !pkg.manifest)
        throw new ConflictError(`The package is ${pkg.state}, not ready.`);
      return checkCompatibility(pkg.manifest, readManifest(driverExport));
    },

    resolvePackageFor: createPackageResolver({ packages }),

    /** The deployment default for a game, if one is set. */
    defaultFor: (game: Game): Promise<PackageRef | null> => packages.defaultFor(game),

    /** Operator only (the CLI): the deployment default for a game, protected from deletion. */
    async setDefault(game: Game, tenantId: string, packageId: string): Promise<void> {
      await packages.setDefault(game, { tenantId, packageId });
    },
  };
}

export type PackageQueries = ReturnType<typeof createPackageQueries>;
