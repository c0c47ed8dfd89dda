/**
 * A device profile: the directory that holds one device's keys (Noise X25519 and Ed25519, 0600)
 * and its current certificate. The default is under the XDG data home. The daemon will own it;
 * for now the `account` commands use it.
 */

import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync, renameSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

import { signingKeyFromSeed, type SigningKey } from '../crypto/ed25519.js';
import { DH_25519, type KeyPair } from '../crypto/noise/index.js';
import { SECRET_FILE_MODE } from './key-files.js';

/** Files of a profile. */
export const DEVICE_KEY_FILE = 'device.key';
export const CERTIFICATE_FILE = 'device.cert';

/** A device's keys. */
export interface DeviceIdentity {
  readonly deviceId: Uint8Array;
  readonly noise: KeyPair;
  readonly signing: SigningKey;
}

/** The default profile directory: $XDG_DATA_HOME/parley, or ~/.local/share/parley. */
export function defaultProfileDir(): string {
  const base = process.env['XDG_DATA_HOME'] ?? join(homedir(), '.local', 'share');
  return join(base, 'parley');
}

/** The device's keys in `dir`, created (0600) the first time. */
export function deviceIdentity(dir: string): DeviceIdentity {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, DEVICE_KEY_FILE);
  if (!existsSync(path)) {
    const file = { type: 'parley-device-key', version: 1, deviceId: randomBytes(16).toString('hex'), noise: randomBytes(32).toString('hex'), signing: randomBytes(32).toString('hex') };
    try {
      writeFileSync(path, `${JSON.stringify(file)}\n`, { mode: SECRET_FILE_MODE, flag: 'wx' });
    } catch {
      // Created by another process meanwhile: read theirs.
    }
  }
  const f = JSON.parse(readFileSync(path, 'utf8')) as { type?: string; deviceId?: string; noise?: string; signing?: string };
  if (f.type !== 'parley-device-key' || !/^[0-9a-f]{32}$/.test(f.deviceId ?? '') || !/^[0-9a-f]{64}$/.test(f.noise ?? '') || !/^[0-9a-f]{64}$/.test(f.signing ?? '')) {
    throw new Error(`${path} is not a device key file`);
  }
  return {
    deviceId: new Uint8Array(Buffer.from(f.deviceId as string, 'hex')),
    noise: DH_25519.keyPairFrom(new Uint8Array(Buffer.from(f.noise as string, 'hex'))),
    signing: signingKeyFromSeed(new Uint8Array(Buffer.from(f.signing as string, 'hex'))),
  };
}

/** Saves the device's certificate (atomically: written aside, then renamed). */
export function saveCertificate(dir: string, certificate: Uint8Array): string {
  const path = join(dir, CERTIFICATE_FILE);
  writeFileSync(`${path}.tmp`, certificate, { mode: 0o644 });
  renameSync(`${path}.tmp`, path);
  return path;
}
