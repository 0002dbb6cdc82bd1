/**
 * The EC2 Query protocol as `@aws-sdk/client-ec2` speaks it: form-encoded parameters in,
 * XML out (namespace 2016-11-15), errors as `<Response><Errors><Error>`. Only the shapes the
 * stand-in answers are rendered.
 */
import { randomUUID } from 'node:crypto';

export const EC2_XMLNS = 'http://ec2.amazonaws.com/doc/2016-11-15/';

export type Params = ReadonlyMap<string, string>;

export const parseForm = (body: string): Params => new Map(new URLSearchParams(body));

/** `Prefix.1`, `Prefix.2`, ...: the protocol's lists, in order. */
export function listParam(params: Params, prefix: string): string[] {
  const values: string[] = [];
  for (let i = 1; params.has(`${prefix}.${i}`); i++) values.push(params.get(`${prefix}.${i}`) as string);
  return values;
}

export interface Filter {
  readonly name: string;
  readonly values: readonly string[];
}

export function filtersOf(params: Params): Filter[] {
  const filters: Filter[] = [];
  for (let i = 1; params.has(`Filter.${i}.Name`); i++) {
    filters.push({
      name: params.get(`Filter.${i}.Name`) as string,
      values: listParam(params, `Filter.${i}.Value`),
    });
  }
  return filters;
}

export interface Tag {
  readonly key: string;
  readonly value: string;
}

/** The tags of the `instance` tag specifications of a RunInstances call. */
export function instanceTagsOf(params: Params): Tag[] {
  const tags: Tag[] = [];
  for (let i = 1; params.has(`TagSpecification.${i}.ResourceType`); i++) {
    if (params.get(`TagSpecification.${i}.ResourceType`) !== 'instance') continue;
    for (let j = 1; params.has(`TagSpecification.${i}.Tag.${j}.Key`); j++) {
      tags.push({
        key: params.get(`TagSpecification.${i}.Tag.${j}.Key`) as string,
        value: params.get(`TagSpecification.${i}.Tag.${j}.Value`) ?? '',
      });
    }
  }
  return tags;
}

const escapeXml = (text: string): string =>
  text.replace(/[<>&'"]/g, (c) => `&${{ '<': 'lt', '>': 'gt', '&': 'amp', "'": 'apos', '"': 'quot' }[c]};`);

/** An element; `content` is either text (escaped) or already-rendered children (an array). */
export function el(name: string, content: string | number | readonly string[] | null | undefined): string {
  if (content === null || content === undefined) return `<${name}/>`;
  const inner = Array.isArray(content) ? content.join('') : escapeXml(String(content));
  return `<${name}>${inner}</${name}>`;
}

export const items = (rendered: readonly string[]): string[] => rendered.map((item) => el('item', [item]));

export function responseXml(action: string, children: readonly string[]): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${action}Response xmlns="${EC2_XMLNS}">${el('requestId', randomUUID())}${children.join('')}</${action}Response>`;
}

export function errorXml(code: string, message: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error>${el('Code', code)}${el('Message', message)}</Error></Errors>${el('RequestID', randomUUID())}</Response>`;
}

/** An EC2 error: its code, message and HTTP status (throttling is 503, as EC2 answers it). */
export class Ec2Fault extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}
