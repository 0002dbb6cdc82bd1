/**
 * The SII text format (`SiiNunit { class : unit { name: value ... } }`) as a tokenizer and a
 * parser. It reads untrusted uploads, so it is bounded and linear by construction: the input is
 * refused over 1 MiB, every character is looked at a fixed number of times (hand-written scanner,
 * no regular expressions over the input), and tuples are flat, so no input can nest the parser
 * deep. Every failure is a `SiiParseError` with the line and column where it happened.
 */
import { UnprocessableError } from '../errors.ts';

export const MAX_SII_BYTES = 1024 * 1024;
/**
 * A document's attribute limit. Building the typed result costs a few objects per attribute, and
 * 1 MiB of one-line attributes (~110,000) took up to 110 ms on a cold start; a real export has
 * about eight attributes per mod, so this still allows over 6,000 mods.
 */
export const MAX_SII_ATTRIBUTES = 50_000;

/** A parse failure at a position; `errors[0].path` reads `line 12:5` for problem documents. */
export class SiiParseError extends UnprocessableError {
  constructor(
    readonly reason: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(`The SII file does not parse: ${reason} (line ${line}, column ${column}).`, [
      { path: `line ${line}:${column}`, message: reason },
    ]);
  }
}

/** A value as written: quoted strings unescaped, everything else (numbers, booleans, references) verbatim. */
export type SiiValue =
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'bare'; readonly value: string }
  | { readonly kind: 'tuple'; readonly items: readonly SiiScalar[] };
export type SiiScalar = Extract<SiiValue, { kind: 'string' | 'bare' }>;

export interface SiiAttribute {
  /** The name as written, index included: `mod_list[0]`. */
  readonly name: string;
  readonly value: SiiValue;
  readonly line: number;
  readonly column: number;
}

export interface SiiUnit {
  readonly className: string;
  readonly unitName: string;
  readonly line: number;
  readonly attributes: readonly SiiAttribute[];
}

export interface SiiDocument {
  readonly units: readonly SiiUnit[];
}

type TokenKind = 'word' | 'string' | '{' | '}' | ':' | '(' | ')' | ',' | 'eof';
interface Token {
  readonly kind: TokenKind;
  readonly text: string;
  readonly line: number;
  readonly column: number;
}

const CH = {
  tab: 9,
  lf: 10,
  cr: 13,
  space: 32,
  quote: 34,
  hash: 35,
  lparen: 40,
  rparen: 41,
  star: 42,
  comma: 44,
  slash: 47,
  colon: 58,
  semicolon: 59,
  backslash: 92,
  lbrace: 123,
  rbrace: 125,
  bom: 0xfeff,
} as const;

const PUNCTUATION = new Set<number>([
  CH.lbrace,
  CH.rbrace,
  CH.colon,
  CH.lparen,
  CH.rparen,
  CH.comma,
  CH.semicolon,
  CH.quote,
]);

const isSpace = (c: number) => c === CH.space || c === CH.tab || c === CH.cr || c === CH.lf || c === CH.bom;

/**
 * ASCII characters that may end a bare word: whitespace, control characters, punctuation and
 * `/` (which may start a comment). A table lookup keeps the word loop at a few
 * nanoseconds per character (a Set lookup made a 1 MB word take ~75 ms).
 */
const ENDS_WORD = new Uint8Array(128);
for (let c = 0; c <= CH.space; c++) ENDS_WORD[c] = 1;
for (const c of PUNCTUATION) ENDS_WORD[c] = 1;
ENDS_WORD[CH.slash] = 1;

