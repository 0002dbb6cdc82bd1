import { describe, expect, it } from 'vitest';
import { createDocumentClient } from '../../shared/adapters/aws-clients.ts';
import { loadConfig } from '../../shared/config/env.ts';
import { buildLifecycle } from '../../shared/host-composition.ts';
import { InMemoryServerRepository } from '../support/fakes.ts';

const client = createDocumentClient({ region: 'us-east-1', endpoints: {} });
const servers = new InMemoryServerRepository();
const config = (env: Record<string, string>) => loadConfig({ CONVOY_TABLE_NAME: 't', ...env });
const bootstrap = {
  CONVOY_AGENT_URL: 'https://s3.us-east-1.amazonaws.com/assets/agent.mjs',
  CONVOY_AGENT_SHA256: 'b'.repeat(64),
  CONVOY_API_URL: 'https://api.example.test',
};

describe('the lifecycle composition', () => {
  it('refuses to build a lifecycle that launches bare hosts in AWS', () => {
    expect(() => buildLifecycle(config({}), client, servers)).toThrow(/CONVOY_AGENT_URL.*required/);
    expect(() => buildLifecycle(config({ ...bootstrap, CONVOY_API_URL: '' }), client, servers)).toThrow();
  });

  it('builds one that never launches (the reaper), or runs with simulated hosts (local mode), without them', () => {
    expect(() => buildLifecycle(config({}), client, servers, { launches: false })).not.toThrow();
    expect(() => buildLifecycle(config({ CONVOY_LOCAL: 'true' }), client, servers)).not.toThrow();
    expect(() => buildLifecycle(config(bootstrap), client, servers)).not.toThrow();
  });

  it('refuses an agent hash that is not one', () => {
    expect(() => config({ ...bootstrap, CONVOY_AGENT_SHA256: 'xyz' })).toThrow(/CONVOY_AGENT_SHA256/);
  });
});
