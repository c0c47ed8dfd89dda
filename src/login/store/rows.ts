/**
 * Table rows as both stores read them, and their records. SQLite gives integers as numbers,
 * PostgreSQL gives BIGINT as strings; both give BLOB/BYTEA as Buffers.
 */

import type { AccountRecord, DeviceRecord } from './login-store.js';

/** A row of `accounts`. */
export interface AccountRow {
  key: string;
  display: string;
  opaque_record: Buffer;
  created_at: number | string;
}

/** A row of `devices`. */
export interface DeviceRow {
  account_key: string;
  device_id: Buffer;
  noise_key: Buffer;
  signing_key: Buffer;
  created_at: number | string;
  revoked_at: number | string | null;
}

/** The record of an `accounts` row. */
export const accountFromRow = (r: AccountRow): AccountRecord => ({ key: r.key, display: r.display, opaqueRecord: new Uint8Array(r.opaque_record), createdAt: Number(r.created_at) });

/** The record of a `devices` row. */
export const deviceFromRow = (r: DeviceRow): DeviceRecord => ({
  accountKey: r.account_key,
  deviceId: new Uint8Array(r.device_id),
  noiseKey: new Uint8Array(r.noise_key),
  signingKey: new Uint8Array(r.signing_key),
  createdAt: Number(r.created_at),
  revokedAt: r.revoked_at === null ? null : Number(r.revoked_at),
});
