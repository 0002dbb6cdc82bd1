import { beforeEach, describe, expect, it } from 'vitest';
import { ForbiddenError, NotFoundError } from '../../../shared/domain/errors.ts';
import { hashKeySecret } from '../../../shared/domain/ids.ts';
import { createKeyService, type KeyService } from '../../../shared/services/keys.ts';
import { FixedClock, InMemoryKeyRepository } from '../../support/fakes.ts';
import { admin } from '../../support/principals.ts';

let repo: InMemoryKeyRepository;
let keys: KeyService;

beforeEach(() => {
  repo = new InMemoryKeyRepository();
  keys = createKeyService({ keys: repo, clock: new FixedClock() });
});

describe('API keys', () => {
  it('shows a cvk_ secret once and stores only its hash', async () => {
    const { key, secret } = await keys.create(admin('acme'), { name: 'bot', scopes: ['servers:read'] });
    expect(secret).toMatch(/^cvk_[A-Za-z0-9_-]{43}$/);
    expect([...repo.byHash.keys()]).toEqual([hashKeySecret(secret)]);
    expect(JSON.stringify([...repo.byHash.values()])).not.toContain(secret);
    expect(key).not.toHaveProperty('secret');
  });

  it('authenticates a secret as its tenant, scopes and servers', async () => {
    const servers = ['srv_00000000000000000000000001'];
    const { key, secret } = await keys.create(admin('acme'), {
      name: 'bot',
      scopes: ['servers:power'],
      servers,
    });
    await expect(keys.authenticate(secret)).resolves.toEqual({
      tenantId: 'acme',
      keyId: key.id,
      scopes: ['servers:power'],
      servers,
    });
  });

  it('does not authenticate unknown, malformed or deleted secrets', async () => {
    const { key, secret } = await keys.create(admin('acme'), { name: 'bot', scopes: ['servers:read'] });
    await expect(keys.authenticate(`${secret}x`)).resolves.toBeNull();
    await expect(keys.authenticate('not-a-key')).resolves.toBeNull();
    await keys.remove(admin('acme'), key.id);
    await expect(keys.authenticate(secret)).resolves.toBeNull();
  });

  it('refuses to grant scopes the creating key lacks', async () => {
    const limited = admin('acme', { scopes: ['keys:admin', 'servers:read'] });
    await expect(keys.create(limited, { name: 'x', scopes: ['servers:write'] })).rejects.toThrow(
      ForbiddenError,
    );
  });

  it('lets a server-restricted key make keys only within its servers', async () => {
    const bot = admin('acme', { servers: ['srv_00000000000000000000000001'] });
    await expect(keys.create(bot, { name: 'x', scopes: ['servers:read'] })).rejects.toThrow(ForbiddenError);
    await expect(
      keys.create(bot, { name: 'x', scopes: ['servers:read'], servers: ['srv_00000000000000000000000001'] }),
    ).resolves.toBeDefined();
  });

  it("cannot delete another tenant's key", async () => {
    const { key } = await keys.create(admin('acme'), { name: 'bot', scopes: ['servers:read'] });
    await expect(keys.remove(admin('globex'), key.id)).rejects.toThrow(NotFoundError);
  });
});
