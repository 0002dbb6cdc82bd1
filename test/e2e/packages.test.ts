import { readFileSync } from 'node:fs';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, inject, it } from 'vitest';
import { readEndpoints } from '../../local/endpoints.ts';
import { createS3Client } from '../../shared/adapters/aws-clients.ts';
import { SYNTHETIC_MANIFEST } from '../support/manifests.ts';
import { call, createServer } from './support.ts';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8');
const DAT = Buffer.from('opaque map data '.repeat(2000));

interface Upload {
  url: string;
  method: string;
  headers: Record<string, string>;
  maxBytes: number;
}

async function createPackage(game: 'ets2' | 'ats', json: Record<string, unknown> = {}) {
  const reply = await call('POST', '/v1/packages', { json: { game, name: `e2e ${game}`, ...json } });
  expect(reply.status, reply.text).toBe(201);
  return reply.body as { package: { id: string; state: string }; uploads: { sii: Upload; dat: Upload } };
}

async function put(upload: Upload, body: string | Buffer) {
  const response = await fetch(upload.url, { method: upload.method, headers: upload.headers, body });
  expect(response.status, await response.text()).toBe(200);
}

/** Creates, uploads and finalizes a package; answers the finalize reply. */
async function uploadPackage(game: 'ets2' | 'ats', sii: string, dat: string | Buffer = DAT) {
  const created = await createPackage(game, {
    sizes: { sii: Buffer.byteLength(sii), dat: Buffer.byteLength(dat) },
  });
  await put(created.uploads.sii, sii);
  await put(created.uploads.dat, dat);
  return { id: created.package.id, reply: await call('POST', `/v1/packages/${created.package.id}/finalize`) };
}

