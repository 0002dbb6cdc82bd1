import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { UnprocessableError } from '../../../shared/domain/errors.ts';
import { MAX_SII_BYTES, parseSii, SiiParseError } from '../../../shared/domain/sii/parser.ts';

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/${name}`, import.meta.url), 'utf8');

function parseError(input: string): SiiParseError {
  try {
    parseSii(input);
  } catch (error) {
    if (error instanceof SiiParseError) return error;
    throw error;
  }
  throw new Error('expected a parse error');
}

describe('parseSii', () => {
  it('reads units, quoted strings, bare tokens, tuples and line numbers', () => {
    const doc = parseSii(fixture('server_packages.ats-dlc.sii'));
    expect(doc.units).toHaveLength(1);
    const [unit] = doc.units;
    expect(unit?.className).toBe('server_packages_info');
    expect(unit?.unitName).toBe('_nameless.21b.d39c.2430');
    expect(unit?.line).toBe(3);
    const map = unit?.attributes.find((a) => a.name === 'map_name');
    expect(map).toMatchObject({ value: { kind: 'string', value: '/map/usa.mbd' }, line: 10, column: 2 });
    const dims = unit?.attributes.find((a) => a.name === 'map_dimensions');
    expect(dims?.value).toEqual({
      kind: 'tuple',
      items: ['-31744000', '-16384000', '-7168000', '10240000'].map((value) => ({ kind: 'bare', value })),
    });
  });

  it('keeps values beyond 2^53 exactly as written', () => {
    const doc = parseSii('SiiNunit {\na : b {\n id: 17465922801132749901\n}\n}\n');
    expect(doc.units[0]?.attributes[0]?.value).toEqual({ kind: 'bare', value: '17465922801132749901' });
  });

  it('skips //, # and /* */ comments, across lines, and keeps counting lines', () => {
    const doc = parseSii('// head\nSiiNunit # x\n{ /* a\nb */ a : b {\n x: "y" // tail\n}\n}\n');
    expect(doc.units[0]?.attributes[0]).toMatchObject({ name: 'x', line: 5, value: { value: 'y' } });
  });

  it('keeps spaces inside strings and unescapes quotes, backslashes and \\x bytes', () => {
    const doc = parseSii('SiiNunit {\na : b {\n s: "  a \\"b\\" \\\\ \\x41 "\n}\n}');
    expect(doc.units[0]?.attributes[0]?.value).toEqual({ kind: 'string', value: '  a "b" \\ A ' });
  });

  it('accepts a byte-order mark and CRLF line ends', () => {
    const doc = parseSii('\ufeffSiiNunit\r\n{\r\na : b {\r\n x: 1\r\n}\r\n}\r\n');
    expect(doc.units[0]?.attributes[0]).toMatchObject({ name: 'x', line: 4 });
  });

  it.each([
    ['garbage', 'hello world', 1, 1, "expected 'SiiNunit'"],
    ['an unterminated string', 'SiiNunit {\na : b {\n x: "abc\n}\n}', 3, 5, 'line break inside a string'],
    ['a missing colon', 'SiiNunit {\na : b {\n x 1\n}\n}', 3, 4, "expected ':'"],
    ['an unclosed unit', 'SiiNunit {\na : b {\n x: 1\n', 4, 1, 'the end of the file'],
    ['an unterminated comment', 'SiiNunit {\n/* never\n', 2, 1, 'unterminated /* comment'],
    ['trailing text', 'SiiNunit {\n}\nmore', 3, 1, 'expected the end of the file'],
    ['an open tuple', 'SiiNunit {\na : b {\n x: (1, 2\n}\n}', 4, 1, "expected ',' or ')'"],
  ])('reports %s with its line and column', (_name, input, line, column, reason) => {
    const error = parseError(input);
    expect(error).toBeInstanceOf(UnprocessableError);
    expect({ line: error.line, column: error.column }).toEqual({ line, column });
    expect(error.reason).toContain(reason);
    expect(error.errors[0]?.path).toBe(`line ${line}:${column}`);
  });

  it('refuses input over 1 MiB before reading it', () => {
    const big = `SiiNunit {\n${' '.repeat(MAX_SII_BYTES)}}`;
    expect(parseError(big).reason).toContain('1 MiB');
    expect(() => parseSii(new Uint8Array(MAX_SII_BYTES + 1))).toThrow(SiiParseError);
  });

  it('counts multi-byte characters as bytes against the limit', () => {
    const big = `SiiNunit {\n/*${'é'.repeat(MAX_SII_BYTES / 2)}*/}`;
    expect(parseError(big).reason).toContain('1 MiB');
  });

  it('refuses binary and encrypted SII and bytes that are not UTF-8', () => {
    expect(() => parseSii(Buffer.from('BSII\u0001\u0002'))).toThrow(/binary or encrypted/);
    expect(() => parseSii(Buffer.from('ScsC\u0000\u0001'))).toThrow(/binary or encrypted/);
    expect(() => parseSii(Buffer.from([0xff, 0xfe, 0x00]))).toThrow(/not UTF-8/);
  });

  it('parses a deeply bracketed input without recursion', () => {
    const error = parseError(`SiiNunit {\na : b {\n x: ${'('.repeat(100_000)}\n}\n}`);
    expect(error.line).toBe(3);
  });
});
