/**
 * Local mode's default packages: a start needs a mod package (the server's own or the
 * deployment's default for its game), and nobody trying the stack on a laptop has exported one
 * from the game yet. So on a start with no default for a game, the stack uploads a real vanilla
 * export (`local/seed/`) through the same flow a user's upload takes — create, presigned PUTs to
 * the S3 stand-in, finalize — as a package of the `local` tenant, and makes it that game's
 * default, as an operator would with `npm run packages -- default`. A default set by hand is
 * never replaced. The `.dat` is a placeholder: the simulated host does not read it.
 */
import { readFile } from 'node:fs/promises';
import { packageQueries } from '../shared/composition-package-queries.ts';
import { packageService } from '../shared/composition-packages.ts';
import type { Principal } from '../shared/domain/api-key.ts';
import type { UploadTarget } from '../shared/domain/package.ts';
import type { Game } from '../shared/domain/server.ts';
import { GAMES } from '../shared/domain/server.ts';
import { LOCAL_TENANT } from './admin-key.ts';

const NAMES: Record<Game, string> = {
  ets2: 'Euro Truck Simulator 2, no DLC (local default)',
  ats: 'American Truck Simulator with map DLC (local default)',
};
const PLACEHOLDER_DAT = Buffer.from(
  'convoy-cloud local default package: the simulated host does not read this file\n',
);
const SEEDER: Principal = {
  tenantId: LOCAL_TENANT,
  keyId: 'local-seed',
  scopes: ['packages:read', 'packages:write'],
  servers: null,
};

/** Makes sure each game has a default package; returns the ids it created, by game. */
export async function ensureDefaultPackages(): Promise<Partial<Record<Game, string>>> {
  const made: Partial<Record<Game, string>> = {};
  for (const game of GAMES) {
    if (await packageQueries().defaultFor(game)) continue;
    const sii = await readFile(new URL(`seed/${game}.server_packages.sii`, import.meta.url));
    const { package: pkg, uploads } = await packageService().create(SEEDER, {
      game,
      name: NAMES[game],
      sizes: { sii: sii.length, dat: PLACEHOLDER_DAT.length },
    });
    await put(uploads.sii, sii);
    await put(uploads.dat, PLACEHOLDER_DAT);
    await packageService().finalize(SEEDER, pkg.id);
    await packageQueries().setDefault(game, LOCAL_TENANT, pkg.id);
    made[game] = pkg.id;
  }
  return made;
}

async function put(target: UploadTarget, body: Buffer): Promise<void> {
  const response = await fetch(target.url, { method: target.method, headers: target.headers, body });
  if (!response.ok) throw new Error(`seeding a default package: PUT answered ${response.status}`);
}
