/**
 * The web client in a real browser (issue #9): two `parley node` daemons on loopback, signed out,
 * each opened in its own headless Chromium whose microphone plays a speech file. alice signs up,
 * bob (registered from the CLI) signs in; they become contacts, chat (unread count, read mark),
 * alice calls, bob answers, and what bob's page plays (its speakers' worklet, tapped) is compared
 * with alice's speech file; alice hangs up and both see the call in their history. bob's window is
 * 360 px wide and dark throughout. Every screen gets a screenshot (artifacts/web-client/) and
 * axe-core's accessibility rules (nothing serious or critical may be found).
 */

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';

import type { Browser, Page } from 'playwright-core';

import { compareAudio } from '../../src/call/envelope.js';
import { readWav48k } from '../../src/call/wav.js';
import { runParley } from '../cli/parley-process.js';
import { CallNetwork } from '../call/network.js';
import { makeSpeech, OTHER_SENTENCES, speechUnavailable } from '../call/speech.js';
import { accessibilityProblems, browserUnavailable, framesPlayed, heardBy, launchBrowser, microphoneFile, openWebClient, playedAtLeast, screenshot } from './browser.js';

const root = mkdtempSync(join(tmpdir(), 'parley-web-'));
const net = new CallNetwork(root);
const browsers: Browser[] = [];
after(async () => {
  for (const b of browsers) await b.close().catch(() => {});
  await net.close();
  rmSync(root, { recursive: true, force: true });
});

const SECOND_MS = 1000;

