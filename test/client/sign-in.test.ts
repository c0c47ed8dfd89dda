/**
 * A daemon signed out, and signed in and out through its API (the web client's sign-up, sign-in
 * and sign-out): refusals with their codes and statuses, nothing changed by a refused request, one
 * account per profile, only the user's own clients signing in or out, loopback host names only, a
 * certificate that cannot be used, the account events; between `parley node` processes, a login server and
 * supernodes on loopback.
 */

import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';

import { CERTIFICATE_FILE } from '../../src/login/profile.js';
import { ParleyApiError, ParleyClient, type EventJson } from '../../src/sdk/index.js';
import { CallNetwork } from '../call/network.js';
import { runParley } from '../cli/parley-process.js';
import { eventually } from '../supernode/processes.js';

const root = mkdtempSync(join(tmpdir(), 'parley-sign-in-'));
const net = new CallNetwork(root);
after(async () => {
  await net.close();
  rmSync(root, { recursive: true, force: true });
});

/** The SDK with the web client's token (from the daemon's link). */
const webClient = (d: { api: string; web: string }): ParleyClient => new ParleyClient(d.api, d.web.split('#token=')[1] ?? '');

/** The refusal `f` gets, as status and code; fails when it does not refuse. */
async function refusal(f: () => Promise<unknown>): Promise<[number, string]> {
  try {
    await f();
  } catch (e) {
    if (e instanceof ParleyApiError) return [e.status, e.code];
    throw e;
  }
  assert.fail('no refusal');
}

