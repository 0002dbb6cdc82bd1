/**
 * "What do I need to install to join?": a driver's own export against the package's. A driver
 * can join when the map matches, they own every essential DLC and have every required mod;
 * non-essential DLC and optional mods are listed as missing but do not block, and extras are
 * listed because the game may refuse or disable them depending on the convoy's settings.
 */
import type { ManifestMod, SiiManifest } from './manifest.ts';

export interface MissingDlc {
  readonly code: string;
  readonly essential: boolean;
}

export interface CompatibilityReport {
  readonly compatible: boolean;
  readonly map: {
    readonly expected: string | null;
    readonly actual: string | null;
    readonly matches: boolean;
  };
  readonly dlc: { readonly missing: readonly MissingDlc[]; readonly extra: readonly string[] };
  readonly mods: { readonly missing: readonly ManifestMod[]; readonly extra: readonly ManifestMod[] };
}

/** Mods match by package name and, when both sides know it, by mod id. */
const modKey = (m: ManifestMod) => m.packageName;

export function checkCompatibility(pkg: SiiManifest, driver: SiiManifest): CompatibilityReport {
  const driverDlc = new Set([...driver.dlc.essential, ...driver.dlc.nonEssential]);
  const packageDlc = new Set([...pkg.dlc.essential, ...pkg.dlc.nonEssential]);
  const missingDlc: MissingDlc[] = [
    ...pkg.dlc.essential.filter((c) => !driverDlc.has(c)).map((code) => ({ code, essential: true })),
    ...pkg.dlc.nonEssential.filter((c) => !driverDlc.has(c)).map((code) => ({ code, essential: false })),
  ];
  const extraDlc = [...driverDlc].filter((c) => !packageDlc.has(c));

  const driverMods = new Map(driver.mods.map((m) => [modKey(m), m]));
  const packageMods = new Map(pkg.mods.map((m) => [modKey(m), m]));
  const same = (a: ManifestMod, b: ManifestMod | undefined) =>
    b !== undefined && (a.modId === null || b.modId === null || a.modId === b.modId);
  const missingMods = pkg.mods.filter((m) => !same(m, driverMods.get(modKey(m))));
  const extraMods = driver.mods.filter((m) => !same(m, packageMods.get(modKey(m))));

  const mapMatches = pkg.map === driver.map;
  return {
    compatible: mapMatches && missingDlc.every((d) => !d.essential) && missingMods.every((m) => m.optional),
    map: { expected: pkg.map, actual: driver.map, matches: mapMatches },
    dlc: { missing: missingDlc, extra: extraDlc },
    mods: { missing: missingMods, extra: extraMods },
  };
}
