/**
 * Where a webhook may be delivered (SSRF): in AWS only `https` to a public address, checked
 * when the webhook is made and again on the address each delivery actually connects to (DNS
 * can change between the two). Pure: resolving names is the adapter's job.
 */

/** IPv4 ranges that are not the public internet (RFC 6890 and friends). */
const IPV4_BLOCKED: readonly [string, number, string][] = [
  ['0.0.0.0', 8, 'this-network'],
  ['10.0.0.0', 8, 'private'],
  ['100.64.0.0', 10, 'carrier-grade NAT'],
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link-local'],
  ['172.16.0.0', 12, 'private'],
  ['192.0.0.0', 24, 'IETF protocol assignments'],
  ['192.0.2.0', 24, 'documentation'],
  ['192.88.99.0', 24, '6to4 relay'],
  ['192.168.0.0', 16, 'private'],
  ['198.18.0.0', 15, 'benchmarking'],
  ['198.51.100.0', 24, 'documentation'],
  ['203.0.113.0', 24, 'documentation'],
  ['224.0.0.0', 4, 'multicast'],
  ['240.0.0.0', 4, 'reserved'],
];

function ipv4ToNumber(ip: string): number | null {
  const parts = ip.split('.');
  if (parts.length !== 4) return null;
  let n = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part) || Number(part) > 255) return null;
    n = n * 256 + Number(part);
  }
  return n;
}

function blockedIpv4(n: number): string | null {
  for (const [base, bits, reason] of IPV4_BLOCKED) {
    const start = ipv4ToNumber(base) as number;
    const size = 2 ** (32 - bits);
    if (n >= start && n < start + size) return reason;
  }
  return null;
}

/** Eight 16-bit groups, or null when `ip` is not an IPv6 address (dotted IPv4 tail allowed). */
function ipv6Groups(ip: string): number[] | null {
  let text = ip.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (tail?.[1]) {
    const n = ipv4ToNumber(tail[1]);
    if (n === null) return null;
    text = `${text.slice(0, -tail[1].length)}${(n >>> 16).toString(16)}:${(n & 0xffff).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const parse = (s: string) => (s === '' ? [] : s.split(':'));
  const head = parse(halves[0] ?? '');
  const rest = halves.length === 2 ? parse(halves[1] ?? '') : [];
  const missing = 8 - head.length - rest.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return null;
  const all = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...rest];
  const groups: number[] = [];
  for (const group of all) {
    if (!/^[0-9a-f]{1,4}$/i.test(group)) return null;
    groups.push(Number.parseInt(group, 16));
  }
  return groups;
}

function blockedIpv6(g: number[]): string | null {
  const [a = 0, b = 0, c = 0, d = 0, e = 0, f = 0, h = 0, i = 0] = g;
  const embedded = (hi: number, lo: number) => blockedIpv4(hi * 65536 + lo);
  const zeros5 = a === 0 && b === 0 && c === 0 && d === 0 && e === 0;
  if (zeros5 && f === 0 && h === 0 && i === 0) return 'unspecified';
  if (zeros5 && f === 0 && h === 0 && i === 1) return 'loopback';
  // IPv4-mapped (::ffff:a.b.c.d) and IPv4-compatible (::a.b.c.d): the IPv4 address decides.
  if (zeros5 && (f === 0xffff || f === 0)) return embedded(h, i);
  // NAT64 (64:ff9b::/96) reaches the embedded IPv4 address.
  if (a === 0x64 && b === 0xff9b && c === 0 && d === 0 && e === 0 && f === 0) return embedded(h, i);
  // 6to4 (2002::/16) carries an IPv4 address in its next 32 bits.
  if (a === 0x2002) return embedded(b, c);
  if (a === 0x2001 && b === 0) return 'Teredo';
  if (a === 0x2001 && b === 0xdb8) return 'documentation';
  if (a === 0x100 && b === 0 && c === 0 && d === 0) return 'discard';
  if ((a & 0xfe00) === 0xfc00) return 'unique local';
  if ((a & 0xffc0) === 0xfe80) return 'link-local';
  if ((a & 0xffc0) === 0xfec0) return 'site-local';
  if ((a & 0xff00) === 0xff00) return 'multicast';
  return null;
}

/**
 * Why an IP address is no place for a webhook (`loopback`, `private`, ...), or `null` for a
 * public one. Anything that is not a plain IP address is refused too (`not an IP address`).
 */
export function blockedAddressReason(ip: string): string | null {
  const v4 = ipv4ToNumber(ip);
  if (v4 !== null) return blockedIpv4(v4);
  const v6 = ipv6Groups(ip);
  if (v6) return blockedIpv6(v6);
  return 'not an IP address';
}

/** An IP literal as a URL's host spells it (brackets off), or null for a name. */
export function ipLiteralOf(hostname: string): string | null {
  const bare = hostname.replace(/^\[|\]$/g, '');
  return ipv4ToNumber(bare) !== null || ipv6Groups(bare) ? bare : null;
}

/**
 * What is wrong with `raw` as a webhook URL before any name is resolved, or `null`. WHATWG URL
 * parsing already turns `http://2130706433/`, `0x7f.1` and `017700000001` into `127.0.0.1`, so
 * the literal checked is the address a client would connect to.
 */
export function urlProblem(raw: string, local: boolean): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'must be an absolute URL';
  }
  if (url.username || url.password) return 'must not carry credentials';
  if (local) return url.protocol === 'https:' || url.protocol === 'http:' ? null : 'must be an http(s) URL';
  if (url.protocol !== 'https:') return 'must be an https URL';
  const host = url.hostname.toLowerCase().replace(/\.$/, '');
  const literal = ipLiteralOf(host);
  if (literal) {
    const reason = blockedAddressReason(literal);
    return reason ? `must not point at a ${reason} address (${literal})` : null;
  }
  if (!host.includes('.') || /(^|\.)(localhost|local|internal|localdomain|home\.arpa)$/.test(host)) {
    return `must name a public host (${host} is not one)`;
  }
  return null;
}
