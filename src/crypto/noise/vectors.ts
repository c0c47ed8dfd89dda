/**
 * Runs Noise test vectors in the cacophony / noise-c JSON format: per vector `protocol_name` (or
 * `name`), `init_*` and `resp_*` prologue, static and ephemeral private keys, remote static public
 * keys, psks, `handshake_hash`, and `messages` with payload and ciphertext, alternating from the
 * initiator, transport messages after the handshake.
 */

import { HandshakeState, type HandshakeResult } from './handshake-state.js';
import { NoiseError } from './errors.js';
import { parseProtocolName } from './protocol.js';

/** What a run found. */
export interface VectorReport {
  passed: number;
  failed: number;
  skipped: number;
  /** Why vectors were skipped, with counts. */
  skippedReasons: Record<string, number>;
  /** The failures, by vector name. */
  failures: { name: string; reason: string }[];
}

type Json = Record<string, unknown>;

const hex = (v: unknown, what: string): Uint8Array => {
  if (typeof v !== 'string' || !/^(?:[0-9a-fA-F]{2})*$/.test(v)) throw new Error(`${what} is not hex`);
  return new Uint8Array(Buffer.from(v, 'hex'));
};
const optionalHex = (v: unknown, what: string): Uint8Array | undefined => (v === undefined ? undefined : hex(v, what));
const same = (a: Uint8Array, b: Uint8Array): boolean => Buffer.from(a).equals(b);

/** The protocol name of a vector (`protocol_name`, or `name` in older files), if it has one. */
const vectorName = (v: Json): string | undefined => {
  const name = v['protocol_name'] ?? v['name'];
  return typeof name === 'string' ? name : undefined;
};

/** Runs one vector; returns null if it passed, else why not. Throws SkipVector for unsupported ones. */
function runVector(v: Json): string | null {
  const name = vectorName(v);
  if (typeof name !== 'string') return 'no protocol_name';
  const parsed = parseProtocolName(name);
  if (!parsed.ok) throw new SkipVector(parsed.reason);
  if ((Array.isArray(v['init_psks']) && v['init_psks'].length > 0) || (Array.isArray(v['resp_psks']) && v['resp_psks'].length > 0)) {
    throw new SkipVector('psk modifiers');
  }
  if (v['fail'] === true) throw new SkipVector('vectors expected to fail');
  const { protocol } = parsed;
  const keyPair = (field: string) => {
    const raw = optionalHex(v[field], field);
    return raw ? protocol.dh.keyPairFrom(raw) : undefined;
  };
  const side = (initiator: boolean): HandshakeState => {
    const p = initiator ? 'init' : 'resp';
    const s = keyPair(`${p}_static`);
    const e = keyPair(`${p}_ephemeral`);
    const rs = optionalHex(v[`${p}_remote_static`], `${p}_remote_static`);
    const re = optionalHex(v[`${p}_remote_ephemeral`], `${p}_remote_ephemeral`);
    return new HandshakeState(protocol, {
      initiator,
      prologue: hex(v[`${p}_prologue`] ?? '', `${p}_prologue`),
      ...(s ? { s } : {}),
      ...(e ? { e } : {}),
      ...(rs ? { rs } : {}),
      ...(re ? { re } : {}),
    });
  };
  const initiator = side(true);
  const responder = side(false);
  const messages = v['messages'];
  if (!Array.isArray(messages)) return 'no messages';
  let done: [HandshakeResult, HandshakeResult] | null = null;
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i] as Json;
    const payload = hex(m['payload'], `messages[${i}].payload`);
    const expected = hex(m['ciphertext'], `messages[${i}].ciphertext`);
    const fromInitiator = i % 2 === 0;
    let ciphertext: Uint8Array;
    let opened: Uint8Array;
    if (done === null) {
      const [writer, reader] = fromInitiator ? [initiator, responder] : [responder, initiator];
      ciphertext = writer.writeMessage(payload);
      if (!same(ciphertext, expected)) return `message ${i}: ciphertext differs`;
      opened = reader.readMessage(ciphertext);
      if (initiator.result && responder.result) {
        done = [initiator.result, responder.result];
        const hh = optionalHex(v['handshake_hash'], 'handshake_hash');
        if (hh && (!same(hh, done[0].handshakeHash) || !same(hh, done[1].handshakeHash))) return 'handshake hash differs';
      }
    } else {
      const [writer, reader] = fromInitiator ? [done[0], done[1]] : [done[1], done[0]];
      ciphertext = writer.send.encryptWithAd(new Uint8Array(0), payload);
      if (!same(ciphertext, expected)) return `message ${i}: transport ciphertext differs`;
      opened = reader.receive.decryptWithAd(new Uint8Array(0), ciphertext);
    }
    if (!same(opened, payload)) return `message ${i}: decrypted payload differs`;
  }
  return null;
}

class SkipVector extends Error {}

/** Runs every vector of a parsed vector file (`{ vectors: [...] }` or a bare array). */
export function runNoiseVectors(file: unknown): VectorReport {
  const list = Array.isArray(file) ? file : (file as Json | null)?.['vectors'];
  if (!Array.isArray(list)) throw new NoiseError('NOISE_UNSUPPORTED', 'a vector file is { "vectors": [...] } or an array of vectors', 'local');
  const report: VectorReport = { passed: 0, failed: 0, skipped: 0, skippedReasons: {}, failures: [] };
  list.forEach((raw, i) => {
    const v = (typeof raw === 'object' && raw !== null ? raw : {}) as Json;
    const name = vectorName(v) ?? `vector ${i}`;
    try {
      const failure = runVector(v);
      if (failure === null) report.passed++;
      else {
        report.failed++;
        report.failures.push({ name, reason: failure });
      }
    } catch (e) {
      if (e instanceof SkipVector) {
        report.skipped++;
        report.skippedReasons[e.message] = (report.skippedReasons[e.message] ?? 0) + 1;
      } else {
        report.failed++;
        report.failures.push({ name, reason: e instanceof Error ? e.message : String(e) });
      }
    }
  });
  return report;
}
