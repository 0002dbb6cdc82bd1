/**
 * The lifecycle and server services over in-memory fakes, wired to each other as the
 * composition wires them (a delete terminates the host through the lifecycle), for the service
 * tests that drive servers through their states.
 */

import type { LifecycleServiceDeps } from '../../shared/services/lifecycle.ts';
import { createLifecycleService } from '../../shared/services/lifecycle.ts';
import type { ResolvedPackage } from '../../shared/services/package-queries.ts';
import type { HostProvider } from '../../shared/services/ports.ts';
import { createServerService } from '../../shared/services/servers.ts';
import { InMemoryServerIndex } from './fake-hosts.ts';
import { FixedClock, InMemoryPackageCatalog, InMemoryServerRepository } from './fakes.ts';

const INSTANCE_TYPES = ['t3.medium', 't3.large'] as const;

export interface LifecycleWorldOptions<H extends HostProvider> {
  readonly hosts: H;
  readonly transitionTimeoutMs: number;
  /** @default every server has a package to start with */
  readonly packages?: LifecycleServiceDeps['packages'];
  readonly onError?: LifecycleServiceDeps['onError'];
}

export function lifecycleWorld<H extends HostProvider>(options: LifecycleWorldOptions<H>) {
  const repo = new InMemoryServerRepository();
  const clock = new FixedClock();
  const lifecycle = createLifecycleService({
    servers: repo,
    index: new InMemoryServerIndex(repo),
    hosts: options.hosts,
    packages: options.packages ?? { resolvePackageFor: async () => ({}) as ResolvedPackage },
    clock,
    instanceTypes: INSTANCE_TYPES,
    transitionTimeoutMs: options.transitionTimeoutMs,
    ...(options.onError ? { onError: options.onError } : {}),
  });
  const servers = createServerService({
    servers: repo,
    packages: new InMemoryPackageCatalog(),
    clock,
    instanceTypes: INSTANCE_TYPES,
    onDeleting: (server, actor) => lifecycle.terminateHost(server, actor),
  });
  return { repo, clock, hosts: options.hosts, lifecycle, servers };
}
