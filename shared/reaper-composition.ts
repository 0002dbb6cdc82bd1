/**
 * The idle reaper's composition root: the table (the active index, observation writes), the
 * A2S query, and the lifecycle for the stop (EC2 StopInstances is all it is granted).
 */
import { createA2sGameQuery } from './adapters/a2s/game-query.ts';
import { tableClientFor } from './adapters/aws-clients.ts';
import { createIdleRecords } from './adapters/dynamodb/idle-records.ts';
import { createServerIndex } from './adapters/dynamodb/server-index.ts';
import { createServerRepository } from './adapters/dynamodb/server-repository.ts';
import type { RuntimeConfig } from './config/env.ts';
import { loadConfig } from './config/env.ts';
import { buildLifecycle } from './host-composition.ts';
import { logger } from './http/logger.ts';
import { systemClock } from './services/ports.ts';
import type { Reaper } from './services/reaper.ts';
import { createReaper } from './services/reaper.ts';

export function buildReaper(config: RuntimeConfig): Reaper {
  const client = tableClientFor(config);
  const { tableName } = config;
  const clock = systemClock;
  const servers = createServerRepository({ client, tableName, clock });
  return createReaper({
    index: createServerIndex({ client, tableName, servers }),
    records: createIdleRecords({ client, tableName }),
    query: createA2sGameQuery(),
    lifecycle: buildLifecycle(config, client, servers, { launches: false }),
    clock,
    onError: (message, error, detail) => logger.warn(message, { ...detail, error: error as Error }),
  });
}

let cached: Reaper | undefined;

/** The process's reaper, from `process.env`; built at the first call (a cold start). */
export function reaper(): Reaper {
  cached ??= buildReaper(loadConfig());
  return cached;
}
