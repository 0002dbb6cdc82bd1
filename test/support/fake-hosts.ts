/** An in-memory HostProvider and ServerIndex for unit tests: EC2's rules, no timers, no network. */
import type { HostPower } from '../../shared/domain/host-sync.ts';
import type { ServerRecord } from '../../shared/domain/server.ts';
import type {
  HostPage,
  HostProvider,
  LaunchRequest,
  LaunchResult,
  PowerResult,
  ServerIndex,
  TaggedHost,
} from '../../shared/services/ports.ts';
import type { InMemoryServerRepository } from './fakes.ts';

interface FakeHost {
  instanceId: string;
  power: HostPower;
  address: string | null;
  serverId: string;
  tenantId: string;
  instanceType: string;
}

export class FakeHostProvider implements HostProvider {
  readonly hosts = new Map<string, FakeHost>();
  readonly calls: string[] = [];
  /** Instance types without capacity. */
  readonly noCapacity = new Set<string>();
  /** Makes the next launches throw, as a persistent throttle or a crash would. */
  failLaunches = 0;
  private readonly tokens = new Map<string, string>();
  private next = 1;

  async launch(request: LaunchRequest): Promise<LaunchResult> {
    this.calls.push(`launch ${request.clientToken}`);
    if (this.failLaunches > 0) {
      this.failLaunches--;
      throw new Error('RequestLimitExceeded');
    }
    const known = this.tokens.get(request.clientToken);
    if (known) {
      const host = this.hosts.get(known) as FakeHost;
      return { kind: 'launched', instanceId: known, instanceType: host.instanceType, skipped: [] };
    }
    const skipped: { instanceType: string; code: string }[] = [];
    for (const instanceType of request.instanceTypes) {
      if (this.noCapacity.has(instanceType)) {
        skipped.push({ instanceType, code: 'InsufficientInstanceCapacity' });
        continue;
      }
      const instanceId = `i-${String(this.next++).padStart(17, '0')}`;
      this.hosts.set(instanceId, {
        instanceId,
        power: 'pending',
        address: null,
        serverId: request.serverId,
        tenantId: request.tenantId,
        instanceType,
      });
      this.tokens.set(request.clientToken, instanceId);
      return { kind: 'launched', instanceId, instanceType, skipped };
    }
    return {
      kind: 'failed',
      code: 'InsufficientInstanceCapacity',
      skipped: skipped.map((s) => s.instanceType),
    };
  }

  async start(id: string): Promise<PowerResult> {
    return this.power(id, 'start', ['stopped', 'pending', 'running'], 'pending');
  }
  async stop(id: string): Promise<PowerResult> {
    return this.power(id, 'stop', ['running', 'stopping', 'stopped'], 'stopping');
  }
  async terminate(id: string): Promise<PowerResult> {
    return this.power(
      id,
      'terminate',
      ['pending', 'running', 'stopping', 'stopped', 'shutting-down', 'terminated'],
      'shutting-down',
    );
  }

  async describe(id: string): Promise<TaggedHost | null> {
    const host = this.hosts.get(id);
    return host ? { ...host } : null;
  }

  async list(nextToken?: string | null): Promise<HostPage> {
    const all = [...this.hosts.values()];
    const offset = Number(nextToken ?? 0);
    const page = all.slice(offset, offset + 2);
    return {
      hosts: page.map((h) => ({ ...h })),
      nextToken: offset + 2 < all.length ? String(offset + 2) : null,
    };
  }

  /** Moves a host on, as EC2's timers would (pending → running, stopping → stopped, ...). */
  settle(id: string): void {
    const host = this.hosts.get(id);
    if (!host) return;
    const next: Partial<Record<HostPower, HostPower>> = {
      pending: 'running',
      stopping: 'stopped',
      'shutting-down': 'terminated',
    };
    host.power = next[host.power] ?? host.power;
    host.address = host.power === 'running' ? `198.51.100.${host.instanceId.slice(-2)}` : null;
  }

  private power(id: string, call: string, allowed: HostPower[], to: HostPower): PowerResult {
    this.calls.push(`${call} ${id}`);
    const host = this.hosts.get(id);
    if (!host) return 'notFound';
    if (!allowed.includes(host.power)) return 'incorrectState';
    if (host.power === 'stopped' || host.power === 'running' || call === 'terminate') {
      if (!(call === 'start' && host.power === 'running') && !(call === 'stop' && host.power === 'stopped')) {
        if (host.power !== 'terminated') host.power = to;
      }
    }
    return 'ok';
  }
}

export class InMemoryServerIndex implements ServerIndex {
  constructor(private readonly repo: InMemoryServerRepository) {}
  async findByInstance(instanceId: string) {
    return [...this.repo.servers.values()].find((s) => s.instanceId === instanceId) ?? null;
  }
  async *active() {
    for (const server of [...this.repo.servers.values()]) {
      if (['starting', 'running', 'stopping', 'deleting'].includes(server.state)) yield server;
    }
  }
  /** Pages of `pageSize`, so that callers see more than one page. */
  async *activePages(pageSize = 3) {
    let page: ServerRecord[] = [];
    for await (const server of this.active()) {
      page.push(server);
      if (page.length === pageSize) {
        yield page;
        page = [];
      }
    }
    if (page.length) yield page;
  }
}
