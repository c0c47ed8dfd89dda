import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, describe, test } from 'node:test';

import { PARLEY_MAIN, runParley } from './parley-process.js';

const root = mkdtempSync(join(tmpdir(), 'parley-account-'));
after(() => rmSync(root, { recursive: true, force: true }));

describe('parley login-server and parley account, as separate processes', () => {
  test('register, login (over UDP and over TCP), cert verify; a wrong password exits 1; after 10 failures even the right one is RATE_LIMITED, another account is not', { timeout: 120_000 }, async () => {
    const net = join(root, 'net');
    assert.equal((await runParley(['network', 'init', net, '--name', 'accounts'])).code, 0);
    const server = spawn(process.execPath, [PARLEY_MAIN, 'login-server', '--network', net, '--listen', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const [line] = (await once(createInterface({ input: server.stdout }), 'line')) as [string];
      const { port } = JSON.parse(line) as { port: number };
      const base = ['--network', join(net, 'network.json'), '--server', `127.0.0.1:${port}`, '--password-stdin'];
      const profile = join(root, 'profile');

      const reg = await runParley(['account', 'register', 'Jo', ...base], 'jo secret\n');
      assert.equal(reg.code, 0, reg.stderr);
      const login = await runParley(['account', 'login', 'jo', ...base, '--profile', profile, '--json'], 'jo secret\n');
      assert.equal(login.code, 0, login.stderr);
      const { certificate } = JSON.parse(login.stdout) as { certificate: string };
      const verify = await runParley(['cert', 'verify', certificate, '--network', join(net, 'network.json')]);
      assert.equal(verify.code, 0, verify.stderr);
      assert.match(verify.stdout, /device certificate of Jo/);

      // The same login over TCP only (the fallback where UDP is blocked).
      const overTcp = await runParley(['account', 'login', 'jo', ...base, '--profile', profile, '--transport', 'tcp'], 'jo secret\n');
      assert.equal(overTcp.code, 0, overTcp.stderr);
      const badTransport = await runParley(['account', 'login', 'jo', ...base, '--transport', 'sctp'], 'jo secret\n');
      assert.equal(badTransport.code, 2);
      assert.match(badTransport.stderr, /--transport "sctp" is not udp or tcp/);

      const wrong = await runParley(['account', 'login', 'jo', ...base, '--profile', profile], 'not it\n');
      assert.equal(wrong.code, 1);
      assert.match(wrong.stderr, /^parley: LOGIN_FAILED: wrong username or password/);
      for (let i = 0; i < 9; i++) await runParley(['account', 'login', 'jo', ...base, '--profile', profile], `guess ${i}\n`);
      const held = await runParley(['account', 'login', 'jo', ...base, '--profile', profile], 'jo secret\n');
      assert.equal(held.code, 1);
      assert.match(held.stderr, /RATE_LIMITED: .* \(try again in \d+ s\)/);

      assert.equal((await runParley(['account', 'register', 'kim', ...base], 'kim secret\n')).code, 0);
      const other = await runParley(['account', 'login', 'kim', ...base, '--profile', join(root, 'kim')], 'kim secret\n');
      assert.equal(other.code, 0, `another account from the same address: ${other.stderr}`);

      const noPassword = await runParley(['account', 'login', 'jo', '--network', join(net, 'network.json')]);
      assert.equal(noPassword.code, 2);
    } finally {
      server.kill('SIGTERM');
      await once(server, 'exit');
    }
  });
});

describe('parley account devices and revoke', () => {
  test('a second device lists the account\'s devices and revokes the first, which then gets no certificate', { timeout: 120_000 }, async () => {
    const net = join(root, 'net-devices');
    assert.equal((await runParley(['network', 'init', net, '--name', 'devices'])).code, 0);
    const server = spawn(process.execPath, [PARLEY_MAIN, 'login-server', '--network', net, '--listen', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const [line] = (await once(createInterface({ input: server.stdout }), 'line')) as [string];
      const { port } = JSON.parse(line) as { port: number };
      const base = ['--network', join(net, 'network.json'), '--server', `127.0.0.1:${port}`, '--password-stdin'];
      const laptop = join(root, 'laptop');
      const phone = join(root, 'phone');
      assert.equal((await runParley(['account', 'register', 'lee', ...base], 'lee pw\n')).code, 0);
      const first = await runParley(['account', 'login', 'lee', ...base, '--profile', laptop, '--json'], 'lee pw\n');
      assert.equal(first.code, 0, first.stderr);
      const { deviceId } = JSON.parse(first.stdout) as { deviceId: string };
      const listed = await runParley(['account', 'devices', 'lee', ...base, '--profile', phone, '--json'], 'lee pw\n');
      assert.equal(listed.code, 0, listed.stderr);
      const { devices } = JSON.parse(listed.stdout) as { devices: { deviceId: string; revoked?: string }[] };
      assert.equal(devices.length, 2);
      const revoked = await runParley(['account', 'revoke', 'lee', deviceId, ...base, '--profile', phone, '--json'], 'lee pw\n');
      assert.equal(revoked.code, 0, revoked.stderr);
      const after = JSON.parse(revoked.stdout) as { devices: { deviceId: string; revoked?: string }[] };
      assert.ok(after.devices.find((d) => d.deviceId === deviceId)?.revoked);
      const again = await runParley(['account', 'login', 'lee', ...base, '--profile', laptop], 'lee pw\n');
      assert.equal(again.code, 1);
      assert.match(again.stderr, /DEVICE_REVOKED/);
      const badId = await runParley(['account', 'revoke', 'lee', 'xyz', ...base, '--profile', phone], 'lee pw\n');
      assert.equal(badId.code, 2);
    } finally {
      server.kill('SIGTERM');
      await once(server, 'exit');
    }
  });
});