/** UTF-8 length without allocating; stops counting once past the limit. */
function utf8Length(text: string, limit: number): number {
  let bytes = 0;
  for (let i = 0; i < text.length && bytes <= limit; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

class Scanner {
  private pos = 0;
  private line = 1;
  private lineStart = 0;

  constructor(private readonly text: string) {}

  private fail(reason: string, line = this.line, column = this.pos - this.lineStart + 1): never {
    throw new SiiParseError(reason, line, column);
  }

  private newline(): void {
    this.line++;
    this.lineStart = this.pos;
  }

  /** Skips whitespace and the three comment forms. */
  private skipTrivia(): void {
    const { text } = this;
    while (this.pos < text.length) {
      const c = text.charCodeAt(this.pos);
      if (c === CH.lf) {
        this.pos++;
        this.newline();
      } else if (isSpace(c)) {
        this.pos++;
      } else if (c === CH.hash || (c === CH.slash && text.charCodeAt(this.pos + 1) === CH.slash)) {
        while (this.pos < text.length && text.charCodeAt(this.pos) !== CH.lf) this.pos++;
      } else if (c === CH.slash && text.charCodeAt(this.pos + 1) === CH.star) {
        const line = this.line;
        const column = this.pos - this.lineStart + 1;
        this.pos += 2;
        for (;;) {
          if (this.pos >= text.length) this.fail('unterminated /* comment', line, column);
          const d = text.charCodeAt(this.pos);
          if (d === CH.star && text.charCodeAt(this.pos + 1) === CH.slash) {
            this.pos += 2;
            break;
          }
          this.pos++;
          if (d === CH.lf) this.newline();
        }
      } else {
        return;
      }
    }
  }

  next(): Token {
    this.skipTrivia();
    const { text } = this;
    const line = this.line;
    const column = this.pos - this.lineStart + 1;
    if (this.pos >= text.length) return { kind: 'eof', text: '', line, column };
    const c = text.charCodeAt(this.pos);
    if (c === CH.quote) return { kind: 'string', text: this.quoted(line, column), line, column };
    if (c === CH.semicolon) {
      // Some tuples separate their parts with `;` (quaternions): a comma by another name.
      this.pos++;
      return { kind: ',', text: ';', line, column };
    }
    if (PUNCTUATION.has(c)) {
      this.pos++;
      return { kind: String.fromCharCode(c) as TokenKind, text: String.fromCharCode(c), line, column };
    }
    if (c < CH.space) this.fail(`unexpected control character U+${c.toString(16).padStart(4, '0')}`);
    const start = this.pos;
    const end = text.length;
    while (this.pos < end) {
      const d = text.charCodeAt(this.pos);
      if (d < 128 ? ENDS_WORD[d] === 1 : d === CH.bom) {
        // A slash ends a word only where a comment starts (`#` starts one only where a token
        // could begin, so it never ends a word).
        if (d === CH.slash) {
          const e = text.charCodeAt(this.pos + 1);
          if (e !== CH.slash && e !== CH.star) {
            this.pos++;
            continue;
          }
        }
        break;
      }
      this.pos++;
    }
    return { kind: 'word', text: text.slice(start, this.pos), line, column };
  }

  /** A double-quoted string on one line; `\"`, `\\`, `\n`, `\t` and `\xHH` unescape. */
  private quoted(line: number, column: number): string {
    const { text } = this;
    this.pos++;
    let out = '';
    let runStart = this.pos;
    for (;;) {
      if (this.pos >= text.length) this.fail('unterminated string', line, column);
      const c = text.charCodeAt(this.pos);
      if (c === CH.quote) {
        out += text.slice(runStart, this.pos);
        this.pos++;
        return out;
      }
      if (c === CH.lf || c === CH.cr) this.fail('line break inside a string', line, column);
      if (c === CH.backslash) {
        out += text.slice(runStart, this.pos);
        const e = text.charAt(this.pos + 1);
        if (e === 'x') {
          const hex = text.slice(this.pos + 2, this.pos + 4);
          if (!/^[0-9a-fA-F]{2}$/.test(hex)) this.fail('bad \\x escape');
          out += String.fromCharCode(Number.parseInt(hex, 16));
          this.pos += 4;
        } else if (e === 'n' || e === 't' || e === '"' || e === '\\') {
          out += e === 'n' ? '\n' : e === 't' ? '\t' : e;
          this.pos += 2;
        } else {
          this.fail('unknown escape in a string');
        }
        runStart = this.pos;
        continue;
      }
      this.pos++;
    }
  }
}

/** Parses SII text (or its UTF-8 bytes). Throws only `SiiParseError`. */
export function parseSii(input: string | Uint8Array): SiiDocument {
  const text = decode(input);
  const scanner = new Scanner(text);
  let token = scanner.next();
  const advance = () => {
    token = scanner.next();
  };
  // Read through a function: TypeScript cannot see that `advance` changes `token`.
  const kind = (): TokenKind => token.kind;
  const fail = (reason: string, at: Token = token): never => {
    throw new SiiParseError(reason, at.line, at.column);
  };
  const describe = (t: Token) => (t.kind === 'eof' ? 'the end of the file' : `'${t.text.slice(0, 40)}'`);
  const expect = (kind: TokenKind, what: string): Token => {
    const t = token;
    if (t.kind !== kind) fail(`expected ${what}, found ${describe(t)}`);
    advance();
    return t;
  };

  if (token.kind !== 'word' || token.text !== 'SiiNunit')
    fail(`expected 'SiiNunit', found ${describe(token)}`);
  advance();
  expect('{', "'{' after SiiNunit");
  const units: SiiUnit[] = [];
  let attributeCount = 0;
  while (kind() !== '}') {
    if (token.kind !== 'word') fail(`expected a unit class name or '}', found ${describe(token)}`);
    const classToken = token;
    advance();
    expect(':', "':' after the unit class");
    const unitName = expect('word', 'a unit name').text;
    expect('{', "'{' to open the unit");
    const attributes: SiiAttribute[] = [];
    while (kind() !== '}') {
      if (token.kind !== 'word') fail(`expected an attribute name or '}', found ${describe(token)}`);
      const nameToken = token;
      if (++attributeCount > MAX_SII_ATTRIBUTES) fail(`more than ${MAX_SII_ATTRIBUTES} attributes`);
      advance();
      expect(':', "':' after the attribute name");
      attributes.push({
        name: nameToken.text,
        value: readValue(),
        line: nameToken.line,
        column: nameToken.column,
      });
    }
    advance();
    units.push({ className: classToken.text, unitName, line: classToken.line, attributes });
  }
  advance();
  if (kind() !== 'eof') fail(`expected the end of the file, found ${describe(token)}`);
  return { units };

  function readValue(): SiiValue {
    const t = token;
    if (t.kind === 'string' || t.kind === 'word') {
      advance();
      return { kind: t.kind === 'string' ? 'string' : 'bare', value: t.text };
    }
    if (t.kind !== '(') return fail(`expected a value, found ${describe(t)}`);
    advance();
    const items: SiiScalar[] = [];
    for (;;) {
      const item = token;
      if (item.kind !== 'string' && item.kind !== 'word')
        return fail(`expected a tuple element, found ${describe(item)}`);
      items.push({ kind: item.kind === 'string' ? 'string' : 'bare', value: item.text });
      advance();
      if (kind() === ')') {
        advance();
        return { kind: 'tuple', items };
      }
      expect(',', "',' or ')' in a tuple");
    }
  }
}

function decode(input: string | Uint8Array): string {
  if (typeof input !== 'string') {
    if (input.byteLength > MAX_SII_BYTES) throw tooLarge(input.byteLength);
    if (input[0] === 0x42 && input[1] === 0x53 && input[2] === 0x49 && input[3] === 0x49) throw binary();
    if (input[0] === 0x53 && input[1] === 0x63 && input[2] === 0x73 && input[3] === 0x43) throw binary();
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(input);
    } catch {
      throw new SiiParseError('the file is not UTF-8 text', 1, 1);
    }
  }
  // Every character is at least one byte: a long string is refused without being walked.
  if (input.length > MAX_SII_BYTES) throw tooLarge(input.length);
  const bytes = utf8Length(input, MAX_SII_BYTES);
  if (bytes > MAX_SII_BYTES) throw tooLarge(bytes);
  return input;
}

const tooLarge = (bytes: number) =>
  new SiiParseError(`the file is at least ${bytes} bytes; the limit is ${MAX_SII_BYTES} (1 MiB)`, 1, 1);
const binary = () =>
  new SiiParseError('this is a binary or encrypted SII file; export the text file from the game', 1, 1);

/** A unit's attributes by name, arrays gathered: what extractors read. */
export interface SiiFields {
  scalar(name: string): SiiAttribute | undefined;
  /**
   * An array written as `name: N` then `name[i]: v` (or `name[]: v` appends). A count that is
   * missing is tolerated (the indexed lines are the array); an index past the count or missing
   * below it is an error at its line.
   */
  array(name: string): SiiAttribute[];
}

export function fieldsOf(unit: SiiUnit): SiiFields {
  const scalars = new Map<string, SiiAttribute>();
  const indexed = new Map<string, SiiAttribute[]>();
  for (const attribute of unit.attributes) {
    const open = attribute.name.indexOf('[');
    if (open < 0) {
      scalars.set(attribute.name, attribute);
      continue;
    }
    const base = attribute.name.slice(0, open);
    const list = indexed.get(base) ?? [];
    indexed.set(base, list);
    list.push(attribute);
  }
  return {
    scalar: (name) => scalars.get(name),
    array(name) {
      const count = scalars.get(name);
      const entries = indexed.get(name) ?? [];
      let size = entries.length;
      if (count) {
        const n = count.value.kind === 'bare' ? count.value.value : '';
        if (!/^\d{1,7}$/.test(n))
          throw new SiiParseError(`${name} must be an element count`, count.line, count.column);
        size = Number(n);
      }
      const out: (SiiAttribute | undefined)[] = new Array(Math.min(size, entries.length + 1));
      let appended = 0;
      for (const entry of entries) {
        const index = entry.name.slice(name.length + 1, -1);
        const i = index === '' ? appended : /^\d{1,7}$/.test(index) ? Number(index) : -1;
        if (i < 0 || i >= size || !entry.name.endsWith(']')) {
          throw new SiiParseError(
            `${entry.name} is outside ${name}'s ${size} elements`,
            entry.line,
            entry.column,
          );
        }
        out[i] = entry;
        appended = i + 1;
      }
      for (let i = 0; i < size; i++) {
        if (!out[i]) {
          const at = count ?? unit;
          throw new SiiParseError(`${name}[${i}] is missing`, at.line, 'column' in at ? at.column : 1);
        }
      }
      return out as SiiAttribute[];
    },
  };
}
