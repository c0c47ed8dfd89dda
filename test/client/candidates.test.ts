import assert from 'node:assert/strict';
import type { NetworkInterfaceInfo } from 'node:os';
import { test } from 'node:test';

import { allCandidates, dialOrder, HOST_CANDIDATES_MAX, hostCandidates, isLoopback } from '../../src/client/candidates.js';
import { USER_RECORD_CANDIDATES_MAX } from '../../src/overlay/user-record.js';

const info = (address: string, internal = false): NetworkInterfaceInfo =>
  (address.includes(':') ? { address, netmask: 'ffff:ffff:ffff:ffff::', family: 'IPv6', mac: '00:00:00:00:00:00', internal, cidr: null, scopeid: 0 } : { address, netmask: '255.255.255.0', family: 'IPv4', mac: '00:00:00:00:00:00', internal, cidr: null });

const interfaces = { lo: [info('127.0.0.1', true), info('::1', true)], eth0: [info('192.0.2.10'), info('fe80::1'), info('2001:db8::10')], wlan0: [info('198.51.100.4')] };

test('host candidates: IPv4 first, then IPv6, loopback last and only when asked; no link-local; no IPv6 on an IPv4 socket', () => {
  assert.deepEqual(hostCandidates(interfaces, 4000, { loopback: false, ipv6: true }), ['udp:192.0.2.10:4000', 'udp:198.51.100.4:4000', 'udp:[2001:db8::10]:4000']);
  assert.deepEqual(hostCandidates(interfaces, 4000, { loopback: true, ipv6: true }).slice(-2), ['udp:127.0.0.1:4000', 'udp:[::1]:4000']);
  assert.deepEqual(hostCandidates(interfaces, 4000, { loopback: false, ipv6: false }), ['udp:192.0.2.10:4000', 'udp:198.51.100.4:4000']);
  const many = { eth: Array.from({ length: 40 }, (_, i) => info(`10.0.0.${i + 1}`)) };
  assert.equal(hostCandidates(many, 1, { loopback: false, ipv6: true }).length, HOST_CANDIDATES_MAX);
});

test("reflexive candidates follow the host ones when they differ from them, within the record's limit", () => {
  const host = hostCandidates(interfaces, 4000, { loopback: false, ipv6: true });
  assert.deepEqual(allCandidates(host, [{ host: '203.0.113.7', port: 61000 }, { host: '192.0.2.10', port: 4000 }]), [...host, 'udp:203.0.113.7:61000']);
  const full = Array.from({ length: USER_RECORD_CANDIDATES_MAX }, (_, i) => `udp:10.0.0.${i}:1`);
  assert.equal(allCandidates(full, [{ host: '203.0.113.7', port: 1 }]).length, USER_RECORD_CANDIDATES_MAX);
});

test("dialing order: a record's UDP candidates in its order, deduplicated; TCP, malformed and (without IPv6) IPv6 ones left out", () => {
  const record = ['udp:192.0.2.10:4000', 'tcp:192.0.2.10:443', 'udp:[2001:DB8::10]:4000', 'udp:192.0.2.10:4000', 'udp:nonsense', 'udp:192.0.2.11:0', 'udp:192.0.2.12:70000', 'udp:[2001:db8::10]:4000'];
  assert.deepEqual(dialOrder(record, { ipv6: true }), [{ host: '192.0.2.10', port: 4000 }, { host: '2001:db8::10', port: 4000 }]);
  assert.deepEqual(dialOrder(record, { ipv6: false }), [{ host: '192.0.2.10', port: 4000 }]);
  assert.deepEqual([isLoopback('127.3.2.1'), isLoopback('::1'), isLoopback('::2'), isLoopback('10.0.0.1'), isLoopback('name')], [true, true, false, false, false]);
});
