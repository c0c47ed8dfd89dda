/**
 * Speech for call tests, made at test time by espeak-ng and sox (Debian packages, installed by
 * .ci/run): a few sentences with pauses between them, normalised, at 16 kHz (so that every call
 * test also goes through the resampler to 48 kHz).
 */

import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const SENTENCES = [
  'Parley calls connect fast and sound good on bad networks.',
  'The quick brown fox jumps over the lazy dog, twice.',
  'Every relay forwards packets it cannot read.',
];

const has = (tool: string): boolean => {
  try {
    execFileSync(tool, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};

/** Why speech cannot be made here, or null when it can. */
export const speechUnavailable: string | null = has('espeak-ng') && has('sox') ? null : 'espeak-ng and sox are not installed (.ci/run installs them)';

/** Other sentences, for a second speaker. */
export const OTHER_SENTENCES = ['Hello from the other end of the line.', 'I can hear you clearly, even through the relay.', 'Let us talk again tomorrow morning.'];

/** A WAV file of speech (16 kHz mono, about 9 s: three sentences with pauses); its path. */
export function makeSpeech(dir = mkdtempSync(join(tmpdir(), 'parley-speech-')), sentences: readonly string[] = SENTENCES, name = 'speech'): string {
  const parts = sentences.map((text, i) => {
    const raw = join(dir, `${name}-raw-${i}.wav`);
    execFileSync('espeak-ng', ['-s', '150', '-w', raw, text]);
    return raw;
  });
  const out = join(dir, `${name}.wav`);
  // Joined, normalised to -3 dBFS, a pause of 0.6 s after each sentence, at 16 kHz.
  execFileSync('sox', [...parts, out, 'norm', '-3', 'pad', '0.3', '0.6', 'rate', '16000']);
  return out;
}
