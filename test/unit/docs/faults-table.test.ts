/**
 * `docs/faults.md` is a table of what was tried and which test tries it again. Every row must name
 * a test file that exists and a test name that file still contains, so the table cannot rot.
 */
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const ROOT = new URL('../../../', import.meta.url);
const TABLE = readFileSync(new URL('docs/faults.md', ROOT), 'utf8');
const REFERENCE = /`(test\/[\w./-]+\.test\.ts)` › `([^`]+)`/g;

/** The table's body rows: lines starting with `|`, less each table's header and separator. */
const rows = TABLE.split('\n').filter(
  (line) => line.startsWith('|') && !/^\|[-| ]+\|$/.test(line) && !line.startsWith('| fault'),
);

describe('the fault and abuse table', () => {
  it('has rows', () => {
    expect(rows.length).toBeGreaterThan(40);
  });

  it.each(rows.map((row) => [row.slice(0, 80), row]))('names a test that exists: %s', (_, row) => {
    const references = [...row.matchAll(REFERENCE)];
    expect(references, 'a row names its test as `file` › `name`').not.toHaveLength(0);
    for (const [, file, name] of references) {
      const url = new URL(file as string, ROOT);
      expect(existsSync(url), `${file} exists`).toBe(true);
      const source = readFileSync(url, 'utf8');
      // The name as written in the source, in whichever quotes it uses.
      const quoted = ["'", '"', '`'].some((q) => source.includes(`${q}${name}${q}`));
      expect(quoted, `${file} has a test named ${name}`).toBe(true);
    }
  });
});