test('a daemon without a certificate runs signed out, serves the web client, and signs up, out and in through its API', { timeout: 120_000 }, async () => {
  await net.start('sign-in');
  const carol = await net.signedOutDaemon('carol');
  const sdk = webClient(carol);

  // Signed out: status says so; the device's routes refuse; the CLI says so; the page is served.
  assert.deepEqual(await sdk.account(), { signedIn: false, network: 'sign-in', state: 'signed-out', problem: null });
  assert.deepEqual(await refusal(() => sdk.contacts()), [409, 'SIGNED_OUT']);
  const whoami = await runParley(['whoami', '--profile', carol.profile]);
  assert.equal(whoami.code, 1);
  assert.match(whoami.stderr, /SIGNED_OUT: .*signed out/);
  const link = await runParley(['web', '--profile', carol.profile]);
  assert.equal(link.code, 0, link.stderr);
  assert.equal(link.stdout.trim(), carol.web);
  const page = await fetch(`${carol.api}/`);
  assert.equal(page.status, 200);
  assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'self'/);
  assert.match(await page.text(), /<div id="root">/);
  assert.equal((await fetch(`${carol.api}/v1/status`)).status, 401, 'the API needs the token, the page does not');

  const events: EventJson[] = [];
  const stream = sdk.events((e) => events.push(e));
  await stream.opened;

  // Bad sign-ups change nothing.
  assert.deepEqual(await refusal(() => sdk.signUp('carol', 'short')), [400, 'BAD_REQUEST']);
  assert.deepEqual(await refusal(() => sdk.signUp('no spaces here', 'long enough password')), [400, 'USERNAME_INVALID']);
  assert.equal(existsSync(join(carol.profile, CERTIFICATE_FILE)), false);
  assert.equal((await sdk.account()).signedIn, false);

  // Sign-up: the account is made and the device signed in.
  const up = await sdk.signUp('carol', 'carol password 1');
  assert.equal(up.signedIn, true);
  assert.equal(up.signedIn && up.username, 'carol');
  assert.deepEqual(await sdk.contacts(), []);
  assert.equal((await runParley(['whoami', '--profile', carol.profile])).stdout.trim().split(' ')[0], 'carol');
  assert.deepEqual(await refusal(() => sdk.signIn('carol', 'carol password 1')), [409, 'SIGNED_IN']);

  // Sign-out: the daemon stays, signed out, without the certificate.
  assert.equal((await sdk.signOut()).signedIn, false);
  assert.equal(existsSync(join(carol.profile, CERTIFICATE_FILE)), false);
  assert.deepEqual(await refusal(() => sdk.contacts()), [409, 'SIGNED_OUT']);
  assert.deepEqual(await refusal(() => sdk.signOut()), [409, 'SIGNED_OUT']);

  // A wrong password, another account on this profile: refused, still signed out.
  assert.deepEqual(await refusal(() => sdk.signIn('carol', 'not her password')), [403, 'LOGIN_FAILED']);
  assert.equal((await runParley(['account', 'register', 'dave', '--network', net.networkPath, '--password-stdin'], 'dave password 1\n')).code, 0);
  assert.deepEqual(await refusal(() => sdk.signIn('dave', 'dave password 1')), [409, 'OTHER_ACCOUNT']);
  assert.equal((await sdk.account()).signedIn, false);

  // Sign-in again: the same store (one account per profile).
  assert.equal((await sdk.signIn('carol', 'carol password 1')).signedIn, true);
  assert.equal(existsSync(join(carol.profile, CERTIFICATE_FILE)), true);
  assert.deepEqual(await sdk.contacts(), []);

  // A program the user approved may use the device, but not sign it out.
  const asked = await fetch(`${carol.api}/v1/apps`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'bot' }) });
  const botToken = ((await asked.json()) as { token: string }).token;
  assert.equal((await runParley(['api', 'approve', 'bot', '--profile', carol.profile])).code, 0);
  const bot = new ParleyClient(carol.api, botToken);
  assert.deepEqual(await bot.contacts(), []);
  assert.deepEqual(await refusal(() => bot.signOut()), [403, 'FORBIDDEN']);
  assert.equal((await sdk.account()).signedIn, true);

  // A request that names another host (a page whose name was made to resolve to 127.0.0.1) is not answered.
  const port = new URL(carol.api).port;
  const rebound = await new Promise<number>((resolve, reject) => {
    request({ host: '127.0.0.1', port, path: '/v1/status', headers: { host: `parley.example:${port}`, authorization: `Bearer ${carol.web.split('#token=')[1] ?? ''}` } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    })
      .on('error', reject)
      .end();
  });
  assert.equal(rebound, 403);

  // A certificate that cannot be used: the daemon starts signed out and says why.
  mkdirSync(join(root, 'broken'), { recursive: true });
  writeFileSync(join(root, 'broken', CERTIFICATE_FILE), 'not a certificate');
  const broken = await webClient(await net.signedOutDaemon('broken')).account();
  assert.equal(broken.signedIn, false);
  assert.match(broken.signedIn ? '' : (broken.problem ?? ''), /cannot be used.*log in again/);

  // parley login with the profile's daemon running signed out: the daemon signs in.
  const erin = await net.signedOutDaemon('erin');
  assert.equal((await runParley(['account', 'register', 'erin', '--network', net.networkPath, '--password-stdin'], 'erin password 1\n')).code, 0);
  const cliLogin = await runParley(['login', 'erin', '--network', net.networkPath, '--profile', erin.profile, '--password-stdin'], 'erin password 1\n');
  assert.equal(cliLogin.code, 0, cliLogin.stderr);
  assert.match(cliLogin.stdout, /the daemon at .* is signed in/);
  const erinStatus = await webClient(erin).account();
  assert.equal(erinStatus.signedIn && erinStatus.username, 'erin');

  // A second daemon cannot take the name.
  const other = webClient(await net.signedOutDaemon('carol-again'));
  assert.deepEqual(await refusal(() => other.signUp('carol', 'another password')), [409, 'USERNAME_TAKEN']);

  await eventually(() => Promise.resolve(events.filter((e) => e.type === 'account').length >= 3), 10_000, 'account events');
  assert.deepEqual(
    events.flatMap((e) => (e.type === 'account' ? [[e.signedIn, e.username]] : [])),
    [
      [true, 'carol'],
      [false, null],
      [true, 'carol'],
    ],
  );
  stream.close();
});
