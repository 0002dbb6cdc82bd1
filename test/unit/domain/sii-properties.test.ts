import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ServerConfig } from '../../../shared/domain/server.ts';
import { ServerConfigSchema, siiString } from '../../../shared/domain/server.ts';
import { readManifest } from '../../../shared/domain/sii/manifest.ts';
import type { SiiDocument } from '../../../shared/domain/sii/parser.ts';
import { fieldsOf, MAX_SII_ATTRIBUTES, parseSii, SiiParseError } from '../../../shared/domain/sii/parser.ts';
import { renderServerConfig } from '../../../shared/domain/sii/server-config.ts';

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/${name}`, import.meta.url), 'utf8');
const SEEDS = [
  fixture('server_packages.ets2-vanilla.sii'),
  fixture('server_packages.ats-dlc.sii'),
  fixture('server_packages.synthetic-mods.sii'),
  fixture('server_config.default.sii'),
];

/** Milliseconds to read the manifest of `input`; only the parser's own error may come out. */
function timed(input: string): number {
  const started = performance.now();
  try {
    readManifest(input);
  } catch (error) {
    if (!(error instanceof SiiParseError)) throw error;
  }
  return performance.now() - started;
}

/**
 * Runs the parser and the manifest reader; only their own error may come out, and quickly. An
 * input over the bound is timed twice more and the best counts: slow work is slow every time, a
 * GC pause or a busy core (the suite shares two cores with DynamoDB Local) is not.
 */
function survives(input: string): boolean {
  let ms = timed(input);
  if (ms > 100) ms = Math.min(ms, timed(input), timed(input));
  if (ms > 100) throw new Error(`took ${ms.toFixed(1)} ms`);
  return true;
}

/** Edits at random places of a real export: what a truncated, hand-edited or corrupted upload looks like. */
const mutated = fc
  .tuple(
    fc.constantFrom(...SEEDS),
    fc.array(
      fc.record({
        at: fc.nat(),
        cut: fc.nat({ max: 40 }),
        insert: fc.oneof(
          fc.string({ maxLength: 8 }),
          fc.constantFrom(
            '"',
            '{',
            '}',
            '(',
            ')',
            ':',
            '/*',
            '//',
            '#',
            '\n',
            '[',
            '[99999999]',
            '\\',
            '\u0000',
          ),
        ),
      }),
      { minLength: 1, maxLength: 6 },
    ),
  )
  .map(([seed, edits]) =>
    edits.reduce((text, { at, cut, insert }) => {
      const i = at % (text.length + 1);
      return text.slice(0, i) + insert + text.slice(i + cut);
    }, seed),
  );

describe('SII parser properties', () => {
  it('throws nothing but SiiParseError on arbitrary input, within 100 ms', () => {
    fc.assert(fc.property(fc.string({ unit: 'grapheme', maxLength: 2000 }), survives), { numRuns: 2000 });
  });

  it('throws nothing but SiiParseError on mutated exports, within 100 ms', () => {
    fc.assert(fc.property(mutated, survives), { numRuns: 3000 });
  });

  it('stays linear on large adversarial inputs', () => {
    const pieces = ['(', '"', '/*', 'a: ', 'x[0]: 1\n', '{', 'SiiNunit {\na : b {\n', 'mod_list[0]: m\n'];
    for (const piece of pieces) {
      const input = `SiiNunit {\nserver_packages_info : b {\n${piece.repeat(Math.floor(1_000_000 / piece.length))}`;
      // Best of three: the bound is on the parser's work, not on how busy the machine is (the
      // whole suite runs beside DynamoDB Local and a local stack on two cores).
      const times = [0, 1, 2].map(() => timed(input));
      expect(Math.min(...times), JSON.stringify(piece)).toBeLessThan(100);
    }
  });

  it('refuses more attributes than any real export has', () => {
    const input = `SiiNunit {\na : b {\n${'x: 1\n'.repeat(MAX_SII_ATTRIBUTES + 1)}}\n}`;
    expect(() => parseSii(input)).toThrow(/more than 50000 attributes/);
  });

  it('reads back every config it renders', () => {
    const steam = fc.stringMatching(/^7656119\d{10}$/);
    const safe = (max: number) =>
      fc.string({ maxLength: max }).filter((s) => siiString(max).safeParse(s).success);
    const config = fc
      .record({
        lobbyName: safe(63),
        description: safe(63),
        welcomeMessage: safe(127),
        password: safe(63),
        logonToken: fc.oneof(fc.constant(''), fc.stringMatching(/^[A-F0-9]{32}$/)),
        maxPlayers: fc.integer({ min: 1, max: 8 }),
        maxVehiclesTotal: fc.integer({ min: 0, max: 1000 }),
        maxAiVehiclesPlayer: fc.integer({ min: 0, max: 1000 }),
        maxAiVehiclesPlayerSpawn: fc.integer({ min: 0, max: 1000 }),
        connectionVirtualPort: fc.integer({ min: 100, max: 200 }),
        queryVirtualPort: fc.integer({ min: 100, max: 200 }),
        connectionPort: fc.integer({ min: 27015, max: 27999 }),
        queryPort: fc.integer({ min: 27015, max: 27999 }),
        playerDamage: fc.boolean(),
        traffic: fc.boolean(),
        hideInCompany: fc.boolean(),
        hideColliding: fc.boolean(),
        forceSpeedLimiter: fc.boolean(),
        modsOptioning: fc.boolean(),
        timezones: fc.constantFrom(0 as const, 1 as const, 2 as const),
        serviceNoCollision: fc.boolean(),
        inMenuGhosting: fc.boolean(),
        nameTags: fc.boolean(),
        moderators: fc.uniqueArray(steam, { maxLength: 5 }),
      })
      .filter((c) => ServerConfigSchema.safeParse(c).success);
    fc.assert(
      fc.property(config, (c) => {
        expect(configOf(parseSii(renderServerConfig(c)))).toEqual(c);
      }),
      { numRuns: 300 },
    );
  });
});

/** The inverse of `renderServerConfig`, for the round trip only. */
function configOf(document: SiiDocument): ServerConfig {
  const unit = document.units.find((u) => u.className === 'server_config');
  if (!unit) throw new Error('no server_config unit');
  const fields = fieldsOf(unit);
  const raw = (name: string) => {
    const value = fields.scalar(name)?.value;
    if (!value || value.kind === 'tuple') throw new Error(`no ${name}`);
    return value.value;
  };
  const int = (name: string) => Number(raw(name));
  const bool = (name: string) => raw(name) === 'true';
  return {
    lobbyName: raw('lobby_name'),
    description: raw('description'),
    welcomeMessage: raw('welcome_message'),
    password: raw('password'),
    logonToken: raw('server_logon_token'),
    maxPlayers: int('max_players'),
    maxVehiclesTotal: int('max_vehicles_total'),
    maxAiVehiclesPlayer: int('max_ai_vehicles_player'),
    maxAiVehiclesPlayerSpawn: int('max_ai_vehicles_player_spawn'),
    connectionVirtualPort: int('connection_virtual_port'),
    queryVirtualPort: int('query_virtual_port'),
    connectionPort: int('connection_dedicated_port'),
    queryPort: int('query_dedicated_port'),
    playerDamage: bool('player_damage'),
    traffic: bool('traffic'),
    hideInCompany: bool('hide_in_company'),
    hideColliding: bool('hide_colliding'),
    forceSpeedLimiter: bool('force_speed_limiter'),
    modsOptioning: bool('mods_optioning'),
    timezones: int('timezones') as ServerConfig['timezones'],
    serviceNoCollision: bool('service_no_collision'),
    inMenuGhosting: bool('in_menu_ghosting'),
    nameTags: bool('name_tags'),
    moderators: fields.array('moderator_list').map((a) => (a.value.kind === 'bare' ? a.value.value : '')),
  };
}
