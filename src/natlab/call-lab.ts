/**
 * A call through the NAT lab (issue #8): daemons behind two NATs (full cone and port-restricted,
 * whose sessions go direct), contacts, then the callee's router drops packets at random both ways,
 * a delay line holds each of the callee's packets for a random time (jitter), and the caller calls: the callee answers by itself with a speech file, the caller records what it
 * hears, and the recording is compared with the file (envelope correlation, envelope.ts).
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { compareAudio } from '../call/envelope.js';
import type { CallSummary } from '../call/call-manager.js';
import { SAMPLE_RATE } from '../call/opus-codec.js';
import { readWav48k } from '../call/wav.js';
import { NatLab, removeLeftovers } from './lab.js';
import { LAB_RUN_PREFIX, runIn, startIn, startLabNetwork, until } from './lab-network.js';

/** How long the contacts may take to go through the lab's directory. */
const CONTACTS_WAIT_MS = 30_000;

/** What the lab does to the callee's packets, both ways. */
export interface CallLabImpairment {
  readonly lossPercent: number;
  /** Each packet held delayMs ± jitterMs (0: no delay line). */
  readonly delayMs: number;
  readonly jitterMs: number;
}

export interface CallLabReport {
  readonly impairment: CallLabImpairment;
  readonly correlation: number;
  /** How much later the speech was heard (the alignment), and the range of its segments' delays. */
  readonly lagMs: number;
  readonly lagRangeMs: readonly [number, number];
  /** The share of the speech the recording covers. */
  readonly coverage: number;
  readonly call: CallSummary;
}

/** Builds the lab, makes the call with the callee's packets impaired, tears everything down. */
export async function runCallLab(log: (line: string) => void, speechPath: string, impairment: CallLabImpairment): Promise<CallLabReport> {
  const { lossPercent, delayMs, jitterMs } = impairment;
  const prefix = `${LAB_RUN_PREFIX}c${process.pid}`;
  await removeLeftovers(prefix);
  const dir = mkdtempSync(join(tmpdir(), 'parley-calllab-'));
  const lab = await NatLab.create(prefix);
  try {
    const { networkPath, addDaemon } = await startLabNetwork(lab, dir, log);
    const siteA = await lab.addSite('full-cone');
    const siteB = await lab.addSite('port-restricted');
    const a = await addDaemon('A-caller', siteA.host);
    const b = await addDaemon('B-callee', siteB.host);
    log('daemons behind a full-cone and a port-restricted NAT; the callee answers by itself with speech');
    await startIn(lab, a.namespace, ['node', '--network', networkPath, '--profile', a.profile, '--log-level', 'warn']);
    await startIn(lab, b.namespace, ['node', '--network', networkPath, '--profile', b.profile, '--log-level', 'warn', '--auto-answer', speechPath]);
    const contacts = async (d: typeof a): Promise<{ username: string; state: string }[]> => {
      const r = await runIn(lab, d.namespace, ['contacts', '--json', '--profile', d.profile]);
      return r.code === 0 ? (JSON.parse(r.stdout) as { username: string; state: string }[]) : [];
    };
    let said = '';
    await until(
      async () => {
        const r = await runIn(lab, a.namespace, ['contacts', 'add', b.user, '--profile', a.profile]);
        said = r.stderr.trim();
        return r.code === 0;
      },
      CONTACTS_WAIT_MS,
      'the callee is in the directory',
    ).catch((e: unknown) => {
      throw new Error(`${e instanceof Error ? e.message : String(e)} (${said})`);
    });
    await until(async () => (await contacts(b)).some((c) => c.username === a.user && c.state === 'pending'), CONTACTS_WAIT_MS, 'the request arrives');
    await runIn(lab, b.namespace, ['contacts', 'accept', a.user, '--profile', b.profile]);
    await until(async () => (await contacts(a)).some((c) => c.username === b.user && c.state === 'accepted'), CONTACTS_WAIT_MS, 'the acceptance arrives');
    if (lossPercent > 0) {
      log(`the callee's router now drops ${lossPercent}% of packets, both ways`);
      await lab.impair(siteB, lossPercent);
    }
    if (delayMs > 0) {
      log(`a delay line holds each of the callee's packets ${delayMs} ms ± ${jitterMs} ms, both ways`);
      await lab.delay(siteB, { delayMs, jitterMs });
    }
    const speech = readWav48k(speechPath);
    const heardPath = join(dir, 'heard.wav');
    const seconds = Math.ceil(speech.length / SAMPLE_RATE + 1.5);
    const r = await runIn(lab, a.namespace, ['call', b.user, '--audio-out', heardPath, '--duration', String(seconds), '--json', '--profile', a.profile]);
    if (r.code !== 0) throw new Error(`parley call failed (exit ${r.code}): ${r.stderr.trim()}`);
    const call = JSON.parse(r.stdout) as CallSummary;
    const c = compareAudio(speech, readWav48k(heardPath), SAMPLE_RATE);
    return { impairment, correlation: c.correlation, lagMs: c.delayMs, lagRangeMs: c.delayRangeMs, coverage: c.coverage, call };
  } finally {
    await lab.teardown();
    rmSync(dir, { recursive: true, force: true });
  }
}
