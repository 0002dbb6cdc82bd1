/**
 * `tsx infra/bundling/bundle-cli.ts <entry> <outDir>`: bundles one Lambda into `<outDir>/index.mjs`
 * (with its source map). CDK asks for a bundle synchronously and esbuild runs plugins only in its
 * asynchronous API, so the function construct runs this in a child process.
 */
import { join, resolve } from 'node:path';
import { bundleLambda } from './lambda-bundling.ts';

const [entry, outDir] = process.argv.slice(2);
if (!entry || !outDir) {
  console.error('usage: tsx infra/bundling/bundle-cli.ts <entry> <outDir>');
  process.exit(2);
}
await bundleLambda(resolve(entry), join(outDir, 'index.mjs'), { sourcemap: true });
