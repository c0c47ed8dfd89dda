/**
 * A supernode's key directory: `supernode.key` (its Noise static secret, 0600, made by
 * `parley supernode init`) and `supernode.cert` (its certificate from the network's CA, made by
 * `parley network issue-supernode` in managed mode).
 */

import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { DH_25519, type KeyPair } from '../crypto/noise/index.js';
import { verifyCertificate, type CertificateBody } from '../login/certificate.js';
import { readSecretKey, writeSecretKey } from '../login/key-files.js';

export const SUPERNODE_KEY_FILE = 'supernode.key';
export const SUPERNODE_CERT_FILE = 'supernode.cert';

/** Why a supernode cannot start with this key directory. */
export class SupernodeIdentityError extends Error {
  override readonly name = 'SupernodeIdentityError';
  constructor(
    readonly code: 'SUPERNODE_NO_KEY' | 'SUPERNODE_NO_CERT' | 'SUPERNODE_BAD_CERT',
    message: string,
  ) {
    super(`${code}: ${message}`);
  }
}

/** A supernode's identity. */
export interface SupernodeIdentity {
  readonly keyPair: KeyPair;
  readonly certificate: Uint8Array;
  readonly body: CertificateBody;
}

/** Creates the key (if missing) in `dir`; returns the public key and whether it was made now. */
export function initSupernodeKey(dir: string): { publicKey: Uint8Array; created: boolean } {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, SUPERNODE_KEY_FILE);
  const created = !existsSync(path);
  if (created) writeSecretKey(path, 'parley-noise-static', new Uint8Array(randomBytes(32)));
  return { publicKey: DH_25519.keyPairFrom(readSecretKey(path, 'parley-noise-static')).publicKey, created };
}

/** The key pair in `dir` (made by initSupernodeKey). */
export function loadSupernodeKeyPair(dir: string): KeyPair {
  return DH_25519.keyPairFrom(readSecretKey(join(dir, SUPERNODE_KEY_FILE), 'parley-noise-static'));
}

/** Loads the key and checks the certificate against the network's CA, its name and the key. */
export function loadSupernodeIdentity(dir: string, caPublicKey: Uint8Array, network: string, now: number): SupernodeIdentity {
  const keyPath = join(dir, SUPERNODE_KEY_FILE);
  const certPath = join(dir, SUPERNODE_CERT_FILE);
  if (!existsSync(keyPath)) throw new SupernodeIdentityError('SUPERNODE_NO_KEY', `no ${keyPath}: run parley supernode init --key ${dir}`);
  const keyPair = DH_25519.keyPairFrom(readSecretKey(keyPath, 'parley-noise-static'));
  if (!existsSync(certPath)) throw new SupernodeIdentityError('SUPERNODE_NO_CERT', `no ${certPath}: have the operator run parley network issue-supernode --noise-key ${Buffer.from(keyPair.publicKey).toString('hex')} ... --out ${certPath}`);
  const certificate = new Uint8Array(readFileSync(certPath));
  const check = verifyCertificate(certificate, caPublicKey, network, now);
  if (!check.ok) throw new SupernodeIdentityError('SUPERNODE_BAD_CERT', `${certPath}: ${check.code}: ${check.reason}`);
  if (check.body.kind !== 'supernode' || !Buffer.from(check.body.noiseKey).equals(keyPair.publicKey)) throw new SupernodeIdentityError('SUPERNODE_BAD_CERT', `${certPath} is not a supernode certificate for this key`);
  return { keyPair, certificate, body: check.body };
}
