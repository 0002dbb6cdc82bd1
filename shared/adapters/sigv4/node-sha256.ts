/**
 * SHA-256 and HMAC-SHA-256 from node:crypto in the shape `@smithy/signature-v4` expects, for
 * the signers that run without an SDK client: the host agent and the local gateway's check of
 * its signatures.
 */
import { createHash, createHmac } from 'node:crypto';

type Data = string | ArrayBuffer | ArrayBufferView;

export class NodeSha256 {
  private readonly hash;
  constructor(secret?: Data) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', toBytes(secret));
  }
  update(data: Data): void {
    this.hash.update(toBytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
}

function toBytes(data: Data): Buffer {
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(data);
}

/** The service name API Gateway's IAM authorization expects in the credential scope. */
export const EXECUTE_API = 'execute-api';
