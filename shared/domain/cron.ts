/**
 * Cron expressions and IANA time zones, with no library: a strict five-field parser, the
 * translation to EventBridge Scheduler's six-field `cron(...)`, and next-run computation with
 * `Intl` (which carries the tz database) that follows Scheduler's daylight-saving rules. A
 * cron library with time zones (croner, cron-parser + luxon) would weigh 15–60 KiB in every
 * schedules bundle and still not know Scheduler's format or its DST rules, which are the parts
 * that matter here.
 *
 * Daylight saving time, as Scheduler documents it: a local time that does not exist on a day
 * (the hour skipped in spring) is skipped, not moved; a local time that happens twice (the hour
 * repeated in autumn) runs once, at its first occurrence.
 */

/** A parsed expression: the values each field allows; `null` days or weekdays means "any". */
export interface CronSpec {
  readonly minutes: readonly number[];
  readonly hours: readonly number[];
  /** Days of the month (1–31); `null` when unrestricted. */
  readonly days: readonly number[] | null;
  /** Months 1–12. */
  readonly months: readonly number[];
  /** Days of the week, 0 = Sunday … 6 = Saturday; `null` when unrestricted. */
  readonly weekdays: readonly number[] | null;
}

export type CronResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: string };

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const WEEKDAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

interface FieldDef {
  readonly label: string;
  readonly min: number;
  readonly max: number;
  /** Names for the values from `min` on (case-insensitive). */
  readonly names?: readonly string[];
  readonly nameBase?: number;
}

const FIELDS: readonly FieldDef[] = [
  { label: 'minute', min: 0, max: 59 },
  { label: 'hour', min: 0, max: 23 },
  { label: 'day-of-month', min: 1, max: 31 },
  { label: 'month', min: 1, max: 12, names: MONTHS, nameBase: 1 },
  // 7 is Sunday too, as in every Unix cron.
  { label: 'day-of-week', min: 0, max: 7, names: WEEKDAYS, nameBase: 0 },
];

const ok = <T>(value: T): CronResult<T> => ({ ok: true, value });
const fail = <T>(error: string): CronResult<T> => ({ ok: false, error });
const range = (from: number, to: number): number[] =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);

function parseValue(text: string, field: FieldDef): number | null {
  if (/^\d{1,2}$/.test(text)) return Number(text);
  const index = field.names?.indexOf(text.toUpperCase()) ?? -1;
  return index >= 0 ? index + (field.nameBase ?? 0) : null;
}

/** One field: `*`, `*\/n`, `a`, `a-b`, `a-b/n`, `a/n`, and comma lists of those. */
function parseField(text: string, field: FieldDef): CronResult<number[] | '*'> {
  const where = `the ${field.label} field`;
  if (text === '*') return ok('*');
  const values = new Set<number>();
  for (const part of text.split(',')) {
    const match = /^(\*|[A-Za-z0-9]+)(?:-([A-Za-z0-9]+))?(?:\/(\d{1,2}))?$/.exec(part);
    if (!match) {
      return fail(
        `${where} has "${part}": use numbers${field.names ? ' or names' : ''}, ranges (a-b), steps (/n) and lists (a,b); ?, L, W and # are not supported`,
      );
    }
    const [, startText = '', endText, stepText] = match;
    let from: number;
    let to: number;
    if (startText === '*') {
      if (endText !== undefined) return fail(`${where} has "${part}": * cannot start a range`);
      from = field.min;
      to = field.max;
    } else {
      const start = parseValue(startText, field);
      if (start === null) return fail(`${where} has "${startText}", which is not a value it takes`);
      from = start;
      if (endText !== undefined) {
        const end = parseValue(endText, field);
        if (end === null) return fail(`${where} has "${endText}", which is not a value it takes`);
        to = end;
      } else {
        to = stepText !== undefined ? field.max : start;
      }
    }
    for (const value of [from, to]) {
      if (value < field.min || value > field.max) {
        return fail(`${where} has ${value}, outside ${field.min}-${field.max}`);
      }
    }
    if (from > to) return fail(`${where} has the range ${from}-${to}, which runs backwards`);
    const step = stepText === undefined ? 1 : Number(stepText);
    if (step < 1) return fail(`${where} has a step of 0`);
    for (let value = from; value <= to; value += step) values.add(value);
  }
  return ok([...values].sort((a, b) => a - b));
}

/**
 * Parses a five-field cron expression (`minute hour day-of-month month day-of-week`, e.g.
 * `30 19 * * FRI`). Strict: nothing Scheduler could read differently is accepted, so a day of
 * the month and a day of the week cannot both be restricted (Scheduler allows only one).
 */
