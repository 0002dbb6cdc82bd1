/**
 * Package files in S3, over `fetch` with SigV4 (see `S3Access` for why not the S3 client).
 * Uploads go straight from the client to S3 through presigned PUT URLs that bind the content
 * type and, when the client announced it, the exact length. Neither s3rver nor a PUT without a
 * length checks sizes, so `size`, `read` and `digest` enforce them on this side.
 */
import { createHash } from 'node:crypto';
import type { PackageStorage } from '../../services/ports.ts';
import type { S3Access } from '../aws-clients.ts';

/** RFC 3986 encoding, as SigV4 canonicalises: `encodeURIComponent` leaves `!'()*` alone. */
const rfc3986 = (value: string) =>
  encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
const encodeKey = (key: string) => key.split('/').map(rfc3986).join('/');

interface Signable {
  method: string;
  protocol: string;
  hostname: string;
  port?: number;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
}

export function createPackageStorage(s3: S3Access, bucket: string): PackageStorage {
  const base = s3.bucketUrl(bucket);

  function requestFor(
    method: string,
    key: string,
    headers: Record<string, string> = {},
    query: Record<string, string> = {},
  ): Signable {
    return {
      method,
      protocol: base.protocol,
      hostname: base.hostname,
      ...(base.port ? { port: Number(base.port) } : {}),
      path: `${base.pathname.replace(/\/$/, '')}/${encodeKey(key)}`,
      query,
      headers: { host: base.host, ...headers },
    };
  }

  const urlOf = (request: Signable) => {
    const query = Object.entries(request.query)
      .map(([k, v]) => `${rfc3986(k)}=${rfc3986(v)}`)
      .join('&');
    return `${request.protocol}//${request.hostname}${request.port ? `:${request.port}` : ''}${request.path}${query ? `?${query}` : ''}`;
  };

  async function send(method: string, key: string, headers: Record<string, string> = {}): Promise<Response> {
    const signed = (await s3.signer.sign(requestFor(method, key, headers))) as Signable;
    const { host: _host, ...sendHeaders } = signed.headers;
    return fetch(urlOf(signed), { method, headers: sendHeaders });
  }

  async function failure(response: Response, what: string): Promise<Error> {
    const text = (await response.text().catch(() => '')).slice(0, 2000);
    const code = /<Code>([^<]{1,100})<\/Code>/.exec(text)?.[1] ?? 'no error code';
    return new Error(`S3 ${what} failed: HTTP ${response.status} ${code}`);
  }

  /** The object's body, or null when there is none. */
  async function body(key: string): Promise<ReadableStream<Uint8Array> | null> {
    const response = await send('GET', key);
    if (response.status === 404) {
      await response.body?.cancel();
      return null;
    }
    if (!response.ok || !response.body) throw await failure(response, `GET ${key}`);
    return response.body;
  }

  /** Feeds the body to `take` chunk by chunk; false (and the download dropped) once past `maxBytes`. */
  async function stream(key: string, maxBytes: number, take: (chunk: Uint8Array) => void) {
    const source = await body(key);
    if (!source) return null;
    let bytes = 0;
    // Leaving the loop early cancels the download, so an oversize object is not read to its end.
    for await (const chunk of source as unknown as AsyncIterable<Uint8Array>) {
      bytes += chunk.byteLength;
      if (bytes > maxBytes) return false;
      take(chunk);
    }
    return bytes;
  }

  return {
    async presignUpload(key, { contentType, contentLength, maxBytes, expiresIn }) {
      const headers: Record<string, string> = {
        'content-type': contentType,
        ...(contentLength !== undefined ? { 'content-length': String(contentLength) } : {}),
      };
      // As the SDK's presigner does: the body is not hashed, and `x-id` names the operation.
      const unsigned = { ...headers, 'X-Amz-Content-Sha256': 'UNSIGNED-PAYLOAD' };
      const signed = (await s3.signer.presign(requestFor('PUT', key, unsigned, { 'x-id': 'PutObject' }), {
        expiresIn,
        // Bound into the signature: S3 refuses a PUT whose type (or length) differs.
        signableHeaders: new Set(Object.keys(headers)),
      })) as Signable;
      return { url: urlOf(signed), method: 'PUT', headers, maxBytes };
    },

    async presignDownload(key, expiresIn) {
      const request = requestFor(
        'GET',
        key,
        { 'X-Amz-Content-Sha256': 'UNSIGNED-PAYLOAD' },
        { 'x-id': 'GetObject' },
      );
      return urlOf((await s3.signer.presign(request, { expiresIn })) as Signable);
    },

    async size(key) {
      const response = await send('HEAD', key);
      if (response.status === 404) return null;
      if (!response.ok) throw await failure(response, `HEAD ${key}`);
      return Number(response.headers.get('content-length') ?? 0);
    },

    async read(key, maxBytes) {
      const chunks: Uint8Array[] = [];
      const bytes = await stream(key, maxBytes, (chunk) => chunks.push(chunk));
      return typeof bytes === 'number' ? Buffer.concat(chunks) : null;
    },

    async digest(key, maxBytes) {
      const hash = createHash('sha256');
      const bytes = await stream(key, maxBytes, (chunk) => hash.update(chunk));
      return typeof bytes === 'number' ? { bytes, sha256: hash.digest('hex') } : null;
    },

    async copy(from, to) {
      const response = await send('PUT', to, { 'x-amz-copy-source': `/${bucket}/${encodeKey(from)}` });
      const text = response.ok ? await response.text() : '';
      // CopyObject can fail after its 200 has been sent: the error is then in the body.
      if (!response.ok || text.includes('<Error>')) throw await failure(response, `copy ${from} to ${to}`);
    },

    async remove(keys) {
      // One at a time: s3rver prunes emptied folders after a delete, and two deletes in one
      // folder at once make it answer 500. There are at most four keys.
      for (const key of keys) {
        const response = await send('DELETE', key);
        await response.body?.cancel();
        if (!response.ok && response.status !== 404) throw await failure(response, `DELETE ${key}`);
      }
    },
  };
}
