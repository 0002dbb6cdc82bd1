/**
 * The S3 stand-in: s3rver, in process, on loopback, keeping objects in a folder. It checks that
 * a presigned URL's key id exists and that it has not expired, but neither signatures nor POST
 * policies: the package flow enforces sizes itself (see docs/storage.md).
 */
import type { AddressInfo } from 'node:net';
import S3rver from 's3rver';

export interface S3Local {
  readonly endpoint: string;
  close(): Promise<void>;
}

export interface S3LocalOptions {
  /** Where objects live. */
  readonly directory: string;
  readonly bucket: string;
  /** @default 0 - a free port */
  readonly port?: number;
}

/** Browser uploads from any origin, as the deployed bucket's CORS rule allows. */
const CORS = Buffer.from(
  '<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>PUT</AllowedMethod><AllowedMethod>GET</AllowedMethod><AllowedHeader>*</AllowedHeader><MaxAgeSeconds>3000</MaxAgeSeconds></CORSRule></CORSConfiguration>',
);

export async function startS3Local({ directory, bucket, port = 0 }: S3LocalOptions): Promise<S3Local> {
  const server = new S3rver({
    address: '127.0.0.1',
    port,
    directory,
    silent: true,
    configureBuckets: [{ name: bucket, configs: [CORS] }],
  });
  const address = (await server.run()) as AddressInfo;
  return { endpoint: `http://127.0.0.1:${address.port}`, close: () => server.close() };
}
