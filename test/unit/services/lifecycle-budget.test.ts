import { describe, expect, it } from 'vitest';
import { PaymentRequiredError } from '../../../shared/domain/errors.ts';
import type { BudgetStatus } from '../../../shared/domain/run.ts';
import { createLifecycleService } from '../../../shared/services/lifecycle.ts';
import type { ResolvedPackage } from '../../../shared/services/package-queries.ts';
import { createServerService } from '../../../shared/services/servers.ts';
import { FakeHostProvider, InMemoryServerIndex } from '../../support/fake-hosts.ts';
import { FixedClock, InMemoryPackageCatalog, InMemoryServerRepository } from '../../support/fakes.ts';
import { admin } from '../../support/principals.ts';

function setup(budget: BudgetStatus | null) {
  const repo = new InMemoryServerRepository();
  const hosts = new FakeHostProvider();
  const clock = new FixedClock();
  const asked: string[] = [];
  const lifecycle = createLifecycleService({
    servers: repo,
    index: new InMemoryServerIndex(repo),
    hosts,
    packages: { resolvePackageFor: async () => ({}) as ResolvedPackage },
    budgetOf: async (tenantId) => {
      asked.push(tenantId);
      return budget;
    },
    clock,
    instanceTypes: ['t3.medium'],
    transitionTimeoutMs: 600_000,
  });
  const servers = createServerService({
    servers: repo,
    packages: new InMemoryPackageCatalog(),
    clock,
    instanceTypes: ['t3.medium'],
  });
  return { repo, hosts, lifecycle, servers, asked };
}

describe('the monthly budget on start', () => {
  it('refuses a start once the spend reaches the budget, writing and launching nothing', async () => {
    const { repo, hosts, lifecycle, servers } = setup({ monthlyUsd: 5, spentUsd: 5.01, fractionUsed: 1.002 });
    const { id } = (await servers.create(admin(), { name: 'Convoy', game: 'ets2' })).server;

    const refused = lifecycle.start(admin(), id);

    await expect(refused).rejects.toBeInstanceOf(PaymentRequiredError);
    await expect(refused).rejects.toMatchObject({ status: 402 });
    expect(repo.servers.get(id)?.state).toBe('stopped');
    expect(hosts.calls).toEqual([]);
  });

  it('starts below the budget, and records the launched type for the run', async () => {
    const { repo, lifecycle, servers, asked } = setup({ monthlyUsd: 5, spentUsd: 3.99, fractionUsed: 0.798 });
    const { id } = (await servers.create(admin(), { name: 'Convoy', game: 'ets2' })).server;

    expect((await lifecycle.start(admin(), id)).status).toBe(202);
    expect(asked).toEqual(['acme']);
    expect(repo.servers.get(id)?.hostInstanceType).toBe('t3.medium');
  });

  it('does not ask when the start changes nothing', async () => {
    const { lifecycle, servers, asked } = setup(null);
    const { id } = (await servers.create(admin(), { name: 'Convoy', game: 'ets2' })).server;
    await lifecycle.start(admin(), id);
    expect(await lifecycle.start(admin(), id)).toMatchObject({ status: 200 });
    expect(asked).toHaveLength(1);
  });
});
