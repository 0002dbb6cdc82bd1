/**
 * The whole local stack in this process: DynamoDB Local, the S3, EC2 and Scheduler stand-ins,
 * simulated game hosts, the jobs and webhook pipeline on timers, and the local API Gateway in
 * front of the production handlers. `npm start` (`start.ts`) runs it and prints where things are;
 * `bench/api.ts` runs it to serve a baseline from the same event loop.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { buildAgent } from '../host/agent/build.ts';
import pkg from '../package.json' with { type: 'json' };
import { createDocumentClient, createDynamoDbClient } from '../shared/adapters/aws-clients.ts';
import { createKeyRepository } from '../shared/adapters/dynamodb/key-repository.ts';
import { ENV } from '../shared/config/env-names.ts';
import { SCHEDULER_ENV } from '../shared/config/scheduler-env.ts';
import { WEBHOOK_ENV } from '../shared/config/webhook-env.ts';
import type { Game } from '../shared/domain/server.ts';
import type { ApiHandler } from '../shared/http/handler.ts';
import { AUTHORIZER, ROUTES } from '../shared/http/routes.ts';
import { JOBS } from '../shared/runtime/jobs.ts';
import { WEBHOOK_FUNCTIONS } from '../shared/runtime/webhook-functions.ts';
import type { AdminKey } from './admin-key.ts';
import { ensureAdminKey } from './admin-key.ts';
import { ensureDefaultPackages } from './default-packages.ts';
import { checkJava, freePort, startDynamoDbLocal } from './dynamodb-local.ts';
import { LOCAL_HOST_ROLE } from './ec2/fleet.ts';
import { startEc2StandIn } from './ec2/server.ts';
import { readEndpoints, removeEndpoints, writeEndpoints } from './endpoints.ts';
import { startSimHosts } from './game-sim/hosts.ts';
import { addSimHostRoutes } from './game-sim/routes.ts';
import type { Authorizer } from './gateway.ts';
import { createGateway } from './gateway.ts';
import { lambdaContext } from './gateway-event.ts';
import { createIamVerifier } from './iam.ts';
import type { JobHandler } from './jobs.ts';
import { startLocalJobs } from './jobs.ts';
import { startS3Local } from './s3-local.ts';
import { startSchedulerStandIn } from './scheduler/server.ts';
import { ensureTable } from './table.ts';
import { startSqsStandIn, startStreamPoller } from './webhooks.ts';

const REPO_ROOT = new URL('../', import.meta.url);
const DEFAULT_TABLE = 'convoy-local';
const DEFAULT_BUCKET = 'convoy-local-packages';
const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

export interface LocalStackOptions {
  /** The data folder: the table, the objects, the schedules, the agents and their hosts. */
  readonly dir: string;
  /** The API's port on loopback; 0 picks a free one. */
  readonly port: number;
  /**
   * The secret of the admin key of tenant `local` (checked by `checkDevKey`).
   * @default - a key is issued, and its secret returned, when the tenant has none
   */
  readonly devKey?: string | undefined;
  /**
   * What to undo is added at the front of this list as soon as it has started, so that the caller
   * can stop a start cut short (by an error or a signal) as well as a finished one: run them in
   * order. The other settings come from the environment, as for `npm start`, which this sets up
   * for the function modules (they read it when imported).
   */
  readonly cleanups: (() => Promise<void>)[];
  /** Called when DynamoDB Local exits, whether stopped through `cleanups` or not. */
  readonly onDynamoDbExit: () => void;
}

export interface LocalStack {
  readonly api: string;
  readonly dynamodb: string;
  readonly ec2: string;
  readonly s3: string;
  readonly bucketName: string;
  readonly tableName: string;
  readonly dir: string;
  readonly adminKey: AdminKey;
  readonly seeded: Partial<Record<Game, string>>;
}

