/**
 * IP text <-> bytes (src/wire/address.ts): RFC 5952 canonical IPv6 text, checked against the RFC's
 * own examples and against an independent reference formatter; endpoints "host:port".
 */

import assert from 'node:assert/strict';
import { isIPv6 } from 'node:net';
import { describe, test } from 'node:test';

import fc from 'fast-check';

import { canonicalHost, formatEndpoint, formatIp, parseEndpoint, parseIp } from '../../src/wire/address.js';
import { ipv4Bytes, ipv6Bytes, TEST_SEED } from './arbitraries.js';

/**
 * RFC 5952 section 4, written from the RFC's rules rather than from address.ts: groups in lowercase
 * hex without leading zeros (4.1, 4.3); the longest run of two or more zero groups replaced by
 * "::", the first such run on a tie (4.2.1-4.2.3); IPv4-mapped addresses in mixed form (section 5).
 */
function referenceFormat(bytes: Uint8Array): string {
  if (bytes.length === 4) return Array.from(bytes).join('.');
  const groups = Array.from({ length: 8 }, (_, i) => (bytes[2 * i] ?? 0) * 256 + (bytes[2 * i + 1] ?? 0));
  if (groups.slice(0, 6).join(',') === '0,0,0,0,0,65535') return `::ffff:${Array.from(bytes.subarray(12)).join('.')}`;
  let best = { start: -1, length: 0 };
  for (let start = 0; start < 8; start++) {
    let length = 0;
    while (start + length < 8 && groups[start + length] === 0) length++;
    if (length >= 2 && length > best.length) best = { start, length };
  }
  const text = groups.map((g) => g.toString(16));
  if (best.start < 0) return text.join(':');
  return `${text.slice(0, best.start).join(':')}::${text.slice(best.start + best.length).join(':')}`;
}

const bytesOfGroups = (...groups: number[]): Uint8Array => Uint8Array.from(groups.flatMap((g) => [g >> 8, g & 0xff]));

