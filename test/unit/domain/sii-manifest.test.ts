import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkCompatibility } from '../../../shared/domain/sii/compatibility.ts';
import { mapIssue, readManifest } from '../../../shared/domain/sii/manifest.ts';
import { SiiParseError } from '../../../shared/domain/sii/parser.ts';
import { SYNTHETIC_MANIFEST } from '../../support/manifests.ts';

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/${name}`, import.meta.url), 'utf8');

describe('readManifest', () => {
  it('reads a modded export exactly: ids as strings, names as written', () => {
    expect(readManifest(fixture('server_packages.synthetic-mods.sii'))).toEqual(SYNTHETIC_MANIFEST);
  });

  it('reads the real exports', () => {
    expect(readManifest(fixture('server_packages.ets2-vanilla.sii'))).toEqual({
      map: '/map/europe.mbd',
      dlc: { essential: [], nonEssential: [] },
      mods: [],
      exportedAt: '2022-12-11T00:00:14.000Z',
    });
    expect(readManifest(fixture('server_packages.ats-dlc.sii'))).toMatchObject({
      map: '/map/usa.mbd',
      dlc: { essential: [], nonEssential: ['1924694473000009', '49463220153873'] },
    });
  });

  it('tolerates missing fields: no count line, no mod id, no flags, no time stamp', () => {
    const manifest = readManifest(
      'SiiNunit {\nserver_packages_info : i {\n mod_list[0]: m\n map_name: "/map/x.mbd"\n}\nserver_mod_detail : m {\n package_name: "p"\n}\n}',
    );
    expect(manifest).toEqual({
      map: '/map/x.mbd',
      dlc: { essential: [], nonEssential: [] },
      mods: [{ packageName: 'p', name: '', modId: null, workshop: false, optional: false }],
      exportedAt: null,
    });
  });

  it.each([
    ['no info unit', 'SiiNunit {\n}', 1],
    [
      'a dangling mod reference',
      'SiiNunit {\nserver_packages_info : i {\n mod_list: 1\n mod_list[0]: nope\n}\n}',
      4,
    ],
    [
      'a missing array element',
      'SiiNunit {\nserver_packages_info : i {\n dlc_essential_list: 2\n dlc_essential_list[0]: 1\n}\n}',
      3,
    ],
    [
      'a DLC code over 2^64',
      'SiiNunit {\nserver_packages_info : i {\n dlc_essential_list[0]: 18446744073709551616\n}\n}',
      3,
    ],
    ['a negative DLC code', 'SiiNunit {\nserver_packages_info : i {\n dlc_essential_list[0]: -1\n}\n}', 3],
  ])('refuses %s at its line', (_name, input, line) => {
    expect(() => readManifest(input)).toThrow(SiiParseError);
    try {
      readManifest(input);
    } catch (error) {
      expect((error as SiiParseError).line).toBe(line);
    }
  });

  it('keeps the largest unsigned 64-bit number', () => {
    const manifest = readManifest(
      'SiiNunit {\nserver_packages_info : i {\n dlc_essential_list[0]: 18446744073709551615\n}\n}',
    );
    expect(manifest.dlc.essential).toEqual(['18446744073709551615']);
  });

  it("flags the other game's base map and allows map mods", () => {
    const ats = readManifest(fixture('server_packages.ats-dlc.sii'));
    expect(mapIssue(ats, 'ets2')).toContain('/map/usa.mbd');
    expect(mapIssue(ats, 'ats')).toBeNull();
    expect(mapIssue({ ...ats, map: '/map/promods.mbd' }, 'ets2')).toBeNull();
  });
});

describe('checkCompatibility', () => {
  const pkg = readManifest(fixture('server_packages.synthetic-mods.sii'));

  it('says an identical export can join', () => {
    expect(checkCompatibility(pkg, pkg)).toMatchObject({
      compatible: true,
      dlc: { missing: [], extra: [] },
      mods: { missing: [], extra: [] },
    });
  });

  it('lists a missing essential DLC and required mod, and extras, and refuses to join', () => {
    const driver = {
      ...pkg,
      dlc: { essential: [], nonEssential: ['1130411202554109', '88512340987', '40617829', '555'] },
      mods: [pkg.mods[1], { packageName: 'extra', name: 'x', modId: null, workshop: false, optional: false }],
    } as typeof pkg;
    const report = checkCompatibility(pkg, driver);
    expect(report.compatible).toBe(false);
    expect(report.dlc).toEqual({ missing: [{ code: '7731044210043321', essential: true }], extra: ['555'] });
    expect(report.mods.missing.map((m) => m.packageName)).toEqual(['North_Sea_Ferries_Rework_v2.3']);
    expect(report.mods.extra.map((m) => m.packageName)).toEqual(['extra']);
  });

  it('lets a driver join without non-essential DLC and optional mods, listing them', () => {
    const driver = {
      ...pkg,
      dlc: { essential: ['7731044210043321'], nonEssential: [] },
      mods: [pkg.mods[0]],
    } as typeof pkg;
    const report = checkCompatibility(pkg, driver);
    expect(report.compatible).toBe(true);
    expect(report.dlc.missing).toHaveLength(3);
    expect(report.mods.missing).toHaveLength(1);
  });

  it('refuses another map and a mod with the same package but another id', () => {
    const otherMod = { ...pkg, mods: [{ ...pkg.mods[0], modId: '1' }, pkg.mods[1]] } as typeof pkg;
    expect(checkCompatibility(pkg, { ...pkg, map: '/map/usa.mbd' }).map.matches).toBe(false);
    expect(checkCompatibility(pkg, otherMod).compatible).toBe(false);
  });
});
