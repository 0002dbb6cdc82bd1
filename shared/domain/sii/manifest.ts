/**
 * What a `server_packages.sii` export says a driver needs: map, DLC codes and mods. Codes and
 * mod ids are unsigned 64-bit numbers, above 2^53, so they stay decimal strings end to end.
 */
import type { Game } from '../server.ts';
import type { SiiAttribute, SiiDocument, SiiUnit } from './parser.ts';
import { fieldsOf, parseSii, SiiParseError } from './parser.ts';

export interface ManifestMod {
  readonly packageName: string;
  /** As written in the export, leading and trailing spaces included. */
  readonly name: string;
  readonly modId: string | null;
  readonly workshop: boolean;
  readonly optional: boolean;
}

export interface SiiManifest {
  readonly map: string | null;
  readonly dlc: { readonly essential: readonly string[]; readonly nonEssential: readonly string[] };
  readonly mods: readonly ManifestMod[];
  /** From the export's `time_stamp`; old exports may stop loading after big game updates. */
  readonly exportedAt: string | null;
}

const U64_MAX = '18446744073709551615';
export const BASE_MAPS: Readonly<Record<Game, string>> = { ets2: '/map/europe.mbd', ats: '/map/usa.mbd' };

/** Parses an export and reads its manifest; every problem is a `SiiParseError` with its line. */
export function readManifest(input: string | Uint8Array): SiiManifest {
  return manifestOf(parseSii(input));
}

export function manifestOf(document: SiiDocument): SiiManifest {
  const infos = document.units.filter((u) => u.className === 'server_packages_info');
  const info = infos[0];
  if (!info)
    throw new SiiParseError('no server_packages_info unit: is this a server_packages.sii export?', 1, 1);
  if (infos[1]) throw at(infos[1], 'a second server_packages_info unit');
  const details = new Map<string, SiiUnit>();
  for (const unit of document.units)
    if (unit.className === 'server_mod_detail') details.set(unit.unitName, unit);

  const fields = fieldsOf(info);
  const mapAttribute = fields.scalar('map_name');
  const stamp = fields.scalar('time_stamp');
  return {
    map: mapAttribute ? text(mapAttribute) : null,
    dlc: {
      essential: fields.array('dlc_essential_list').map(u64),
      nonEssential: fields.array('dlc_non_essential_list').map(u64),
    },
    mods: fields.array('mod_list').map((ref) => {
      const name = bare(ref);
      const unit = details.get(name);
      if (!unit)
        throw at(ref, `mod_list names ${name.slice(0, 60)}, but no server_mod_detail unit has that name`);
      return modOf(unit);
    }),
    exportedAt: stamp ? timestamp(stamp) : null,
  };
}

/** Why a manifest cannot serve a server of `game`: the other game's base map. Map mods pass. */
export function mapIssue(manifest: SiiManifest, game: Game): string | null {
  const other = game === 'ets2' ? BASE_MAPS.ats : BASE_MAPS.ets2;
  return manifest.map === other
    ? `the map is ${other}, the base map of ${game === 'ets2' ? 'ATS' : 'ETS2'}: this export is for the other game`
    : null;
}

function modOf(unit: SiiUnit): ManifestMod {
  const fields = fieldsOf(unit);
  const packageName = fields.scalar('package_name');
  if (!packageName) throw at(unit, `server_mod_detail ${unit.unitName.slice(0, 60)} has no package_name`);
  const name = fields.scalar('mod_name');
  const modId = fields.scalar('mod_id');
  const workshop = fields.scalar('workshop_mod');
  const optional = fields.scalar('optional_mod');
  return {
    packageName: text(packageName),
    name: name ? text(name) : '',
    modId: modId ? u64(modId) : null,
    workshop: workshop ? bool(workshop) : false,
    optional: optional ? bool(optional) : false,
  };
}

const at = (where: SiiUnit | SiiAttribute, reason: string) =>
  new SiiParseError(reason, where.line, 'column' in where ? where.column : 1);

function text(a: SiiAttribute): string {
  if (a.value.kind === 'tuple') throw at(a, `${a.name} must be a string, not a tuple`);
  return a.value.value;
}

function bare(a: SiiAttribute): string {
  if (a.value.kind !== 'bare') throw at(a, `${a.name} must be a bare token`);
  return a.value.value;
}

function u64(a: SiiAttribute): string {
  const raw = bare(a);
  // Checked character by character: the length bound keeps the comparison exact without BigInt.
  let digits = true;
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c < 48 || c > 57) digits = false;
  }
  const value = digits ? raw.replace(/^0+(?=\d)/, '') : '';
  if (!digits || raw.length === 0 || value.length > 20 || (value.length === 20 && value > U64_MAX)) {
    throw at(a, `${a.name} must be an unsigned 64-bit number, not ${raw.slice(0, 40)}`);
  }
  return value;
}

function bool(a: SiiAttribute): boolean {
  const raw = bare(a);
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  throw at(a, `${a.name} must be true or false`);
}

function timestamp(a: SiiAttribute): string {
  const raw = bare(a);
  const seconds = /^\d{1,12}$/.test(raw) ? Number(raw) : Number.NaN;
  const date = new Date(seconds * 1000);
  if (Number.isNaN(date.getTime())) throw at(a, `${a.name} must be a Unix time in seconds`);
  return date.toISOString();
}
