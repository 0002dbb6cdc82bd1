import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderBootstrap } from '../../host/bootstrap/render.ts';
import { type Ec2StandIn, startEc2StandIn } from '../../local/ec2/server.ts';
import { createEc2Client } from '../../shared/adapters/aws-clients.ts';
import { createEc2HostProvider } from '../../shared/adapters/ec2/host-provider.ts';
import { HOST_TAGS } from '../../shared/adapters/ec2/tags.ts';
import type { HostProvider } from '../../shared/services/ports.ts';

let ec2: Ec2StandIn;
let hosts: HostProvider;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(async () => {
  ec2 = await startEc2StandIn({ delayMs: 30 });
  const client = createEc2Client({ region: 'us-east-1', endpoints: { ec2: ec2.endpoint } });
  hosts = createEc2HostProvider({ client, launchTemplateId: 'lt-0test', deployment: 'it', pageSize: 5 });
});
afterAll(() => ec2.close());

const launch = (
  serverId: string,
  token = `${serverId}-launch-1`,
  types: [string, ...string[]] = ['t3.medium', 't3.large'],
) => hosts.launch({ serverId, tenantId: 'acme', clientToken: token, instanceTypes: types });

async function until<T>(read: () => Promise<T>, ok: (value: T) => boolean): Promise<T> {
  for (let i = 0; i < 100; i++) {
    const value = await read();
    if (ok(value)) return value;
    await sleep(20);
  }
  throw new Error('condition not reached');
}

describe('the EC2 host provider against the stand-in', () => {
  it('launches once per ClientToken, tagged with the deployment, tenant and server', async () => {
    const before = ec2.fleet.launched;
    const first = await launch('srv_a');
    const again = await launch('srv_a');
    expect(first.kind).toBe('launched');
    expect(again).toEqual(first);
    expect(ec2.fleet.launched - before).toBe(1);
    const id = first.kind === 'launched' ? first.instanceId : '';
    const instance = ec2.fleet.instances.get(id);
    expect(instance?.tags).toEqual([
      { key: HOST_TAGS.deployment, value: 'it' },
      { key: HOST_TAGS.tenant, value: 'acme' },
      { key: HOST_TAGS.server, value: 'srv_a' },
    ]);
    expect(instance?.launchTemplateId).toBe('lt-0test');
  });

  it('falls back to the next instance type on a capacity shortage, and says which it skipped', async () => {
    ec2.fleet.injectFault({
      action: 'RunInstances',
      code: 'InsufficientInstanceCapacity',
      instanceType: 't3.medium',
    });
    const result = await launch('srv_b');
    expect(result).toMatchObject({
      kind: 'launched',
      instanceType: 't3.large',
      skipped: [{ instanceType: 't3.medium', code: 'InsufficientInstanceCapacity' }],
    });
  });

  it('reports a launch that found no capacity in any type as failed', async () => {
    ec2.fleet.injectFault({ action: 'RunInstances', code: 'InsufficientInstanceCapacity', count: 2 });
    await expect(launch('srv_c')).resolves.toEqual({
      kind: 'failed',
      code: 'InsufficientInstanceCapacity',
      skipped: ['t3.medium', 't3.large'],
    });
  });

  it('returns the first launch when a re-driven token meets its own earlier fallback', async () => {
    ec2.fleet.injectFault({
      action: 'RunInstances',
      code: 'InsufficientInstanceCapacity',
      instanceType: 't3.medium',
    });
    const first = await launch('srv_d');
    const before = ec2.fleet.launched;
    const redriven = await launch('srv_d');
    expect(redriven).toMatchObject({ kind: 'launched', instanceType: 't3.large', skipped: [] });
    expect(
      redriven.kind === 'launched' && first.kind === 'launched' && redriven.instanceId === first.instanceId,
    ).toBe(true);
    expect(ec2.fleet.launched).toBe(before);
  });

  it('boots the host with the rendered bootstrap, byte for byte, and replays it on a retried launch', async () => {
    const userData = renderBootstrap({
      game: 'ats',
      branch: 'public',
      agentUrl: 'https://s3.us-east-1.amazonaws.com/cdk-assets/agent.mjs',
      agentSha256: 'a'.repeat(64),
      apiUrl: 'https://api.example.test',
    });
    const request = {
      serverId: 'srv_u',
      tenantId: 'acme',
      clientToken: 'srv_u-launch-1',
      instanceTypes: ['t3.medium'] as [string],
      userData,
    };
    const first = await hosts.launch(request);
    const before = ec2.fleet.launched;
    expect(await hosts.launch(request)).toEqual(first);
    expect(ec2.fleet.launched).toBe(before);
    const id = first.kind === 'launched' ? first.instanceId : '';
    expect(ec2.fleet.instances.get(id)?.userData).toBe(userData);
  });

  it('retries throttling with the SDK backoff', async () => {
    const calls = () => ec2.fleet.calls.get('DescribeInstances') ?? 0;
    const before = calls();
    ec2.fleet.injectFault({ action: 'DescribeInstances', code: 'RequestLimitExceeded', count: 2 });
    await expect(hosts.list()).resolves.toMatchObject({ hosts: expect.any(Array) });
    expect(calls() - before).toBe(3);
  });

  it('maps state errors and unknown instances to outcomes', async () => {
    const launched = await launch('srv_e');
    const id = launched.kind === 'launched' ? launched.instanceId : '';
    await expect(hosts.stop(id)).resolves.toBe('incorrectState');
    const running = await until(
      () => hosts.describe(id),
      (h) => h?.power === 'running',
    );
    expect(running?.address).toMatch(/^198\.51\.100\.\d+$/);
    expect(running).toMatchObject({ serverId: 'srv_e', tenantId: 'acme' });
    await expect(hosts.stop(id)).resolves.toBe('ok');
    await expect(hosts.start(id)).resolves.toBe('incorrectState');
    await until(
      () => hosts.describe(id),
      (h) => h?.power === 'stopped',
    );
    await expect(hosts.start(id)).resolves.toBe('ok');
    await expect(hosts.terminate(id)).resolves.toBe('ok');
    await until(
      () => hosts.describe(id),
      (h) => h?.power === 'terminated',
    );
    await expect(hosts.start(id)).resolves.toBe('incorrectState');
    await expect(hosts.start('i-0000000000000dead')).resolves.toBe('notFound');
    await expect(hosts.describe('i-0000000000000dead')).resolves.toBeNull();
  });

  it('pages through the deployment tag only', async () => {
    const other = createEc2HostProvider({
      client: createEc2Client({ region: 'us-east-1', endpoints: { ec2: ec2.endpoint } }),
      launchTemplateId: 'lt-0test',
      deployment: 'someone-else',
    });
    await other.launch({
      serverId: 'srv_x',
      tenantId: 't',
      clientToken: 'x-1',
      instanceTypes: ['t3.medium'],
    });
    for (let i = 0; i < 7; i++) await launch(`srv_page${i}`);
    const seen: string[] = [];
    let token: string | null = null;
    let pages = 0;
    do {
      const page = await hosts.list(token);
      pages++;
      seen.push(...page.hosts.map((h) => h.serverId ?? ''));
      token = page.nextToken;
    } while (token);
    const mine = [...ec2.fleet.instances.values()].filter((i) => i.tags.some((t) => t.value === 'it'));
    expect(seen).toHaveLength(mine.length);
    expect(seen).not.toContain('srv_x');
    expect(pages).toBe(Math.ceil(mine.length / 5));
  });
});
