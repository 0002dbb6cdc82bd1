import { ENV } from './env-names.ts';

/** The deployed version (set by the CDK app and the local runtime from package.json). */
export const loadVersion = (env: NodeJS.ProcessEnv = process.env): string => env[ENV.version] || '0.0.0-dev';