export function parseCron(expression: string): CronResult<CronSpec> {
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 5) {
    return fail(
      `needs 5 fields (minute hour day-of-month month day-of-week), got ${fields.length === 1 && fields[0] === '' ? 0 : fields.length}`,
    );
  }
  const parsed: (number[] | '*')[] = [];
  for (const [index, field] of FIELDS.entries()) {
    const result = parseField(fields[index] ?? '', field);
    if (!result.ok) return result;
    parsed.push(result.value);
  }
  const [minutes, hours, days, months, weekdays] = parsed as [
    number[] | '*',
    number[] | '*',
    number[] | '*',
    number[] | '*',
    number[] | '*',
  ];
  const all = (value: number[] | '*', field: FieldDef) =>
    value === '*' ? range(field.min, field.max) : value;
  const weekdaySet = weekdays === '*' ? null : [...new Set(weekdays.map((d) => d % 7))].sort((a, b) => a - b);
  const daySet = days === '*' ? null : days;
  if (daySet && weekdaySet) {
    return fail(
      'restricts both the day of the month and the day of the week, which EventBridge Scheduler cannot combine: set one of them to *',
    );
  }
  return ok({
    minutes: all(minutes, FIELDS[0] as FieldDef),
    hours: all(hours, FIELDS[1] as FieldDef),
    days: daySet,
    months: all(months, FIELDS[3] as FieldDef),
    // Every weekday listed is the same as none restricted.
    weekdays: weekdaySet && weekdaySet.length < 7 ? weekdaySet : null,
  });
}

/**
 * The expression moved `minutes` earlier in wall-clock time (the start of a warm-up before the
 * convoy time), when cron can say it: every time of day must move by the same hours and
 * minutes, and a move across midnight needs days given as weekdays (or not at all) and every
 * month.
 */
export function shiftEarlier(spec: CronSpec, minutes: number): CronResult<CronSpec> {
  if (minutes === 0) return ok(spec);
  const cannot = (why: string) =>
    fail<CronSpec>(`cannot be started ${minutes} minutes early by one cron expression: ${why}`);
  const back = minutes % 60;
  const borrowsHour = spec.minutes.map((m) => m < back);
  if (borrowsHour.some(Boolean) && !borrowsHour.every(Boolean)) {
    return cannot('its minutes would land in different hours; use warmupMinutes 0 or fewer minutes');
  }
  const hourShift = Math.floor(minutes / 60) + (borrowsHour[0] ? 1 : 0);
  const newMinutes = spec.minutes.map((m) => (m - back + 60) % 60);
  const everyHour = spec.hours.length === 24;
  const anyDay = spec.days === null && spec.weekdays === null && spec.months.length === 12;
  if (everyHour) {
    // Every hour rotates into every hour; only a restricted day would notice the midnight crossing.
    if (hourShift % 24 !== 0 && !anyDay) return cannot('it runs every hour but only on some days');
    return ok({ ...spec, minutes: sorted(newMinutes) });
  }
  const crossesMidnight = spec.hours.map((h) => h < hourShift);
  if (crossesMidnight.some(Boolean) && !crossesMidnight.every(Boolean)) {
    return cannot('some of its times would move to the day before and some not');
  }
  const newHours = sorted(spec.hours.map((h) => (h - hourShift + 24) % 24));
  if (!crossesMidnight[0] || anyDay) return ok({ ...spec, minutes: sorted(newMinutes), hours: newHours });
  if (spec.days !== null)
    return cannot('it would start the day before a day of the month; give weekdays instead');
  if (spec.months.length !== 12) return cannot('it would start the day before, perhaps in another month');
  const weekdays = spec.weekdays && sorted(spec.weekdays.map((d) => (d + 6) % 7));
  return ok({ ...spec, minutes: sorted(newMinutes), hours: newHours, weekdays });
}

const sorted = (values: readonly number[]): number[] => [...new Set(values)].sort((a, b) => a - b);

/** `1,2,3,5` → `1-3,5`; names instead of numbers when given. */
function compress(values: readonly number[], name: (v: number) => string = String): string {
  const parts: string[] = [];
  for (let i = 0; i < values.length; ) {
    let j = i;
    while (j + 1 < values.length && (values[j + 1] as number) === (values[j] as number) + 1) j++;
    const first = name(values[i] as number);
    parts.push(j > i ? `${first}-${name(values[j] as number)}` : first);
    i = j + 1;
  }
  return parts.join(',');
}

/** EventBridge Scheduler's `cron(minutes hours day-of-month month day-of-week year)`. */
export function toSchedulerCron(spec: CronSpec): string {
  const field = (values: readonly number[], size: number) =>
    values.length === size ? '*' : compress(values);
  const days = spec.days ? compress(spec.days) : spec.weekdays ? '?' : '*';
  const weekdays = spec.weekdays ? compress(spec.weekdays, (d) => WEEKDAYS[d] as string) : '?';
  return `cron(${field(spec.minutes, 60)} ${field(spec.hours, 24)} ${days} ${field(spec.months, 12)} ${weekdays} *)`;
}

/**
 * Reads back a `cron(...)` as `toSchedulerCron` writes it (and as Scheduler's own syntax allows
 * for those fields: `?`, weekdays 1–7 from Sunday or names, year `*`). The local Scheduler
 * stand-in uses it; the API never takes this format from users.
 */
