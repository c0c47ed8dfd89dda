/**
 * Debian's Chromium driven by playwright-core for the web client's tests: headless, with a fake
 * microphone that plays a WAV file once (`%noloop`) from the moment the page opens it, the
 * permission prompt answered yes, and none of Chromium's own traffic (this machine has no network).
 * Sound needs a gesture as in any browser: the tests' clicks (Call, Answer) are that.
 */

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

import { chromium, type Browser, type Page } from 'playwright-core';

/** Where Debian installs Chromium (.ci/run installs the package); PARLEY_CHROMIUM names another. */
export const CHROMIUM_PATH = process.env['PARLEY_CHROMIUM'] ?? '/usr/bin/chromium';

/** Why the browser tests cannot run here, or null when they can. */
export const browserUnavailable: string | null = existsSync(CHROMIUM_PATH) ? null : `Chromium is not installed at ${CHROMIUM_PATH} (.ci/run installs Debian's chromium; PARLEY_CHROMIUM names another)`;

/** Screenshots of the web client's screens, kept as the tests' artifacts. */
export const SCREENSHOT_DIR = join(process.cwd(), 'artifacts', 'web-client');

/** A headless Chromium whose microphone plays `wav` once. */
export function launchBrowser(wav: string): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--use-fake-ui-for-media-stream',
      '--use-fake-device-for-media-stream',
      `--use-file-for-fake-audio-capture=${wav}%noloop`,
    ],
  });
}

/** Saves a screenshot of `page` as `name`.png in SCREENSHOT_DIR; its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: false });
  return path;
}

/** What web/src/audio/call-audio.ts puts on the page's window when opened with ?record. */
type PageGlobals = { parleyTest?: { heard(): string; framesPlayed(): number } };

/** A daemon's web client in a new window, opened from its link with ?record (its speakers are tapped); the page's errors go to the log. */
export async function openWebClient(browser: Browser, link: string, viewport: { width: number; height: number }, colorScheme: 'light' | 'dark' = 'light'): Promise<Page> {
  const page = await (await browser.newContext({ viewport, colorScheme })).newPage();
  page.on('pageerror', (e) => console.log(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') console.log(`page ${m.type()}: ${m.text()}`);
  });
  const [base, fragment] = link.split('#');
  await page.goto(`${base}?record#${fragment}`);
  return page;
}

/** Frames (20 ms) the page's speakers have played in its call. */
export const framesPlayed = (page: Page): Promise<number> => page.evaluate(() => (globalThis as PageGlobals).parleyTest?.framesPlayed() ?? 0);

/** Waits until the page's speakers have played `frames` frames. */
export async function playedAtLeast(page: Page, frames: number, timeoutMs: number): Promise<void> {
  await page.waitForFunction((n) => ((globalThis as PageGlobals).parleyTest?.framesPlayed() ?? 0) >= n, frames, { timeout: timeoutMs, polling: 200 });
}

/** What the page's speakers played: 16-bit PCM at 48 kHz. */
export async function heardBy(page: Page): Promise<Int16Array> {
  const bytes = Buffer.from(await page.evaluate(() => (globalThis as PageGlobals).parleyTest?.heard() ?? ''), 'base64');
  return new Int16Array(bytes.buffer, bytes.byteOffset, bytes.length / 2);
}

/** A WAV file for Chromium's fake microphone: `speech` at 48 kHz, 16-bit mono (sox); its path. */
export function microphoneFile(speech: string): string {
  const out = speech.replace(/\.wav$/, '-48k.wav');
  execFileSync('sox', [speech, '-r', '48000', '-c', '1', '-b', '16', out]);
  return out;
}

/** axe-core's script, run in the page (through the DevTools protocol, which the page's CSP does not govern). */
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** What axe-core finds on the page that a screen-reader or keyboard user would trip on (serious or critical), one line each. */
export async function accessibilityProblems(page: Page): Promise<string[]> {
  await page.evaluate(AXE_SOURCE);
  return page.evaluate(async () => {
    type Result = { violations: { id: string; impact: string | null; help: string; nodes: { target: unknown[] }[] }[] };
    const axe = (globalThis as unknown as { axe: { run(context: unknown, options: unknown): Promise<Result> } }).axe;
    const result = await axe.run((globalThis as unknown as { document: unknown }).document, { resultTypes: ['violations'] });
    return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => JSON.stringify(n.target)).join(', ')}`);
  });
}
