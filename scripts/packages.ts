/**
 * The operator's packages CLI: sets and shows the deployment's default mod package per game,
 * the one a server without `packageId` starts with. The package must be `ready` (upload and
 * finalize it through the API first); while it is the default it cannot be deleted.
 *
 *   npm run packages -- default --game ets2 --tenant acme --id pkg_...
 *   npm run packages -- show-default --game ets2
 *
 * Target: as for `npm run keys` — the running local stack, or `--table NAME [--region R]`.
 */
import { parseArgs } from 'node:util';
import { createPackageRepository } from '../shared/adapters/dynamodb/package-repository.ts';
import { TenantIdSchema } from '../shared/domain/api-key.ts';
import { ConvoyError, ValidationError } from '../shared/domain/errors.ts';
import { PackageIdSchema } from '../shared/domain/package.ts';
import { GAMES } from '../shared/domain/server.ts';
import { parseOrThrow } from '../shared/domain/validation.ts';
import * as z from '../shared/domain/zod.ts';
import { createPackageQueries } from '../shared/services/package-queries.ts';
import { systemClock } from '../shared/services/ports.ts';
import { target, UsageError } from './target.ts';

const USAGE = `usage:
  npm run packages -- default      --game ets2|ats --tenant T --id pkg_... [target]
  npm run packages -- show-default --game ets2|ats [target]
target: none (the local stack of $CONVOY_DATA_DIR) | --table NAME [--region R] (a deployed stack)`;

async function main(argv: string[]): Promise<void> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      game: { type: 'string' },
      tenant: { type: 'string' },
      id: { type: 'string' },
      table: { type: 'string' },
      region: { type: 'string' },
    },
  });
  const [command] = positionals;
  if (!command || !['default', 'show-default'].includes(command)) throw new UsageError('name a command');
  const game = parseOrThrow(z.enum(GAMES), values.game, 'The game is invalid (--game ets2 or ats).');

  const { client, tableName, where } = await target(values.table, values.region);
  const repository = createPackageRepository({ client, tableName, clock: systemClock });

  if (command === 'show-default') {
    const current = await repository.defaultFor(game);
    console.log(current ? `${current.tenantId}\t${current.packageId}` : 'none');
    return;
  }
  const tenantId = parseOrThrow(TenantIdSchema, values.tenant, 'The tenant id is invalid (--tenant).');
  const packageId = parseOrThrow(PackageIdSchema, values.id, 'The package id is invalid (--id).');
  await createPackageQueries({ packages: repository }).setDefault(game, tenantId, packageId);
  console.error(`The ${game} default package in ${where} is now ${packageId} (tenant ${tenantId}).`);
}

try {
  await main(process.argv.slice(2));
} catch (error) {
  if (error instanceof UsageError) {
    console.error(`packages: ${error.message}\n${USAGE}`);
  } else if (error instanceof ValidationError) {
    console.error(
      `packages: ${error.message} ${error.errors.map((e) => `${e.path || 'value'} ${e.message}`).join('; ')}`,
    );
  } else if (error instanceof ConvoyError || error instanceof Error) {
    console.error(`packages: ${error.message}`);
  }
  process.exitCode = 2;
}