describe('RFC 5952 canonical text', () => {
  const cases: [string, string, string][] = [
    ['4.1 leading zeros are suppressed', '2001:0db8::0001', '2001:db8::1'],
    ['4.1 a zero group is a single 0', '2001:db8:0000:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
    ['4.2.1 :: takes the whole run', '2001:db8:0:0:0:0:2:1', '2001:db8::2:1'],
    ['4.2.1 :: never leaves a zero group next to it', '2001:db8::0:2:1', '2001:db8::2:1'],
    ['4.2.2 a single 0 group is not compressed', '2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
    ['4.2.2 not even at the end', '2001:db8:aaaa:bbbb:cccc:dddd::1', '2001:db8:aaaa:bbbb:cccc:dddd:0:1'],
    ['4.2.3 the longest run is compressed', '2001:0:0:1:0:0:0:1', '2001:0:0:1::1'],
    ['4.2.3 the first run on a tie', '2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['4.2.3 the first run on a tie (other spelling)', '2001:db8:0:0:1::1', '2001:db8::1:0:0:1'],
    ['4.3 lowercase', '2001:DB8:aaaa:bbbb:cccc:dddd:eeee:AAAA', '2001:db8:aaaa:bbbb:cccc:dddd:eeee:aaaa'],
    ['4.3 lowercase, compressed', '2001:DB8::ABCD', '2001:db8::abcd'],
    ['section 2.2 variants of one address', '2001:0db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['section 2.2 variants of one address, 2', '2001:db8:0000:0:1::1', '2001:db8::1:0:0:1'],
    ['section 2.2 :: in different places', '2001:db8:0:0:0::1', '2001:db8::1'],
    ['section 5 IPv4-mapped in mixed form', '0:0:0:0:0:ffff:c000:0201', '::ffff:192.0.2.1'],
    ['section 5 IPv4-mapped from mixed form', '::FFFF:192.0.2.1', '::ffff:192.0.2.1'],
    ['the unspecified address', '0:0:0:0:0:0:0:0', '::'],
    ['loopback', '0:0:0:0:0:0:0:1', '::1'],
    ['a run at the end', '1:0:0:0:0:0:0:0', '1::'],
    ['link-local', 'FE80:0000:0000:0000:0000:0000:0000:0001', 'fe80::1'],
    ['no zero at all', '1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8'],
    ['embedded IPv4 that is not mapped is written in hex', '::1.2.3.4', '::102:304'],
    ['IPv4 stays a dotted quad', '192.0.2.1', '192.0.2.1'],
  ];
  for (const [name, input, canonical] of cases) {
    test(`${name}: ${input} -> ${canonical}`, () => {
      assert.equal(canonicalHost(input), canonical);
      assert.equal(canonicalHost(canonical), canonical);
    });
  }

  test('formatIp on bytes', () => {
    assert.equal(formatIp(new Uint8Array(16)), '::');
    assert.equal(formatIp(bytesOfGroups(0x2001, 0xdb8, 0, 0, 1, 0, 0, 1)), '2001:db8::1:0:0:1');
    assert.equal(formatIp(bytesOfGroups(0, 0, 0, 0, 0, 0xffff, 0x0a00, 0x0001)), '::ffff:10.0.0.1');
    assert.equal(formatIp(bytesOfGroups(0, 0, 0, 0, 0, 0xfffe, 0x0a00, 0x0001)), '::fffe:a00:1');
    assert.equal(formatIp(Uint8Array.of(10, 0, 0, 255)), '10.0.0.255');
  });

  test('formatIp agrees with the reference formatter on random addresses', () => {
    fc.assert(
      fc.property(fc.oneof(ipv6Bytes, ipv4Bytes), (bytes) => {
        assert.equal(formatIp(bytes), referenceFormat(bytes));
      }),
      { seed: TEST_SEED, numRuns: 3000 },
    );
  });

  test('parseIp(formatIp(b)) is b, and the text is valid and canonical', () => {
    fc.assert(
      fc.property(fc.oneof(ipv6Bytes, ipv4Bytes), (bytes) => {
        const text = formatIp(bytes);
        assert.deepStrictEqual(parseIp(text), bytes);
        assert.equal(canonicalHost(text), text);
        if (bytes.length === 16) assert.ok(isIPv6(text), text);
      }),
      { seed: TEST_SEED, numRuns: 3000 },
    );
  });
});

describe('parseIp', () => {
  test('IPv4 and IPv6 to 4 and 16 bytes', () => {
    assert.deepStrictEqual(parseIp('192.0.2.1'), Uint8Array.of(192, 0, 2, 1));
    assert.deepStrictEqual(parseIp('::ffff:192.0.2.1'), bytesOfGroups(0, 0, 0, 0, 0, 0xffff, 0xc000, 0x0201));
    assert.deepStrictEqual(parseIp('1:2:3:4:5:6:7::'), bytesOfGroups(1, 2, 3, 4, 5, 6, 7, 0));
    assert.deepStrictEqual(parseIp('::2:3:4:5:6:7:8'), bytesOfGroups(0, 2, 3, 4, 5, 6, 7, 8));
    assert.deepStrictEqual(parseIp('1:2:3:4:5:6:10.0.0.1'), bytesOfGroups(1, 2, 3, 4, 5, 6, 0x0a00, 0x0001));
  });

  test('anything else is null', () => {
    const invalid = [
      '',
      ' ',
      'localhost',
      'example.com',
      '1.2.3',
      '1.2.3.4.5',
      '256.0.0.1',
      '01.2.3.4',
      '1.2.3.4 ',
      '::1::',
      ':::',
      '1:2:3:4:5:6:7:8:9',
      '1:2:3:4:5:6:7',
      'gggg::',
      '12345::',
      '::ffff:1.2.3',
      '::ffff:256.1.1.1',
      'fe80::1%eth0',
      'fe80::1%1',
      '[::1]',
      '1.2.3.4:80',
    ];
    for (const text of invalid) assert.equal(parseIp(text), null, JSON.stringify(text));
  });
});

describe('endpoints', () => {
  test('formatEndpoint brackets IPv6 hosts only', () => {
    assert.equal(formatEndpoint('192.0.2.1', 443), '192.0.2.1:443');
    assert.equal(formatEndpoint('2001:db8::1', 5060), '[2001:db8::1]:5060');
    assert.equal(formatEndpoint('::', 0), '[::]:0');
  });

  test('parseEndpoint reads host:port and [v6]:port, canonicalising the host', () => {
    assert.deepStrictEqual(parseEndpoint('192.0.2.1:443'), { host: '192.0.2.1', port: 443 });
    assert.deepStrictEqual(parseEndpoint('[2001:DB8:0::1]:5060'), { host: '2001:db8::1', port: 5060 });
    assert.deepStrictEqual(parseEndpoint('[::ffff:192.0.2.1]:0'), { host: '::ffff:192.0.2.1', port: 0 });
    assert.deepStrictEqual(parseEndpoint('[::]:65535'), { host: '::', port: 65535 });
  });

  test('parseEndpoint rejects malformed endpoints', () => {
    const invalid = [
      '',
      '192.0.2.1',
      '192.0.2.1:',
      '192.0.2.1:65536',
      '192.0.2.1:123456',
      '192.0.2.1:-1',
      '192.0.2.1:80x',
      '::1:80', // IPv6 without brackets: ambiguous
      '2001:db8::1:5060',
      '[::1]',
      '[::1]:',
      '[::1]:65536',
      '[fe80::1%eth0]:80',
      '[example.com]:80',
      'example.com:80',
      ':80',
    ];
    for (const text of invalid) assert.equal(parseEndpoint(text), null, JSON.stringify(text));
  });

  test('formatEndpoint and parseEndpoint are inverses on canonical hosts', () => {
    fc.assert(
      fc.property(fc.oneof(ipv6Bytes, ipv4Bytes), fc.integer({ min: 0, max: 0xffff }), (bytes, port) => {
        const host = formatIp(bytes);
        assert.deepStrictEqual(parseEndpoint(formatEndpoint(host, port)), { host, port });
      }),
      { seed: TEST_SEED, numRuns: 1000 },
    );
  });
});
