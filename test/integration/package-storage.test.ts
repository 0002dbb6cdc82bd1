import { createHash } from 'node:crypto';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createS3Access } from '../../shared/adapters/aws-clients.ts';
import { createPackageStorage } from '../../shared/adapters/s3/package-storage.ts';
import type { PackageStorage } from '../../shared/services/ports.ts';
import type { TestBucket } from './s3-support.ts';
import { startTestBucket } from './s3-support.ts';

let s3: TestBucket;
let storage: PackageStorage;

beforeAll(async () => {
  s3 = await startTestBucket();
  storage = createPackageStorage(
    createS3Access({ region: 'us-east-1', endpoints: { s3: s3.endpoint } }),
    s3.bucket,
  );
});
afterAll(() => s3.stop());

const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

describe('package storage against s3rver', () => {
  it('takes a presigned PUT with its signed headers and stores the body unframed', async () => {
    const body = Buffer.alloc(1000, 7);
    const target = await storage.presignUpload('uploads/t/p/a.dat', {
      contentType: 'application/octet-stream',
      contentLength: body.byteLength,
      maxBytes: 2000,
      expiresIn: 60,
    });
    expect(target).toMatchObject({ method: 'PUT', maxBytes: 2000 });
    expect(target.url).toContain('X-Amz-SignedHeaders=content-length%3Bcontent-type%3Bhost');
    expect(target.url).not.toContain('x-amz-checksum');
    const response = await fetch(target.url, { method: 'PUT', headers: target.headers, body });
    expect(response.status).toBe(200);
    expect(await storage.size('uploads/t/p/a.dat')).toBe(1000);
    expect(await storage.digest('uploads/t/p/a.dat', 2000)).toEqual({ bytes: 1000, sha256: sha256(body) });
  });

  it('reports a missing object as null and refuses objects over the limit', async () => {
    expect(await storage.size('nope')).toBeNull();
    expect(await storage.read('nope', 10)).toBeNull();
    await s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: 'big', Body: Buffer.alloc(5000) }));
    expect(await storage.size('big')).toBe(5000);
    expect(await storage.read('big', 4999)).toBeNull();
    expect(await storage.digest('big', 4999)).toBeNull();
    expect((await storage.read('big', 5000))?.byteLength).toBe(5000);
  });

  it('copies, presigns downloads and deletes', async () => {
    await s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: 'uploads/x', Body: 'hello' }));
    await storage.copy('uploads/x', 'packages/x');
    const download = await fetch(await storage.presignDownload('packages/x', 60));
    expect(await download.text()).toBe('hello');
    await storage.remove(['uploads/x', 'packages/x']);
    expect(await storage.size('uploads/x')).toBeNull();
    expect(await storage.size('packages/x')).toBeNull();
  });

  it('deletes several objects of one folder (s3rver fails deletes that race in a folder)', async () => {
    const keys = ['uploads/t/q/a.sii', 'uploads/t/q/a.dat', 'uploads/t/q/missing'];
    for (const Key of keys.slice(0, 2)) {
      await s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key, Body: 'x' }));
    }
    await storage.remove(keys);
    expect(await Promise.all(keys.map((key) => storage.size(key)))).toEqual([null, null, null]);
  });
});
