import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';

import {
  CipherState,
  DH_25519,
  HandshakeState,
  NONCE_MAX,
  NoiseError,
  parseProtocolName,
  PATTERNS,
  runNoiseVectors,
  type NoiseProtocol,
} from '../../src/crypto/noise/index.js';

/** The repository copy of the cacophony subset (see test/crypto/vectors/README.md), read from the source tree. */
const VECTORS_PATH = new URL('../../../test/crypto/vectors/cacophony-subset.json', import.meta.url);
const vectorFile = JSON.parse(readFileSync(VECTORS_PATH, 'utf8')) as { vectors: Record<string, unknown>[] };

const protocol = (name: string): NoiseProtocol => {
  const p = parseProtocolName(name);
  if (!p.ok) throw new Error(p.reason);
  return p.protocol;
};

const isNoiseError = (code: string) => (e: unknown): boolean => e instanceof NoiseError && e.code === code;

/** A full handshake between fresh key pairs; returns both sides' results. */
function handshake(name: string, payloads: string[] = []) {
  const p = protocol(name);
  const pattern = p.pattern;
  const iStatic = DH_25519.keyPairFrom(randomBytes(32));
  const rStatic = DH_25519.keyPairFrom(randomBytes(32));
  const needs = (pre: readonly string[]) => pre.includes('s');
  const initiator = new HandshakeState(p, {
    initiator: true,
    prologue: Buffer.from('parley test'),
    s: iStatic,
    ...(needs(pattern.responderPreMessage) ? { rs: rStatic.publicKey } : {}),
    randomBytes,
  });
  const responder = new HandshakeState(p, {
    initiator: false,
    prologue: Buffer.from('parley test'),
    s: rStatic,
    ...(needs(pattern.initiatorPreMessage) ? { rs: iStatic.publicKey } : {}),
    randomBytes,
  });
  const received: string[] = [];
  for (let i = 0; i < pattern.messages.length; i++) {
    const [w, r] = i % 2 === 0 ? [initiator, responder] : [responder, initiator];
    const payload = Buffer.from(payloads[i] ?? `message ${i}`);
    received.push(Buffer.from(r.readMessage(w.writeMessage(payload))).toString());
  }
  assert.ok(initiator.result && responder.result, 'both sides complete');
  return { initiator, responder, i: initiator.result, r: responder.result, iStatic, rStatic, received };
}

describe('Noise vectors (cacophony subset)', () => {
  test('every vector of the repository copy passes', () => {
    const report = runNoiseVectors(vectorFile);
    assert.deepEqual(report.failures, []);
    assert.equal(report.failed, 0);
    assert.equal(report.skipped, 0);
    assert.equal(report.passed, vectorFile.vectors.length);
    assert.equal(report.passed, 48);
  });

  test('a vector with one flipped ciphertext bit fails, and is named', () => {
    const v = structuredClone(vectorFile.vectors[5]) as { protocol_name: string; messages: { ciphertext: string }[] };
    const first = v.messages[1] as { ciphertext: string };
    first.ciphertext = (first.ciphertext.slice(0, -1) + (first.ciphertext.endsWith('0') ? '1' : '0'));
    const report = runNoiseVectors({ vectors: [v] });
    assert.equal(report.failed, 1);
    assert.equal(report.passed, 0);
    assert.equal(report.failures[0]?.name, v.protocol_name);
  });

  test('unsupported protocols are skipped and counted with their reason', () => {
    const report = runNoiseVectors({ vectors: [{ protocol_name: 'Noise_XXpsk3_25519_AESGCM_SHA256', messages: [] }, { protocol_name: 'Noise_XX_448_AESGCM_SHA256', messages: [] }] });
    assert.equal(report.skipped, 2);
    assert.equal(report.failed, 0);
    assert.equal(Object.values(report.skippedReasons).reduce((a, b) => a + b, 0), 2);
  });

  test('a file that is not a vector list is a coded error', () => {
    assert.throws(() => runNoiseVectors({ nothing: true }), isNoiseError('NOISE_UNSUPPORTED'));
  });
});

describe('handshakes with fresh keys', () => {
  for (const name of Object.keys(PATTERNS)) {
    for (const suite of ['25519_AESGCM_SHA256', '25519_ChaChaPoly_BLAKE2b']) {
      test(`${name} ${suite}: both sides agree, payloads arrive, transport works both ways`, () => {
        const h = handshake(`Noise_${name}_${suite}`);
        assert.deepEqual(h.received, h.received.map((_, i) => `message ${i}`));
        assert.deepEqual(Buffer.from(h.i.handshakeHash), Buffer.from(h.r.handshakeHash));
        const sealed = h.i.send.encryptWithAd(new Uint8Array(0), Buffer.from('to responder'));
        assert.equal(Buffer.from(h.r.receive.decryptWithAd(new Uint8Array(0), sealed)).toString(), 'to responder');
        const back = h.r.send.encryptWithAd(new Uint8Array(0), Buffer.from('to initiator'));
        assert.equal(Buffer.from(h.i.receive.decryptWithAd(new Uint8Array(0), back)).toString(), 'to initiator');
        // Patterns that convey the initiator's static key let the responder learn it.
        if (name[0] !== 'N') assert.deepEqual(Buffer.from(h.r.remoteStatic ?? []), Buffer.from(h.iStatic.publicKey));
      });
    }
  }
});

