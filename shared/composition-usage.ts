/** The composition root of the usage functions: the table and the operator's price table. */
import { tableClientFor } from './adapters/aws-clients.ts';
import { createServerRepository } from './adapters/dynamodb/server-repository.ts';
import { createUsageRepository, writeBudget } from './adapters/dynamodb/usage-repository.ts';
import { createBudgetReader } from './adapters/dynamodb/usage-summary.ts';
import type { RuntimeConfig } from './config/env.ts';
import { loadConfig } from './config/env.ts';
import { ENV } from './config/env-names.ts';
import type { PriceTable } from './domain/usage.ts';
import { parsePriceTable } from './domain/usage.ts';
import { systemClock } from './services/ports.ts';
import type { UsageService } from './services/usage.ts';
import { createUsageService } from './services/usage.ts';

export function buildUsageService(config: RuntimeConfig, prices: PriceTable): UsageService {
  const client = tableClientFor(config);
  const clock = systemClock;
  return createUsageService({
    servers: createServerRepository({ client, tableName: config.tableName, clock }),
    usage: createUsageRepository(client, config.tableName),
    prices,
    clock,
    budgets: {
      status: createBudgetReader(client, config.tableName, clock),
      write: (tenantId, monthlyUsd, budgetPrices) =>
        writeBudget(client, config.tableName, tenantId, monthlyUsd, budgetPrices),
    },
  });
}

let service: UsageService | undefined;

/** The usage service, from `process.env` (a bad price table fails the cold start by name). */
export function usageService(): UsageService {
  service ??= buildUsageService(loadConfig(), parsePriceTable(process.env[ENV.prices]));
  return service;
}
