import 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The running local stack's API, e.g. `http://127.0.0.1:41234` (started by `global-setup.ts`). */
    apiUrl: string;
    /** An admin key (every scope) of the tenant `local`. */
    adminKey: string;
    /** The stack's `CONVOY_DATA_DIR`, for tools that find it through `endpoints.json` (the keys CLI). */
    dataDir: string;
  }
}
