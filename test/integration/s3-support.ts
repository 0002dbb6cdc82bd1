/** An s3rver per test file: in process, on loopback, in a temporary folder, started in milliseconds. */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { startS3Local } from '../../local/s3-local.ts';
import { createS3Client } from '../../shared/adapters/aws-clients.ts';

export interface TestBucket {
  readonly client: S3Client;
  readonly bucket: string;
  readonly endpoint: string;
  stop(): Promise<void>;
}

export async function startTestBucket(): Promise<TestBucket> {
  const directory = await mkdtemp(join(tmpdir(), 'convoy-s3-'));
  const bucket = `test-${randomBytes(4).toString('hex')}`;
  const s3 = await startS3Local({ directory, bucket });
  const client = createS3Client({ region: 'us-east-1', endpoints: { s3: s3.endpoint } });
  return {
    client,
    bucket,
    endpoint: s3.endpoint,
    async stop() {
      client.destroy();
      await s3.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
