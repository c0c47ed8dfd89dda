import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { test } from 'node:test';

import { decodeNatPmp, defaultGateway, externalAddressRequest, mapUdpRequest } from '../../src/nat/natpmp.js';
import { NatPmpMapper } from '../../src/nat/port-mapper.js';

test('NAT-PMP bytes (RFC 6886): requests as the RFC lays them out; answers decoded, refusals and anything malformed coded', () => {
  assert.deepEqual([...externalAddressRequest()], [0, 0]);
  assert.equal(Buffer.from(mapUdpRequest(4000, 4000, 7200)).toString('hex'), '000100000fa00fa000001c20');
  assert.throws(() => mapUdpRequest(0, 0, 0), /internal port/);
  assert.deepEqual(decodeNatPmp(Buffer.from('0080000000000fef c6336465'.replace(/ /g, ''), 'hex')), { ok: true, op: 'external-address', epoch: 4079, address: '198.51.100.101' });
  assert.deepEqual(decodeNatPmp(Buffer.from('008100000000000a0fa0c35000001c20', 'hex')), { ok: true, op: 'map-udp', epoch: 10, internalPort: 4000, externalPort: 50000, lifetimeS: 7200 });
  // What miniupnpd answers when its WAN address is reserved (measured in the lab): NETWORK_FAILURE.
  assert.deepEqual(decodeNatPmp(Buffer.from('0080000300000fef00000000', 'hex')), { ok: false, code: 'NATPMP_REFUSED', reason: 'the gateway answered NETWORK_FAILURE' });
  for (const hex of ['', '0080', '0180000000000000', '0002000000000000', '0080000000000fefc63364', '0081000000000000']) assert.equal(decodeNatPmp(Buffer.from(hex, 'hex')).ok, false, hex);
});

test('the default gateway from /proc/net/route', () => {
  const table = 'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\neth0\t0000010A\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\neth0\t00000000\t0100010A\t0003\t0\t0\t0\t00000000\t0\t0\t0\n';
  assert.equal(defaultGateway(table), '10.1.0.1');
  assert.equal(defaultGateway('Iface\tDestination\tGateway\n'), null);
});

test('a NAT-PMP mapper against a gateway on loopback: mapped, then deleted on close; a silent gateway gives null with the reason', { timeout: 20_000 }, async () => {
  const gateway = createSocket('udp4');
  const seen: string[] = [];
  let deleted: () => void = () => undefined;
  const deletion = new Promise<void>((resolve) => (deleted = resolve));
  gateway.on('message', (m, from) => {
    seen.push(m.toString('hex'));
    if (m.length === 12 && m.readUInt32BE(8) === 0) deleted();
    const reply = m[1] === 0 ? Buffer.from('0080000000000001c6336465', 'hex') : Buffer.concat([Buffer.from('0081000000000001', 'hex'), m.subarray(4, 6), Buffer.from([0xc3, 0x50]), m.subarray(8, 12)]);
    gateway.send(reply, from.port, from.address);
  });
  await new Promise<void>((resolve) => gateway.bind(0, '127.0.0.1', resolve));
  const mapper = new NatPmpMapper('127.0.0.1', 4000, gateway.address().port);
  assert.deepEqual(await mapper.map(), { gateway: '127.0.0.1', address: '198.51.100.101', externalPort: 50000, internalPort: 4000, lifetimeS: 7200 });
  await mapper.close();
  await deletion;
  assert.deepEqual(seen, ['0000', '000100000fa00fa000001c20', '000100000fa0000000000000'], 'address, map, then the deletion');
  await new Promise<void>((resolve) => gateway.close(() => resolve()));

  const silent = createSocket('udp4');
  await new Promise<void>((resolve) => silent.bind(0, '127.0.0.1', resolve));
  const nobody = new NatPmpMapper('127.0.0.1', 4000, silent.address().port);
  assert.equal(await nobody.map(), null);
  assert.match(nobody.failure ?? '', /no answer from 127\.0\.0\.1/);
  await nobody.close();
  await new Promise<void>((resolve) => silent.close(() => resolve()));
});
