/**
 * The README's main command ends with two working links (issue #9): `parley dev up` (what `npm
 * start` runs after building) prints one web client link per demo user; opened in two windows of
 * one Chromium, each is signed in as its user with the other among its contacts, and the one calls
 * the other: a person calling themself.
 */

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, test } from 'node:test';

import { compareAudio } from '../../src/call/envelope.js';
import { readWav48k } from '../../src/call/wav.js';
import { makeSpeech, speechUnavailable } from '../call/speech.js';
import { PARLEY_MAIN } from '../cli/parley-process.js';
import { browserUnavailable, heardBy, launchBrowser, microphoneFile, openWebClient, playedAtLeast, screenshot } from './browser.js';

const root = mkdtempSync(join(tmpdir(), 'parley-devup-web-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** The lines `parley dev up` prints until "Ctrl-C stops everything", and the web links among them (user → link). */
async function linksOf(child: ReturnType<typeof spawn>): Promise<{ lines: string[]; links: Map<string, string> }> {
  const lines: string[] = [];
  const links = new Map<string, string>();
  const input = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const exited = once(child, 'exit').then(() => Promise.reject(new Error(`parley dev up exited:\n${lines.join('\n')}`)));
  await Promise.race([
    exited,
    new Promise<void>((resolve) => {
      input.on('line', (line) => {
        lines.push(line);
        const m = /^\s+(\S+)\s+(http:\/\/127\.0\.0\.1:\d+\/#token=\S+)$/.exec(line);
        if (m?.[1] && m[2]) links.set(m[1], m[2]);
        if (line === 'Ctrl-C stops everything') resolve();
      });
    }),
  ]);
  return { lines, links };
}

test('parley dev up prints two web client links; in two windows they are alice and bob, contacts, and alice calls bob', { skip: browserUnavailable ?? speechUnavailable ?? false, timeout: 180_000 }, async () => {
  const dir = join(root, 'net');
  const child = spawn(process.execPath, [PARLEY_MAIN, 'dev', 'up', '--dir', dir], { stdio: ['ignore', 'pipe', 'inherit'] });
  const speechFile = makeSpeech(root);
  const speech = readWav48k(speechFile);
  const browser = await launchBrowser(microphoneFile(speechFile));
  try {
    const { links } = await linksOf(child);
    assert.deepEqual([...links.keys()], ['alice', 'bob']);
    const viewport = { width: 1024, height: 720 };
    const alice = await openWebClient(browser, links.get('alice') as string, viewport);
    const bob = await openWebClient(browser, links.get('bob') as string, viewport);
    await alice.getByRole('button', { name: 'Sign out' }).waitFor({ timeout: 20_000 });
    await alice.getByRole('tab', { name: 'Contacts' }).click();
    await bob.getByRole('tab', { name: 'Contacts' }).click();
    await alice.getByRole('button', { name: 'Chat with bob' }).waitFor({ timeout: 20_000 });
    await bob.getByRole('button', { name: 'Chat with alice' }).waitFor({ timeout: 20_000 });

    await alice.getByRole('button', { name: 'Call bob' }).first().click();
    const ringing = bob.getByRole('dialog', { name: 'Incoming call from alice' });
    await ringing.waitFor({ timeout: 20_000 });
    await ringing.getByRole('button', { name: 'Answer' }).click();
    await alice.getByRole('region', { name: 'Call with bob' }).getByText('Connected').waitFor({ timeout: 10_000 });
    // Until bob's speakers have played alice's speech (one microphone for both windows: it is she who speaks first) and a second more.
    const speechFrames = Math.ceil(speech.length / 960);
    await playedAtLeast(bob, speechFrames + 50, 40_000);
    const heard = compareAudio(speech, await heardBy(bob), 48_000);
    console.log(`dev up in the browser: bob's window played alice's microphone at envelope correlation ${heard.correlation.toFixed(3)} (coverage ${heard.coverage.toFixed(2)})`);
    assert.ok(heard.correlation >= 0.8 && heard.coverage >= 0.95, JSON.stringify(heard));
    await screenshot(alice, 'dev-up-alice-calls-bob');
    await alice.getByRole('button', { name: 'Hang up' }).click();
    await bob.getByRole('region', { name: 'Call with alice' }).waitFor({ state: 'detached', timeout: 20_000 });
  } finally {
    await browser.close();
    if (child.exitCode === null) {
      child.kill('SIGINT');
      await once(child, 'exit');
    }
  }
});
