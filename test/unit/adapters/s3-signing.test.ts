import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createS3Access } from '../../../shared/adapters/aws-clients.ts';
import { createPackageStorage } from '../../../shared/adapters/s3/package-storage.ts';

/**
 * s3rver checks no signature, so the signed-fetch adapter is held against the SDK's own S3
 * presigner here: same credentials, clock and request must give the same URL, byte for byte.
 */
const CREDENTIALS = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
};

describe('S3 signing without the S3 client', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: new Date('2026-11-22T10:00:00Z') });
    vi.stubEnv('AWS_ACCESS_KEY_ID', CREDENTIALS.accessKeyId);
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', CREDENTIALS.secretAccessKey);
    vi.stubEnv('AWS_SESSION_TOKEN', '');
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllEnvs();
  });

  it('presigns the same upload URL as the SDK presigner, length and type signed', async () => {
    const key = 'uploads/acme/pkg_01/server_packages.sii';
    const storage = createPackageStorage(createS3Access({ region: 'eu-central-1' }), 'convoy-packages-abc');
    const ours = await storage.presignUpload(key, {
      contentType: 'text/plain',
      contentLength: 1234,
      maxBytes: 1024 * 1024,
      expiresIn: 900,
    });
    const client = new S3Client({
      region: 'eu-central-1',
      credentials: CREDENTIALS,
      requestChecksumCalculation: 'WHEN_REQUIRED',
    });
    const sdk = await getSignedUrl(
      client,
      new PutObjectCommand({
        Bucket: 'convoy-packages-abc',
        Key: key,
        ContentType: 'text/plain',
        ContentLength: 1234,
      }),
      { expiresIn: 900, signableHeaders: new Set(['content-type']) },
    );
    const params = (url: string) => Object.fromEntries(new URL(url).searchParams);
    expect(new URL(ours.url).origin + new URL(ours.url).pathname).toBe(
      new URL(sdk).origin + new URL(sdk).pathname,
    );
    expect(params(ours.url)).toEqual(params(sdk));
    expect(params(ours.url)['X-Amz-SignedHeaders']).toBe('content-length;content-type;host');
  });
});
