/**
 * `npm start`: the whole API on loopback with no AWS account (`stack.ts`). The production handlers
 * and authorizer run behind a local API Gateway, over DynamoDB Local persisted in
 * `$CONVOY_DATA_DIR`. Ctrl+C (or SIGTERM) stops everything it started and removes `endpoints.json`.
 */
import pkg from '../package.json' with { type: 'json' };
import type { AdminKey } from './admin-key.ts';
import { checkDevKey, LOCAL_TENANT, NEW_ADMIN_KEY_COMMAND } from './admin-key.ts';
import { dataDir } from './endpoints.ts';
import type { LocalStack } from './stack.ts';
import { runCleanups, startLocalStack } from './stack.ts';

/** What to undo on shutdown, newest first. */
const cleanups: (() => Promise<void>)[] = [];
let stopping = false;

async function main(): Promise<void> {
  const dir = dataDir();
  const port = portFromEnv();
  const devKey = process.env.CONVOY_DEV_API_KEY || undefined;
  if (devKey) checkDevKey(devKey);
  const stack = await startLocalStack({
    dir,
    port,
    devKey,
    cleanups,
    onDynamoDbExit: () => {
      if (!stopping) void stop('DynamoDB Local exited unexpectedly: stopping.', 1);
    },
  });
  printBanner(stack);
}

function portFromEnv(): number {
  const raw = process.env.PORT || '3000';
  const port = Number(raw);
  if (!/^\d+$/.test(raw) || port > 65_535) {
    throw new Error(`PORT must be a port number (0 picks a free one), not ${raw}.`);
  }
  return port;
}

function printBanner({
  api,
  dynamodb,
  ec2,
  s3,
  bucketName,
  tableName,
  dir,
  adminKey,
  seeded,
}: LocalStack): void {
  const lines = [
    '',
    `convoy-cloud ${pkg.version}, local mode: ready in ${(performance.now() / 1000).toFixed(1)} s`,
    `  API       ${api}`,
    `  DynamoDB  ${dynamodb}  (table ${tableName}; DynamoDB Local listens on every interface)`,
    `  EC2       ${ec2}  (stand-in; game hosts are simulated)`,
    `  S3        ${s3}  (s3rver; bucket ${bucketName})`,
    `  Data      ${dir}`,
    '',
    ...adminKeyLines(adminKey),
    ...Object.entries(seeded).map(
      ([game, id]) =>
        `  Default ${game} package: ${id} (a vanilla export, made now; see local/default-packages.ts)`,
    ),
    '',
    `  Try: curl ${api}/v1/health`,
    `       curl -H "Authorization: Bearer ${exampleKey(adminKey)}" ${api}/v1/servers`,
    '',
    'Ctrl+C to stop.',
    '',
  ];
  process.stdout.write(lines.join('\n'));
}

function adminKeyLines(adminKey: AdminKey): string[] {
  switch (adminKey.kind) {
    case 'dev':
      return [`  Admin API key: the value of CONVOY_DEV_API_KEY (tenant ${LOCAL_TENANT}, every scope).`];
    case 'issued':
      return [
        `  Admin API key (shown once): ${adminKey.secret}`,
        `  (tenant ${LOCAL_TENANT}, every scope; only its hash is stored, so keep it now)`,
      ];
    case 'existing':
      return [
        `  Admin API key: made and shown on the first start (tenant ${LOCAL_TENANT}). To make another:`,
        `    ${NEW_ADMIN_KEY_COMMAND}`,
      ];
  }
}

function exampleKey(adminKey: AdminKey): string {
  if (adminKey.kind === 'dev') return '$CONVOY_DEV_API_KEY';
  return adminKey.kind === 'issued' ? adminKey.secret : '<admin key>';
}

/** Undoes what was started, newest first, and exits: 0 only for a requested, clean stop. */
async function stop(message: string, exitCode: 0 | 1): Promise<void> {
  stopping = true;
  (exitCode === 0 ? process.stdout : process.stderr).write(`${message}\n`);
  const clean = (await runCleanups(cleanups)) && exitCode === 0;
  process.exit(clean ? 0 : 1);
}

function onSignal(signal: NodeJS.Signals): void {
  // A second Ctrl+C while stopping means "now": exiting still takes Java down (see dynamodb-local.ts).
  if (stopping) process.exit(1);
  void stop(`\n${signal}: stopping…`, 0);
}

process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

main().catch((error: unknown) => {
  // Startup cut short by a signal fails on the way; that stop is already under way.
  if (!stopping) void stop((error as Error).message, 1);
});
