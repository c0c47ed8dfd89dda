/**
 * The login server's storage, behind one interface so that SQLite (one server) and PostgreSQL
 * (several servers sharing one database) are interchangeable and pass the same test suite. Methods
 * are async for PostgreSQL's sake; every write that must be unique across servers is one atomic
 * statement.
 */

/** An account: its case-folded key (username.ts), the name as registered, the OPAQUE record. */
export interface AccountRecord {
  readonly key: string;
  readonly display: string;
  /** The OPAQUE registration record: nothing a password can be tested against without it being used in OPAQUE. */
  readonly opaqueRecord: Uint8Array;
  readonly createdAt: number;
}

/** A device of an account. */
export interface DeviceRecord {
  readonly accountKey: string;
  readonly deviceId: Uint8Array;
  readonly noiseKey: Uint8Array;
  readonly signingKey: Uint8Array;
  readonly createdAt: number;
  readonly revokedAt: number | null;
}

/** Scopes of failure counting for rate limits. */
export type FailureScope = 'account' | 'address';

/** The storage of a login server. */
export interface LoginStore {
  /** Brings the schema up to date (idempotent; safe with several servers starting at once). */
  migrate(): Promise<void>;
  /** Creates an account unless its key exists: 'created' or 'exists', atomically. */
  createAccount(account: AccountRecord): Promise<'created' | 'exists'>;
  getAccount(key: string): Promise<AccountRecord | null>;
  /** Adds a device, or updates its keys if it exists and is not revoked: false if it is revoked. */
  putDevice(device: Omit<DeviceRecord, 'revokedAt'>): Promise<boolean>;
  getDevice(accountKey: string, deviceId: Uint8Array): Promise<DeviceRecord | null>;
  listDevices(accountKey: string): Promise<DeviceRecord[]>;
  /** Revokes a device: false if there is no such device. */
  revokeDevice(accountKey: string, deviceId: Uint8Array, at: number): Promise<boolean>;
  /** Every revoked device: (account, device id, when). */
  listRevoked(): Promise<{ accountKey: string; deviceId: Uint8Array; revokedAt: number }[]>;
  /** The next certificate serial (unique across servers). */
  nextSerial(): Promise<number>;
  recordFailure(scope: FailureScope, key: string, at: number): Promise<void>;
  /** Failures of `key` in `scope` at or after `since`, with the latest time. */
  failuresSince(scope: FailureScope, key: string, since: number): Promise<{ count: number; latest: number | null }>;
  clearFailures(scope: FailureScope, key: string): Promise<void>;
  /** Removes one failure of `key` in `scope` recorded at exactly `at` (a login that finished after all). */
  forgiveFailure(scope: FailureScope, key: string, at: number): Promise<void>;
  /** Removes failures and registrations older than `before` (no limit looks that far back); how many. */
  pruneBefore(before: number): Promise<number>;
  recordRegistration(address: string, at: number): Promise<void>;
  registrationsSince(address: string, since: number): Promise<number>;
  close(): Promise<void>;
}
