import { describe, expect, it } from 'vitest';
import { blockedAddressReason, urlProblem } from '../../../shared/domain/address-policy.ts';

describe('the SSRF address classifier', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'link-local'],
    ['100.64.0.1', 'carrier-grade NAT'],
    ['100.127.255.255', 'carrier-grade NAT'],
    ['0.0.0.0', 'this-network'],
    ['224.0.0.251', 'multicast'],
    ['255.255.255.255', 'reserved'],
    ['::1', 'loopback'],
    ['::', 'unspecified'],
    ['fd00::1', 'unique local'],
    ['fc12:3456::1', 'unique local'],
    ['fe80::1%eth0', 'link-local'],
    ['ff02::1', 'multicast'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:a9fe:a9fe', 'link-local'],
    ['::ffff:10.0.0.1', 'private'],
    ['64:ff9b::a9fe:a9fe', 'link-local'],
    ['2002:7f00:1::', 'loopback'],
    ['[::1]', 'loopback'],
  ])('refuses %s (%s)', (ip, reason) => {
    expect(blockedAddressReason(ip)).toBe(reason);
  });

  it.each(['8.8.8.8', '1.1.1.1', '172.32.0.1', '100.128.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8'])(
    'allows the public address %s',
    (ip) => {
      expect(blockedAddressReason(ip)).toBeNull();
    },
  );

  it('refuses what is not an IP address', () => {
    expect(blockedAddressReason('example.com')).toBe('not an IP address');
    expect(blockedAddressReason('1.2.3.256')).toBe('not an IP address');
    expect(blockedAddressReason('1::2::3')).toBe('not an IP address');
  });
});

describe('webhook URLs in AWS', () => {
  it('takes an https URL to a public name or address', () => {
    expect(urlProblem('https://hooks.example.com/convoy', false)).toBeNull();
    expect(urlProblem('https://8.8.8.8/hook', false)).toBeNull();
  });

  it('refuses http, credentials and local names', () => {
    expect(urlProblem('http://hooks.example.com/', false)).toBe('must be an https URL');
    expect(urlProblem('https://user:pw@hooks.example.com/', false)).toBe('must not carry credentials');
    expect(urlProblem('https://localhost/', false)).toMatch(/public host/);
    expect(urlProblem('https://metadata.internal/', false)).toMatch(/public host/);
    expect(urlProblem('https://intranet/', false)).toMatch(/public host/);
  });

  it.each([
    // Decimal, hex, octal and short forms of 127.0.0.1 and 169.254.169.254: URL parsing normalises them.
    ['https://2130706433/', 'loopback'],
    ['https://0x7f000001/', 'loopback'],
    ['https://0x7f.1/', 'loopback'],
    ['https://017700000001/', 'loopback'],
    ['https://127.1/', 'loopback'],
    ['https://2852039166/latest/meta-data/', 'link-local'],
    ['https://[::ffff:127.0.0.1]/', 'loopback'],
    ['https://[::ffff:169.254.169.254]/', 'link-local'],
    ['https://[fd00::1]/', 'unique local'],
    ['https://10.0.0.1./', 'private'],
  ])('refuses %s as a %s address', (url, reason) => {
    expect(urlProblem(url, false)).toContain(`${reason} address`);
  });
});

describe('webhook URLs in local mode', () => {
  it('allows loopback over http, still no other scheme', () => {
    expect(urlProblem('http://127.0.0.1:8080/hook', true)).toBeNull();
    expect(urlProblem('ftp://127.0.0.1/', true)).toBe('must be an http(s) URL');
  });
});