describe('failures are coded and final', () => {
  test('a tampered handshake message fails with NOISE_DECRYPT_FAILED and the side refuses to go on', () => {
    const p = protocol('Noise_XX_25519_ChaChaPoly_SHA256');
    const i = new HandshakeState(p, { initiator: true, s: DH_25519.keyPairFrom(randomBytes(32)), randomBytes });
    const r = new HandshakeState(p, { initiator: false, s: DH_25519.keyPairFrom(randomBytes(32)), randomBytes });
    r.readMessage(i.writeMessage(new Uint8Array(0)));
    const m2 = r.writeMessage(Buffer.from('hello'));
    m2[40] = (m2[40] as number) ^ 1;
    assert.throws(() => i.readMessage(m2), isNoiseError('NOISE_DECRYPT_FAILED'));
    assert.throws(() => i.readMessage(m2), isNoiseError('NOISE_STATE'));
    assert.equal(i.result, null);
  });

  test('a truncated handshake message is NOISE_BAD_MESSAGE', () => {
    const p = protocol('Noise_NN_25519_AESGCM_SHA256');
    const i = new HandshakeState(p, { initiator: true, randomBytes });
    const r = new HandshakeState(p, { initiator: false, randomBytes });
    assert.throws(() => r.readMessage(i.writeMessage(new Uint8Array(0)).subarray(0, 31)), isNoiseError('NOISE_BAD_MESSAGE'));
  });

  test('writing out of turn is a local NOISE_STATE error', () => {
    const p = protocol('Noise_NN_25519_AESGCM_SHA256');
    const r = new HandshakeState(p, { initiator: false, randomBytes });
    assert.throws(
      () => r.writeMessage(new Uint8Array(0)),
      (e: unknown) => e instanceof NoiseError && e.code === 'NOISE_STATE' && e.side === 'local',
    );
  });

  test('a missing pre-shared key is refused at the start', () => {
    assert.throws(() => new HandshakeState(protocol('Noise_IK_25519_AESGCM_SHA256'), { initiator: true, randomBytes }), isNoiseError('NOISE_STATE'));
  });

  test('a low-order X25519 public key is refused', () => {
    const kp = DH_25519.keyPairFrom(randomBytes(32));
    assert.throws(() => DH_25519.dh(kp, new Uint8Array(32)), isNoiseError('NOISE_BAD_MESSAGE'));
  });

  test('transport: a modified ciphertext does not decrypt and the nonce does not advance', () => {
    const h = handshake('Noise_NN_25519_AESGCM_SHA256');
    const sealed = h.i.send.encryptWithAd(new Uint8Array(0), Buffer.from('x'));
    sealed[0] = (sealed[0] as number) ^ 0x80;
    assert.throws(() => h.r.receive.decryptWithAd(new Uint8Array(0), sealed), isNoiseError('NOISE_DECRYPT_FAILED'));
    assert.equal(h.r.receive.n, 0n);
  });

  test('nonces run out at 2^64-2: then encryption refuses', () => {
    const c = new CipherState(protocol('Noise_NN_25519_AESGCM_SHA256').cipher);
    c.initializeKey(randomBytes(32));
    c.n = NONCE_MAX;
    c.encryptWithAd(new Uint8Array(0), new Uint8Array(1));
    assert.throws(() => c.encryptWithAd(new Uint8Array(0), new Uint8Array(1)), isNoiseError('NOISE_NONCE_EXHAUSTED'));
  });

  test('rekey on both sides keeps them in step; on one side only, decryption fails', () => {
    const h = handshake('Noise_XX_25519_ChaChaPoly_BLAKE2s');
    h.i.send.rekey();
    h.r.receive.rekey();
    const a = h.i.send.encryptWithAd(new Uint8Array(0), Buffer.from('after rekey'));
    assert.equal(Buffer.from(h.r.receive.decryptWithAd(new Uint8Array(0), a)).toString(), 'after rekey');
    h.i.send.rekey();
    const b = h.i.send.encryptWithAd(new Uint8Array(0), Buffer.from('one-sided'));
    assert.throws(() => h.r.receive.decryptWithAd(new Uint8Array(0), b), isNoiseError('NOISE_DECRYPT_FAILED'));
  });
});
