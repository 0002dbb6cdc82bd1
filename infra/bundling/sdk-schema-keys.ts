/**
 * An esbuild plugin that lets unused AWS SDK schemas be tree-shaken.
 *
 * Each SDK client keeps the schemas of all its operations in `dist-es/schemas/schemas_0.js`, as
 * top-level arrays like `export var Foo$ = [3, n0, _Foo, 0, [...], [[0, { [_xN]: "fooSet" }]]]`.
 * esbuild drops an unused array only if building it cannot have side effects, and it counts
 * every computed object key (`[_xN]`) as one (converting the key could call `toString`), even
 * though `_xN` is a `const` holding a string. So a client whose schemas use such keys keeps all of
 * them: `@aws-sdk/client-ec2` put ~540 KiB of its 1.3 MB schema file into every bundle that
 * called one EC2 operation. Replacing each key that names a module-level string constant by the
 * string itself changes nothing at run time and lets esbuild see that the arrays are pure.
 *
 * Only keys whose constant is declared as `const _x = "literal";` in the same file are touched;
 * anything else is left as it was, so a future SDK layout makes bundles bigger, never wrong (the
 * bundle budget in CI would catch the growth).
 */
import { readFile } from 'node:fs/promises';
import type { Plugin } from 'esbuild';

const SCHEMA_FILE = /[\\/]@aws-sdk[\\/]client-[a-z0-9-]+[\\/]dist-es[\\/]schemas[\\/]schemas_\d+\.js$/;
const STRING_CONST = /^const (_\w+) = ("[^"\\\n]*");$/gm;
const COMPUTED_KEY = /\[(_\w+)\]:/g;

/** The source with each computed key that names a string constant replaced by that string. */
export function inlineSchemaKeys(source: string): string {
  const strings = new Map<string, string>();
  for (const [, name, literal] of source.matchAll(STRING_CONST)) {
    if (name && literal) strings.set(name, literal);
  }
  return source.replace(COMPUTED_KEY, (key, name: string) => {
    const literal = strings.get(name);
    return literal === undefined ? key : `${literal}:`;
  });
}

export const sdkSchemaKeys: Plugin = {
  name: 'sdk-schema-keys',
  setup(build) {
    build.onLoad({ filter: SCHEMA_FILE }, async ({ path }) => ({
      contents: inlineSchemaKeys(await readFile(path, 'utf8')),
      loader: 'js',
    }));
  },
};