export function parseSchedulerCron(expression: string): CronResult<CronSpec> {
  const match = /^cron\((.*)\)$/.exec(expression.trim());
  const fields = match?.[1]?.trim().split(/\s+/) ?? [];
  if (fields.length !== 6) return fail('is not cron(minutes hours day-of-month month day-of-week year)');
  const [minute, hour, day, month, weekday, year] = fields as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  if (year !== '*') return fail('restricts the year, which this reader does not support');
  if ((day === '?') === (weekday === '?'))
    return fail('needs ? in exactly one of day-of-month and day-of-week');
  // Scheduler numbers weekdays 1 (Sunday) to 7; Unix cron 0 (Sunday) to 6.
  if (weekday.includes('/') || (weekday.match(/\d+/g) ?? []).some((n) => Number(n) < 1 || Number(n) > 7)) {
    return fail('has a weekday step or a weekday outside 1-7');
  }
  const unixWeekday = weekday.replace(/\d+/g, (n) => String(Number(n) - 1));
  return parseCron(
    [minute, hour, day === '?' ? '*' : day, month, weekday === '?' ? '*' : unixWeekday].join(' '),
  );
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/**
 * The canonical name of an IANA time zone (`europe/berlin` → `Europe/Berlin`), or `null` when
 * the runtime's tz database does not know it. Offsets and abbreviations are refused: they have
 * no daylight-saving rules, and Scheduler wants a zone name.
 */
export function canonicalTimeZone(name: string): string | null {
  if (!/^[A-Za-z]+(?:[/_-][A-Za-z0-9+-]+)*$/.test(name) || name.length > 64) return null;
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    return null;
  }
}

/** The wall-clock time in `timeZone` at `instant`, as milliseconds of a UTC date with those fields. */
function wallClock(instant: number, timeZone: string): number {
  const parts: Record<string, number> = {};
  for (const part of formatterFor(timeZone).formatToParts(new Date(instant))) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  const { year = 0, month = 1, day = 1, hour = 0, minute = 0, second = 0 } = parts;
  return Date.UTC(year, month - 1, day, hour, minute, second);
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/**
 * The instants at which `timeZone`'s clocks show `wall` (milliseconds of a UTC date with the
 * wall-clock fields): none in a spring-forward gap, two in an autumn overlap, else one. Zones
 * change offset at most once within a day, so the offsets a day before and after cover it.
 */
export function instantsOf(wall: number, timeZone: string): number[] {
  const offsets = new Set([
    wallClock(wall - DAY_MS, timeZone) - (wall - DAY_MS),
    wallClock(wall + DAY_MS, timeZone) - (wall + DAY_MS),
  ]);
  const found = [...offsets].map((offset) => wall - offset).filter((t) => wallClock(t, timeZone) === wall);
  return [...new Set(found)].sort((a, b) => a - b);
}

/** About eight years of days: enough for a 29 February across a skipped leap year. */
const SEARCH_DAYS = 8 * 366 + 2;

/**
 * The first `count` instants after `after` at which `spec`, read in `timeZone`, fires as
 * Scheduler fires it (see the DST rules at the top).
 */
export function nextRuns(spec: CronSpec, timeZone: string, after: Date, count: number): Date[] {
  const runs: Date[] = [];
  const from = after.getTime();
  // Start a day early: the local date at `after` may be behind UTC's.
  const startWall = wallClock(from, timeZone) - DAY_MS;
  const startDay = Date.UTC(
    new Date(startWall).getUTCFullYear(),
    new Date(startWall).getUTCMonth(),
    new Date(startWall).getUTCDate(),
  );
  for (let d = 0; d < SEARCH_DAYS && runs.length < count; d++) {
    const day = new Date(startDay + d * DAY_MS);
    if (!spec.months.includes(day.getUTCMonth() + 1)) continue;
    if (spec.days && !spec.days.includes(day.getUTCDate())) continue;
    if (spec.weekdays && !spec.weekdays.includes(day.getUTCDay())) continue;
    for (const hour of spec.hours) {
      for (const minute of spec.minutes) {
        const first = instantsOf(day.getTime() + hour * HOUR_MS + minute * 60_000, timeZone)[0];
        if (first !== undefined && first > from) {
          runs.push(new Date(first));
          if (runs.length === count) return runs;
        }
      }
    }
  }
  return runs;
}

/** Scheduler's `at(yyyy-mm-ddThh:mm:ss)` of an instant, read in UTC. */
export const toSchedulerAt = (instant: Date): string => `at(${instant.toISOString().slice(0, 19)})`;

/** Reads back an `at(...)` expression in a time zone (the stand-in's side of `toSchedulerAt`). */
export function parseSchedulerAt(expression: string, timeZone: string): Date | null {
  const match = /^at\((\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\)$/.exec(expression.trim());
  if (!match) return null;
  const [, y, mo, d, h, mi, s] = match.map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const first = instantsOf(Date.UTC(y, mo - 1, d, h, mi, s), timeZone)[0];
  return first === undefined ? null : new Date(first);
}
