/**
 * The project's one zod entry: `import * as z from './zod.ts'`. It is `zod/mini`, because the
 * classic API adds ~75 KB to every Lambda bundle (measured: 436 KB vs 362 KB with the DynamoDB
 * client), which alone would break the 400 KB budget; English messages cost 3 KB and are
 * worth it. Re-exporting with `export *` (never the namespace object as a value) keeps
 * esbuild able to drop every part of zod a bundle does not use.
 */
import { config } from 'zod/mini';
import en from 'zod/v4/locales/en.js';

config(en());

export * from 'zod/mini';