describe('mod packages over HTTP', () => {
  it.each([
    ['server_packages.synthetic-mods.sii', 'ets2', SYNTHETIC_MANIFEST],
    [
      'server_packages.ets2-vanilla.sii',
      'ets2',
      {
        map: '/map/europe.mbd',
        dlc: { essential: [], nonEssential: [] },
        mods: [],
        exportedAt: '2022-12-11T00:00:14.000Z',
      },
    ],
    [
      'server_packages.ats-dlc.sii',
      'ats',
      {
        map: '/map/usa.mbd',
        dlc: { essential: [], nonEssential: ['1924694473000009', '49463220153873'] },
        mods: [],
        exportedAt: '2022-12-11T15:17:11.000Z',
      },
    ],
  ] as const)('uploads %s with a .dat and reads back its exact manifest', async (file, game, manifest) => {
    const sii = fixture(file);
    const { id, reply } = await uploadPackage(game, sii);
    expect(reply.status, reply.text).toBe(200);
    expect(reply.body).toMatchObject({ id, state: 'ready', game, expiresAt: null, problems: null });
    expect(reply.body.manifest).toEqual({
      ...manifest,
      sii: { bytes: Buffer.byteLength(sii), sha256: expect.stringMatching(/^[0-9a-f]{64}$/) },
      dat: { bytes: DAT.byteLength, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) },
    });
    expect((await call('GET', `/v1/packages/${id}`)).body).toEqual(reply.body);
    const list = await call('GET', '/v1/packages?limit=100');
    expect(list.body.items.map((p: { id: string }) => p.id)).toContain(id);
  });

  it('refuses a .sii of garbage with a line number and marks the package invalid', async () => {
    const { id, reply } = await uploadPackage(
      'ets2',
      'SiiNunit\n{\nserver_packages_info : x {\n map_name "oops"\n}\n}\n',
    );
    expect(reply.status).toBe(422);
    expect(reply.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(reply.body.errors[0].path).toBe('line 4:11');
    expect((await call('GET', `/v1/packages/${id}`)).body).toMatchObject({
      state: 'invalid',
      manifest: null,
    });
  });

  it("refuses the other game's export", async () => {
    const { reply } = await uploadPackage('ets2', fixture('server_packages.ats-dlc.sii'));
    expect(reply.status).toBe(422);
    expect(reply.body.errors[0].message).toContain('/map/usa.mbd');
  });

  it('refuses an oversize .dat and deletes its object', async () => {
    const created = await createPackage('ets2');
    await put(created.uploads.sii, fixture('server_packages.ets2-vanilla.sii'));
    // s3rver checks no length: the upload lands, and finalize must catch it.
    await put(created.uploads.dat, Buffer.alloc(created.uploads.dat.maxBytes + 1));
    const reply = await call('POST', `/v1/packages/${created.package.id}/finalize`);
    expect(reply.status).toBe(422);
    expect(reply.body.errors).toEqual([expect.objectContaining({ path: 'dat' })]);
    const endpoints = await readEndpoints(inject('dataDir'));
    const s3 = createS3Client({ region: 'us-east-1', endpoints: { s3: endpoints?.s3 ?? undefined } });
    const key = new URL(created.uploads.dat.url).pathname.split('/').slice(2).join('/');
    await expect(s3.send(new HeadObjectCommand({ Bucket: endpoints?.bucket, Key: key }))).rejects.toThrow();
    s3.destroy();
  });

  it('tells a driver which DLC and mods they miss or have extra', async () => {
    const { id } = await uploadPackage('ets2', fixture('server_packages.synthetic-mods.sii'));
    const driver = fixture('server_packages.synthetic-mods.sii')
      .replace(
        ' dlc_essential_list: 1\n dlc_essential_list[0]: 7731044210043321\n',
        ' dlc_essential_list: 0\n',
      )
      .replace(
        ' dlc_non_essential_list: 3\n',
        ' dlc_non_essential_list: 4\n dlc_non_essential_list[3]: 4242\n',
      )
      .replace(
        ' mod_list: 2\n mod_list[0]: _nameless.2a0.11f3.8e01\n mod_list[1]:',
        ' mod_list: 1\n mod_list[0]:',
      );
    const reply = await call('POST', `/v1/packages/${id}/check`, {
      raw: driver,
      headers: { 'content-type': 'text/plain; charset=utf-8' },
    });
    expect(reply.status, reply.text).toBe(200);
    expect(reply.body).toEqual({
      compatible: false,
      map: { expected: '/map/europe.mbd', actual: '/map/europe.mbd', matches: true },
      dlc: { missing: [{ code: '7731044210043321', essential: true }], extra: ['4242'] },
      mods: { missing: [SYNTHETIC_MANIFEST.mods[0]], extra: [] },
    });
    const json = await call('POST', `/v1/packages/${id}/check`, { raw: driver });
    expect(json.status).toBe(415);
    const broken = await call('POST', `/v1/packages/${id}/check`, {
      raw: 'SiiNunit {\n x',
      headers: { 'content-type': 'text/plain' },
    });
    expect(broken.status).toBe(422);
    expect(broken.body.errors[0].path).toMatch(/^line 2:/);
  });

  it('refuses to delete a package a server uses, then deletes it once free', async () => {
    const { id } = await uploadPackage('ets2', fixture('server_packages.ets2-vanilla.sii'));
    const server = await createServer(undefined, { packageId: id });
    const refused = await call('DELETE', `/v1/packages/${id}`);
    expect(refused.status).toBe(409);
    expect((await call('DELETE', `/v1/servers/${server.id}`)).status).toBe(204);
    expect((await call('DELETE', `/v1/packages/${id}`)).status).toBe(204);
    expect((await call('GET', `/v1/packages/${id}`)).status).toBe(404);
  });

  it('replays a create with the same Idempotency-Key', async () => {
    const headers = { 'idempotency-key': `e2e-${Date.now()}` };
    const first = await call('POST', '/v1/packages', { json: { game: 'ats', name: 'idem' }, headers });
    const second = await call('POST', '/v1/packages', { json: { game: 'ats', name: 'idem' }, headers });
    expect(second.status).toBe(201);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(second.body.package.id).toBe(first.body.package.id);
  });
});

describe('the local default packages', () => {
  it('lets a server without a package start, and cannot be deleted while it is the default', async () => {
    const listed = await call('GET', '/v1/packages?limit=100');
    const defaults = (
      listed.body.items as { id: string; game: string; state: string; name: string }[]
    ).filter((p) => p.name.endsWith('(local default)'));
    expect(defaults.map((p) => [p.game, p.state]).sort()).toEqual([
      ['ats', 'ready'],
      ['ets2', 'ready'],
    ]);
    const server = await createServer(undefined, { game: 'ats' });
    expect((await call('POST', `/v1/servers/${server.id}/start`)).status).toBe(202);
    expect((await call('DELETE', `/v1/servers/${server.id}`)).status).toBe(202);
    const ats = defaults.find((p) => p.game === 'ats');
    expect((await call('DELETE', `/v1/packages/${ats?.id}`)).status).toBe(409);
  });
});