/** Everything `npm start` runs, in this process; resolves once the API answers. */
export async function startLocalStack({
  dir,
  port,
  devKey,
  cleanups,
  onDynamoDbExit,
}: LocalStackOptions): Promise<LocalStack> {
  const tableName = process.env[ENV.tableName] || DEFAULT_TABLE;
  const region = process.env.AWS_REGION || 'us-east-1';
  await refuseIfRunning(dir);
  await checkJava();

  const dbPath = join(dir, 'dynamodb');
  await mkdir(dbPath, { recursive: true });
  // The port is chosen first so the function modules, which read their environment when
  // imported, can load while Java starts.
  const dynamodbEndpoint = `http://127.0.0.1:${await freePort()}`;
  const ec2 = await startEc2StandIn({ delayMs: positiveIntFromEnv('CONVOY_EC2_DELAY_MS', 500) });
  cleanups.unshift(ec2.close);
  // Persisted beside the table, and re-armed from there when the stack starts again.
  const scheduler = await startSchedulerStandIn({
    file: join(dir, 'scheduler', 'schedules.json'),
    tickMs: positiveIntFromEnv('CONVOY_SCHEDULER_TICK_MS', 1_000),
    region,
  });
  cleanups.unshift(scheduler.close);
  const sqs = await startSqsStandIn();
  cleanups.unshift(sqs.close);
  const bucketName = process.env[ENV.bucketName] || DEFAULT_BUCKET;
  // In process and ready in milliseconds; objects persist in the data folder like the table.
  const s3 = await startS3Local({ directory: join(dir, 's3'), bucket: bucketName });
  cleanups.unshift(s3.close);
  Object.assign(process.env, {
    [ENV.s3Endpoint]: s3.endpoint,
    [ENV.bucketName]: bucketName,
    [ENV.ec2Endpoint]: ec2.endpoint,
    // The stand-in accepts any template; the id only has to look like one.
    [ENV.launchTemplateId]: process.env[ENV.launchTemplateId] || 'lt-0local',
    [ENV.deployment]: process.env[ENV.deployment] || 'local',
    [ENV.tableName]: tableName,
    [ENV.dynamodbEndpoint]: dynamodbEndpoint,
    [ENV.version]: pkg.version,
    [ENV.local]: 'true',
    // The EC2 stand-in issues each instance credentials of this role (see local/iam.ts).
    [ENV.hostRoleName]: LOCAL_HOST_ROLE,
    [SCHEDULER_ENV.endpoint]: scheduler.endpoint,
    [WEBHOOK_ENV.queueUrl]: sqs.queueUrl,
    [WEBHOOK_ENV.sqsEndpoint]: sqs.endpoint,
    [SCHEDULER_ENV.groupName]: process.env[SCHEDULER_ENV.groupName] || 'convoy-local',
    [SCHEDULER_ENV.roleArn]: `arn:aws:iam::000000000000:role/convoy-local-scheduler`,
    [SCHEDULER_ENV.targetArn]: `arn:aws:lambda:${region}:000000000000:function:schedule-fire`,
    AWS_REGION: region,
    // No CloudWatch here to read embedded metrics: the lines would only crowd the log (set it to
    // false to see them).
    POWERTOOLS_METRICS_DISABLED: process.env.POWERTOOLS_METRICS_DISABLED || 'true',
    // Dummy credentials: nothing in local mode may ever reach a real AWS account.
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
  });

  const [dynamodb, functions] = await Promise.all([
    startDynamoDbLocal({ port: Number(new URL(dynamodbEndpoint).port), dbPath }).then((db) => {
      cleanups.unshift(db.stop);
      void db.exited.then(onDynamoDbExit);
      return db;
    }),
    loadFunctions(),
  ]);

  const tableClient = createDynamoDbClient({ region, endpoints: { dynamodb: dynamodb.endpoint } });
  await ensureTable(tableClient, tableName).finally(() => tableClient.destroy());
  const documentClient = createDocumentClient({ region, endpoints: { dynamodb: dynamodb.endpoint } });
  const adminKey = await ensureAdminKey(
    createKeyRepository({ client: documentClient, tableName }),
    devKey,
  ).finally(() => documentClient.destroy());
  const seeded = await ensureDefaultPackages();

  const gateway = createGateway({
    routes: ROUTES,
    ...functions,
    region,
    iam: createIamVerifier({ region, lookup: (accessKeyId) => ec2.fleet.credential(accessKeyId) }),
  });
  const api = await gateway.listen(port).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'EADDRINUSE') throw error;
    throw new Error(`Port ${port} is in use: set PORT to another port (PORT=0 picks a free one).`, {
      cause: error,
    });
  });
  cleanups.unshift(gateway.close);
  const stopJobs = startLocalJobs({
    handlers: functions.jobs,
    fleet: ec2.fleet,
    gateway,
    region,
    intervalSeconds: {
      'ec2-reconcile': positiveIntFromEnv('CONVOY_RECONCILE_INTERVAL_S', 300),
      'idle-reaper': positiveIntFromEnv('CONVOY_REAPER_INTERVAL_S', 60),
    },
  });
  cleanups.unshift(stopJobs);
  scheduler.start((functionName, event) => {
    const handler = functions.jobs.get(functionName);
    if (!handler) return Promise.reject(new Error(`No local function ${functionName}`));
    return handler(event, lambdaContext(functionName, region));
  });
  // Lifecycle webhooks: the table's stream drives the dispatcher, the SQS stand-in the deliverer.
  const webhookJobs = await loadWebhookFunctions();
  sqs.start((event) => webhookJobs.deliver(event, lambdaContext(WEBHOOK_FUNCTIONS.deliver.name, region)));
  cleanups.unshift(
    startStreamPoller({
      endpoint: dynamodb.endpoint,
      tableName,
      region,
      handler: (event) => webhookJobs.dispatch(event, lambdaContext(WEBHOOK_FUNCTIONS.dispatch.name, region)),
    }),
  );
  // Every running instance of the stand-in becomes a simulated host running the real, bundled agent.
  const agent = await buildAgent(join(dir, 'agent', 'agent.mjs'));
  const simHosts = startSimHosts({
    fleet: ec2.fleet,
    apiUrl: api,
    region,
    dir: join(dir, 'hosts'),
    agentPath: agent.path,
    heartbeatMs: positiveIntFromEnv('CONVOY_HOST_HEARTBEAT_MS', 5_000),
  });
  addSimHostRoutes(gateway, simHosts);
  cleanups.unshift(simHosts.close);
  await writeEndpoints(
    {
      api,
      dynamodb: dynamodb.endpoint,
      s3: s3.endpoint,
      bucket: bucketName,
      ec2: ec2.endpoint,
      table: tableName,
    },
    dir,
  );
  cleanups.unshift(() => removeEndpoints(dir));

  return {
    api,
    dynamodb: dynamodb.endpoint,
    ec2: ec2.endpoint,
    s3: s3.endpoint,
    bucketName,
    tableName,
    dir,
    adminKey,
    seeded,
  };
}

