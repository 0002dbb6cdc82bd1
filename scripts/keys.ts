/**
 * The operator's keys CLI: makes, lists and deletes API keys directly in the table, for the
 * first admin key of a deployment (no key exists yet to call the API with) and for recovery.
 *
 *   npm run keys -- create --tenant acme --name discord-bot --scopes servers:read,servers:power [--servers srv_1,srv_2]
 *   npm run keys -- list   --tenant acme
 *   npm run keys -- delete --tenant acme --id key_...
 *
 * Target: a running local stack (found through $CONVOY_DATA_DIR/endpoints.json), or a deployed
 * stack with `--table <TableName output of ConvoyData> [--region eu-central-1]` and the caller's
 * AWS credentials. The new secret goes alone to standard output; everything else to stderr.
 */
import { parseArgs } from 'node:util';
import { createKeyRepository } from '../shared/adapters/dynamodb/key-repository.ts';
import type { Scope } from '../shared/domain/api-key.ts';
import { CreateKeyRequestSchema, SCOPES, TenantIdSchema } from '../shared/domain/api-key.ts';
import { ConvoyError, ValidationError } from '../shared/domain/errors.ts';
import { parseOrThrow } from '../shared/domain/validation.ts';
import { createKeyService } from '../shared/services/keys.ts';
import { systemClock } from '../shared/services/ports.ts';
import { target, UsageError } from './target.ts';

const USAGE = `usage:
  npm run keys -- create --tenant T --name N --scopes a,b [--servers srv_1,srv_2] [target]
  npm run keys -- list   --tenant T [target]
  npm run keys -- delete --tenant T --id key_... [target]
target: none (the local stack of $CONVOY_DATA_DIR) | --table NAME [--region R] (a deployed stack)
scopes: ${SCOPES.join(', ')}`;

const list = (value: string | undefined) =>
  value
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);

async function main(argv: string[]): Promise<void> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      tenant: { type: 'string' },
      name: { type: 'string' },
      scopes: { type: 'string' },
      servers: { type: 'string' },
      id: { type: 'string' },
      table: { type: 'string' },
      region: { type: 'string' },
      limit: { type: 'string' },
    },
  });
  const [command] = positionals;
  if (!command || !['create', 'list', 'delete'].includes(command)) throw new UsageError('name a command');
  if (!values.tenant) throw new UsageError('--tenant is required');
  const tenantId = parseOrThrow(TenantIdSchema, values.tenant, 'The tenant id is invalid.');

  const { client, tableName, where } = await target(values.table, values.region);
  const repository = createKeyRepository({ client, tableName });
  const keys = createKeyService({ keys: repository, clock: systemClock });

  switch (command) {
    case 'create': {
      const request = parseOrThrow(CreateKeyRequestSchema, {
        name: values.name,
        scopes: list(values.scopes) as Scope[] | undefined,
        servers: list(values.servers),
      });
      const { key, secret } = await keys.issue({ ...request, tenantId });
      console.error(`Created ${key.id} "${key.name}" for tenant ${tenantId} in ${where}.`);
      console.error(`Scopes: ${key.scopes.join(', ')}; servers: ${key.servers?.join(', ') ?? 'all'}.`);
      console.error('The secret below is shown once; store it now.');
      console.log(secret);
      return;
    }
    case 'list': {
      let cursor: string | undefined;
      do {
        const page = await repository.list(tenantId, { limit: 100, cursor });
        for (const k of page.items) {
          console.log(
            `${k.id}\t${k.createdAt}\t${k.name}\t${k.scopes.join(',')}\t${k.servers?.join(',') ?? '*'}`,
          );
        }
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      return;
    }
    case 'delete': {
      if (!values.id) throw new UsageError('--id is required');
      if (!(await repository.remove(tenantId, values.id))) {
        throw new UsageError(`tenant ${tenantId} has no key ${values.id}`);
      }
      console.error(`Deleted ${values.id}.`);
      return;
    }
  }
}

try {
  await main(process.argv.slice(2));
} catch (error) {
  if (error instanceof UsageError) {
    console.error(`keys: ${error.message}\n${USAGE}`);
  } else if (error instanceof ValidationError) {
    console.error(
      `keys: ${error.message} ${error.errors.map((e) => `${e.path || 'value'} ${e.message}`).join('; ')}`,
    );
  } else if (error instanceof ConvoyError || error instanceof Error) {
    console.error(`keys: ${error.message}`);
  }
  process.exitCode = 2;
}
