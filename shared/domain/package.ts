/**
 * Mod packages: a `server_packages.sii` + `.dat` pair exported from the game, uploaded straight
 * to S3, then checked and described by its manifest. A package is `pending` until finalized,
 * then `ready` or `invalid` (with line-numbered reasons).
 */
import type { FieldIssue } from './errors.ts';
import type { Game } from './server.ts';
import { GAMES, PackageIdSchema, siiString } from './server.ts';
import type { SiiManifest } from './sii/manifest.ts';
import { MAX_SII_BYTES } from './sii/parser.ts';
import * as z from './zod.ts';

export { PackageIdSchema };

export const PACKAGE_STATES = ['pending', 'ready', 'invalid'] as const;
export type PackageState = (typeof PACKAGE_STATES)[number];

export const PACKAGE_FILES = {
  sii: { name: 'server_packages.sii', maxBytes: MAX_SII_BYTES, contentType: 'text/plain' },
  dat: { name: 'server_packages.dat', maxBytes: 64 * 1024 * 1024, contentType: 'application/octet-stream' },
} as const;
export type PackageFile = keyof typeof PACKAGE_FILES;

/** Presigned upload URLs expire quickly: they are bearer credentials for a write. */
export const UPLOAD_URL_SECONDS = 15 * 60;
/** An unfinalized package (and its uploads, by S3 lifecycle) is forgotten after this. */
export const PENDING_HOURS = 24;

const sizeOf = (file: PackageFile) =>
  z
    .int()
    .check(
      z.gte(1, 'must be at least 1 byte'),
      z.lte(PACKAGE_FILES[file].maxBytes, `must be at most ${PACKAGE_FILES[file].maxBytes} bytes`),
    );

export const CreatePackageRequestSchema = z.strictObject({
  game: z.enum(GAMES),
  name: siiString(100).check(z.minLength(1, 'must not be empty')),
  /**
   * The files' exact sizes, if known: the upload URLs then sign `Content-Length`, so S3 refuses
   * any other body. Without them the limits are enforced at finalize.
   */
  sizes: z.optional(z.strictObject({ sii: sizeOf('sii'), dat: sizeOf('dat') })),
});
export type CreatePackageRequest = z.infer<typeof CreatePackageRequestSchema>;

export interface FileDigest {
  readonly bytes: number;
  readonly sha256: string;
}

export interface PackageManifest extends SiiManifest {
  readonly sii: FileDigest;
  readonly dat: FileDigest;
}

export interface PackageRecord {
  readonly id: string;
  readonly tenantId: string;
  readonly game: Game;
  readonly name: string;
  readonly state: PackageState;
  readonly manifest: PackageManifest | null;
  /** Why an `invalid` package was refused, with `line L:C` paths for parse errors. */
  readonly problems: readonly FieldIssue[] | null;
  readonly createdAt: string;
  readonly updatedAt: string;
  /** Only while `pending`: after this the package no longer exists. */
  readonly expiresAt: string | null;
  readonly version: number;
}

export type PackageView = Omit<PackageRecord, 'tenantId' | 'version'>;

export function toPackageView(record: PackageRecord): PackageView {
  const { tenantId: _tenant, version: _version, ...view } = record;
  return view;
}

export interface UploadTarget {
  readonly url: string;
  readonly method: 'PUT';
  /** Send exactly these headers with the body: they are part of the signature. */
  readonly headers: Readonly<Record<string, string>>;
  readonly maxBytes: number;
}

/** The detail of the 409 a server start answers when neither it nor the deployment has a package. */
export const NO_PACKAGE_DETAIL =
  'This server has no mod package and the deployment has no default for its game. In the game, enable the console (uset g_console "1" in config.cfg), load your profile, run export_server_packages, then upload server_packages.sii and server_packages.dat with POST /v1/packages and set the server\'s packageId.';

/** Object keys: uploads land under `uploads/` (expired by lifecycle), finalized files under `packages/`. */
export const objectKeys = {
  upload: (tenantId: string, id: string, file: PackageFile) =>
    `uploads/${tenantId}/${id}/${PACKAGE_FILES[file].name}`,
  stored: (tenantId: string, id: string, file: PackageFile) =>
    `packages/${tenantId}/${id}/${PACKAGE_FILES[file].name}`,
};
export const UPLOAD_PREFIX = 'uploads/';
