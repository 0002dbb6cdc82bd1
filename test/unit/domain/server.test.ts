import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../shared/domain/errors.ts';
import {
  CreateServerRequestSchema,
  DEFAULT_CONFIG,
  mergeConfig,
  PatchServerRequestSchema,
  type ServerRecord,
  toServerView,
} from '../../../shared/domain/server.ts';
import { issuesOf } from '../../../shared/domain/validation.ts';

const pathsOf = (input: unknown) => {
  const result = CreateServerRequestSchema.safeParse(input);
  return result.success ? [] : issuesOf(result.error).map((i) => i.path);
};

const configErrors = (patch: Record<string, unknown>) => {
  try {
    mergeConfig(DEFAULT_CONFIG, patch);
    return [];
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return (error as ValidationError).errors.map((e) => e.path);
  }
};

describe('server create request', () => {
  it('accepts the minimal request of a name and a game', () => {
    expect(pathsOf({ name: 'Friday Night Convoy', game: 'ets2' })).toEqual([]);
  });

  it.each([
    ['a double quote', 'Friday "Convoy"'],
    ['a backslash', 'C:\\convoy'],
    ['a line feed', 'line\nbreak'],
    ['a carriage return', 'line\rbreak'],
    ['a tab', 'tab\there'],
    ['a NUL', 'nul\u0000'],
    ['DEL', 'del\u007f'],
    ['a C1 next-line', 'next\u0085line'],
    ['a Unicode line separator', 'sep\u2028'],
  ])('refuses a lobby name holding %s', (_what, lobbyName) => {
    expect(pathsOf({ name: 'x', game: 'ets2', config: { lobbyName } })).toEqual(['config.lobbyName']);
  });

  it('accepts unicode text that cannot break out of an SII string', () => {
    expect(
      pathsOf({
        name: 'Konvoi Köln–Łódź 🚛',
        game: 'ets2',
        config: { lobbyName: "Dave's [VTC] 100% legit" },
      }),
    ).toEqual([]);
  });

  it.each([
    ['lobbyName', 63],
    ['description', 63],
    ['welcomeMessage', 127],
    ['password', 63],
  ])('limits %s to %i characters, counting code points', (field, max) => {
    expect(pathsOf({ name: 'x', game: 'ets2', config: { [field]: 'é'.repeat(max) } })).toEqual([]);
    expect(pathsOf({ name: 'x', game: 'ets2', config: { [field]: '🚛'.repeat(max) } })).toEqual([]);
    expect(pathsOf({ name: 'x', game: 'ets2', config: { [field]: 'a'.repeat(max + 1) } })).toEqual([
      `config.${field}`,
    ]);
  });

  it.each([
    [{ maxPlayers: 9 }, 'config.maxPlayers'],
    [{ maxPlayers: 0 }, 'config.maxPlayers'],
    [{ maxPlayers: 2.5 }, 'config.maxPlayers'],
    [{ connectionVirtualPort: 99 }, 'config.connectionVirtualPort'],
    [{ queryVirtualPort: 201 }, 'config.queryVirtualPort'],
    [{ connectionPort: 27014 }, 'config.connectionPort'],
    [{ queryPort: 57015 }, 'config.queryPort'],
    [{ timezones: 3 }, 'config.timezones'],
    [{ moderators: ['7656119800000000'] }, 'config.moderators.0'],
    [{ moderators: ['86561198000000001'] }, 'config.moderators.0'],
    [{ logonToken: 'not-a-token' }, 'config.logonToken'],
    [{ traffic: 'yes' }, 'config.traffic'],
    [{ unknownField: 1 }, 'config.unknownField'],
  ])('refuses %o at %s', (config, path) => {
    expect(pathsOf({ name: 'x', game: 'ets2', config })).toEqual([path]);
  });

  it('names every unknown top-level field', () => {
    expect(pathsOf({ name: 'x', game: 'ets2', colour: 'red', size: 3 })).toEqual(['colour', 'size']);
  });

  it('refuses an unknown game and a missing name', () => {
    expect(pathsOf({ game: 'fs22' })).toEqual(['name', 'game']);
  });

  it('refuses a branch that could reach a shell as anything but a name', () => {
    expect(pathsOf({ name: 'x', game: 'ets2', branch: 'temporary_1_53' })).toEqual([]);
    expect(pathsOf({ name: 'x', game: 'ets2', branch: 'public; rm -rf /' })).toEqual(['branch']);
  });

  it('refuses moderators listed twice', () => {
    const id = '76561198000000001';
    expect(pathsOf({ name: 'x', game: 'ets2', config: { moderators: [id, id] } })).toEqual([
      'config.moderators',
    ]);
  });
});

describe('mergeConfig', () => {
  it('keeps maxAiVehiclesPlayerSpawn ≤ maxAiVehiclesPlayer ≤ maxVehiclesTotal', () => {
    expect(configErrors({ maxVehiclesTotal: 40 })).toEqual(['config.maxAiVehiclesPlayer']);
    expect(configErrors({ maxAiVehiclesPlayer: 30 })).toEqual(['config.maxAiVehiclesPlayerSpawn']);
    expect(
      configErrors({ maxVehiclesTotal: 40, maxAiVehiclesPlayer: 40, maxAiVehiclesPlayerSpawn: 40 }),
    ).toEqual([]);
  });

  it('needs distinct real and distinct virtual ports', () => {
    expect(configErrors({ queryPort: 27015 })).toEqual(['config.queryPort']);
    expect(configErrors({ queryVirtualPort: 100 })).toEqual(['config.queryVirtualPort']);
    expect(configErrors({ connectionPort: 27020, queryPort: 27021 })).toEqual([]);
  });

  it('clears a secret given null and keeps it when the patch omits it', () => {
    const withPassword = mergeConfig(DEFAULT_CONFIG, { password: 'hunter2' });
    expect(mergeConfig(withPassword, { lobbyName: 'x' }).password).toBe('hunter2');
    expect(mergeConfig(withPassword, { password: null }).password).toBe('');
  });
});

describe('patch request', () => {
  it('accepts null for secrets and packageId and refuses null elsewhere', () => {
    expect(PatchServerRequestSchema.safeParse({ packageId: null, config: { password: null } }).success).toBe(
      true,
    );
    expect(PatchServerRequestSchema.safeParse({ config: { lobbyName: null } }).success).toBe(false);
  });
});

describe('toServerView', () => {
  it('shows whether secrets are set, never their values', () => {
    const record: ServerRecord = {
      id: 'srv_01',
      tenantId: 'acme',
      name: 'x',
      game: 'ets2',
      state: 'stopped',
      stateReason: null,
      config: { ...DEFAULT_CONFIG, password: 'hunter2', logonToken: '' },
      packageId: null,
      branch: 'public',
      instanceType: 't3.medium',
      idle: { autoStop: true, afterMinutes: 30, startGraceMinutes: 15 },
      runtime: null,
      instanceId: 'i-123',
      createdAt: 'now',
      updatedAt: 'now',
      version: 1,
    };
    const view = toServerView(record);
    const text = JSON.stringify(view);
    expect(text).not.toContain('hunter2');
    expect(view.config).toMatchObject({ passwordSet: true, logonTokenSet: false });
    expect(view).not.toHaveProperty('tenantId');
    expect(view).not.toHaveProperty('instanceId');
    expect(view.config).not.toHaveProperty('password');
  });
});