/** A whole number of at least 1 from the environment, or `fallback` when unset. */
export function positiveIntFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (!raw) return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < 1)
    throw new Error(`${name} must be a positive whole number, not ${raw}.`);
  return Number(raw);
}

/** Two stacks on one data folder would share one database file: refuse while another answers. */
async function refuseIfRunning(dir: string): Promise<void> {
  const running = await readEndpoints(dir).catch(() => null);
  if (!running) return;
  const answers = await fetch(new URL('/v1/health', running.api), {
    signal: AbortSignal.timeout(1_000),
  }).then(
    (response) => response.ok,
    () => false,
  );
  if (answers) {
    throw new Error(
      `convoy-cloud is already running at ${running.api} with the data in ${dir}: stop it, or set CONVOY_DATA_DIR to another folder.`,
    );
  }
}

/** The webhook pipeline's two functions, the same modules Lambda runs. */
async function loadWebhookFunctions(): Promise<Record<'dispatch' | 'deliver', JobHandler>> {
  const load = async (entry: string): Promise<JobHandler> =>
    ((await import(new URL(entry, REPO_ROOT).href)) as { handler: JobHandler }).handler;
  return {
    dispatch: await load(WEBHOOK_FUNCTIONS.dispatch.entry),
    deliver: await load(WEBHOOK_FUNCTIONS.deliver.entry),
  };
}

/** The same modules Lambda runs, named by the route table relative to the repository root. */
async function loadFunctions(): Promise<{
  handlers: Map<string, ApiHandler>;
  authorizer: Authorizer;
  jobs: Map<string, JobHandler>;
}> {
  const load = async (entry: string): Promise<unknown> => {
    const module = (await import(new URL(entry, REPO_ROOT).href)) as { handler?: unknown };
    if (typeof module.handler !== 'function') throw new Error(`${entry} does not export a handler function`);
    return module.handler;
  };
  const [authorizer, ...handlers] = await Promise.all([
    load(AUTHORIZER.entry),
    ...ROUTES.map((r) => load(r.entry)),
  ]);
  const jobs = await Promise.all(JOBS.map((j) => load(j.entry)));
  return {
    authorizer: authorizer as Authorizer,
    handlers: new Map(ROUTES.map((route, i) => [route.name, handlers[i] as ApiHandler])),
    jobs: new Map(JOBS.map((job, i) => [job.name, jobs[i] as JobHandler])),
  };
}

/** Runs `cleanups` in order (newest first, as `startLocalStack` adds them); `false` if one failed. */
export async function runCleanups(cleanups: readonly (() => Promise<void>)[]): Promise<boolean> {
  let clean = true;
  for (const cleanup of cleanups) {
    await cleanup().catch((error: unknown) => {
      clean = false;
      process.stderr.write(`While stopping: ${(error as Error).message}\n`);
    });
  }
  return clean;
}