test('the web client in Chromium: sign up and in, contacts, chat, a call whose audio bob hears, hang up, history', { skip: browserUnavailable ?? speechUnavailable ?? false, timeout: 300_000 }, async () => {
  const aliceSpeech = makeSpeech(root, undefined, 'alice');
  const bobSpeech = makeSpeech(root, OTHER_SENTENCES, 'bob');
  await net.start('web');
  const registered = await runParley(['account', 'register', 'bob', '--network', net.networkPath, '--password-stdin'], 'bob-password-1\n');
  assert.equal(registered.code, 0, registered.stderr);
  const aliceDaemon = await net.signedOutDaemon('alice');
  const bobDaemon = await net.signedOutDaemon('bob');

  const aliceBrowser = await launchBrowser(microphoneFile(aliceSpeech));
  browsers.push(aliceBrowser);
  const bobBrowser = await launchBrowser(microphoneFile(bobSpeech));
  browsers.push(bobBrowser);
  /** Each screen: a screenshot, and what axe-core finds on it (asserted at the end, so that every screen is seen). */
  const problems: string[] = [];
  const capture = async (page: Page, name: string): Promise<void> => {
    await screenshot(page, name);
    for (const p of await accessibilityProblems(page)) problems.push(`${name}: ${p}`);
  };
  const alice = await openWebClient(aliceBrowser, aliceDaemon.web, { width: 1280, height: 800 }, 'light');
  const bob = await openWebClient(bobBrowser, bobDaemon.web, { width: 360, height: 780 }, 'dark');

  // Signed out: alice signs up, bob signs in.
  await alice.getByRole('heading', { name: 'Sign in to Parley' }).waitFor();
  await capture(alice, '01-sign-in');
  await alice.getByRole('button', { name: 'Create an account' }).click();
  await alice.getByLabel('Username').fill('alice');
  await alice.getByLabel('Password', { exact: true }).fill('alice-password-1');
  await alice.getByLabel('Repeat password').fill('alice-password-1');
  await alice.getByRole('button', { name: 'Sign up' }).click();
  await bob.getByLabel('Username').fill('bob');
  await bob.getByLabel('Password', { exact: true }).fill('bob-password-1');
  await bob.getByRole('button', { name: 'Sign in' }).click();
  await alice.getByRole('button', { name: 'Sign out' }).waitFor({ timeout: 30 * SECOND_MS });
  await bob.getByRole('button', { name: 'Sign out' }).waitFor({ timeout: 30 * SECOND_MS });

  // Contacts: alice asks, bob accepts, both see each other.
  await alice.getByRole('tab', { name: 'Contacts' }).click();
  await alice.getByLabel('Username to add').fill('bob');
  await alice.getByRole('button', { name: 'Send request' }).click();
  await bob.getByRole('tab', { name: 'Contacts' }).click();
  await bob.getByRole('button', { name: 'Accept alice' }).waitFor({ timeout: 30 * SECOND_MS });
  await capture(bob, '02-contact-request-360px');
  await bob.getByRole('button', { name: 'Accept alice' }).click();
  await alice.getByRole('button', { name: 'Chat with bob' }).waitFor({ timeout: 30 * SECOND_MS });
  await alice.getByRole('list', { name: 'Contacts' }).getByRole('listitem').filter({ hasText: 'bob' }).getByText('online', { exact: true }).waitFor({ timeout: 30 * SECOND_MS });
  await capture(alice, '03-contact-list');

  // Chat: alice writes, bob sees it unread, opens it and answers; alice's message shows read.
  await alice.getByRole('button', { name: 'Chat with bob' }).click();
  await alice.getByRole('textbox', { name: 'Message', exact: true }).fill('Hello Bob, can you hear me on Parley?');
  await alice.getByRole('button', { name: 'Send' }).click();
  await bob.getByRole('tab', { name: 'Chats' }).click();
  await bob.getByLabel('1 unread').waitFor({ timeout: 30 * SECOND_MS });
  await capture(bob, '04-chats-unread-360px');
  await bob.getByText('Hello Bob, can you hear me on Parley?').first().click();
  const bobLog = bob.getByRole('log', { name: 'Messages' });
  await bobLog.getByText('Hello Bob, can you hear me on Parley?').waitFor({ timeout: 10 * SECOND_MS });
  await bob.getByRole('textbox', { name: 'Message', exact: true }).fill('Loud and clear, Alice. Call me!');
  await bob.getByRole('textbox', { name: 'Message', exact: true }).press('Enter');
  const aliceLog = alice.getByRole('log', { name: 'Messages' });
  await aliceLog.getByText('Loud and clear, Alice. Call me!').waitFor({ timeout: 30 * SECOND_MS });
  await aliceLog.getByText('read', { exact: false }).first().waitFor({ timeout: 30 * SECOND_MS });
  await capture(alice, '05-chat');
  await capture(bob, '06-chat-360px');

  // The call: alice calls, bob's page rings, bob answers.
  await alice.getByRole('button', { name: 'Call bob' }).first().click();
  const ringing = bob.getByRole('dialog', { name: 'Incoming call from alice' });
  await ringing.waitFor({ timeout: 30 * SECOND_MS });
  await capture(bob, '07-incoming-call-360px');
  await ringing.getByRole('button', { name: 'Answer' }).click();
  await bob.getByRole('region', { name: 'Call with alice' }).waitFor({ timeout: 10 * SECOND_MS });
  await alice.getByRole('region', { name: 'Call with bob' }).waitFor({ timeout: 10 * SECOND_MS });

  // Until bob's speakers have played all of alice's speech and 2 s more.
  const speech = readWav48k(aliceSpeech);
  const speechFrames = Math.ceil(speech.length / 960);
  try {
    await playedAtLeast(bob, speechFrames + 100, 60 * SECOND_MS);
  } catch (e) {
    // What the pages show and have played, for the log.
    console.log(`bob's page played ${await framesPlayed(bob)} frames, alice's ${await framesPlayed(alice)}; screenshots: ${await screenshot(bob, 'failed-bob')}, ${await screenshot(alice, 'failed-alice')}`);
    throw e;
  }
  await alice.getByRole('region', { name: 'Call with bob' }).getByText(/Quality: \w+ \(MOS [1-5]\.\d\)/).waitFor({ timeout: 10 * SECOND_MS });
  await capture(alice, '08-in-call');
  await capture(bob, '09-in-call-360px');
  const heard = await heardBy(bob);
  const result = compareAudio(speech, heard, 48_000);
  const aliceHeard = compareAudio(readWav48k(bobSpeech), await heardBy(alice), 48_000);
  console.log(`web client: bob's page played alice's speech at envelope correlation ${result.correlation.toFixed(3)} (coverage ${result.coverage.toFixed(2)}, aligned at ${result.delayMs} ms, ${await framesPlayed(bob)} frames); alice's page played bob's at ${aliceHeard.correlation.toFixed(3)} (coverage ${aliceHeard.coverage.toFixed(2)})`);
  assert.ok(result.correlation >= 0.8 && result.coverage >= 0.95, JSON.stringify(result));
  assert.ok(aliceHeard.correlation >= 0.8 && aliceHeard.coverage >= 0.95, `and the other way: ${JSON.stringify(aliceHeard)}`);

  // alice hangs up; both see the call in their history.
  await alice.getByRole('button', { name: 'Hang up' }).click();
  await bob.getByRole('region', { name: 'Call with alice' }).waitFor({ state: 'detached', timeout: 30 * SECOND_MS });
  await alice.getByRole('tab', { name: 'Calls' }).click();
  await bob.getByRole('tab', { name: 'Calls' }).click();
  await alice.getByRole('list', { name: 'Call history' }).getByText('bob').first().waitFor({ timeout: 30 * SECOND_MS });
  await bob.getByRole('list', { name: 'Call history' }).getByText('alice').first().waitFor({ timeout: 30 * SECOND_MS });
  await capture(alice, '10-call-history');
  await capture(bob, '11-call-history-360px');
  assert.deepEqual(problems, [], 'axe-core finds nothing serious on any screen');
});
