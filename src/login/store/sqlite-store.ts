/** The login store on SQLite (better-sqlite3, WAL), the default for one login server. */

import Database from 'better-sqlite3';

import type { AccountRecord, DeviceRecord, FailureScope, LoginStore } from './login-store.js';
import { MIGRATIONS } from './migrations.js';
import { accountFromRow, type AccountRow, deviceFromRow, type DeviceRow } from './rows.js';

/** A login store in one SQLite file (":memory:" for tests). */
export class SqliteLoginStore implements LoginStore {
  private readonly db: Database.Database;

  constructor(path: string) {
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('foreign_keys = ON');
    this.db.pragma('busy_timeout = 5000');
  }

  migrate(): Promise<void> {
    this.db.exec('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)');
    const apply = this.db.transaction(() => {
      const row = this.db.prepare('SELECT MAX(version) AS v FROM schema_version').get() as { v: number | null };
      for (const m of MIGRATIONS) {
        if (m.version <= (row.v ?? 0)) continue;
        for (const sql of m.statements('BLOB')) this.db.exec(sql);
        this.db.prepare('INSERT INTO schema_version (version) VALUES (?)').run(m.version);
      }
    });
    apply.immediate();
    return Promise.resolve();
  }

  createAccount(a: AccountRecord): Promise<'created' | 'exists'> {
    const r = this.db.prepare('INSERT INTO accounts (key, display, opaque_record, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (key) DO NOTHING').run(a.key, a.display, Buffer.from(a.opaqueRecord), a.createdAt);
    return Promise.resolve(r.changes === 1 ? 'created' : 'exists');
  }

  getAccount(key: string): Promise<AccountRecord | null> {
    const r = this.db.prepare('SELECT * FROM accounts WHERE key = ?').get(key) as AccountRow | undefined;
    return Promise.resolve(r ? accountFromRow(r) : null);
  }

  putDevice(d: Omit<DeviceRecord, 'revokedAt'>): Promise<boolean> {
    const r = this.db
      .prepare(
        `INSERT INTO devices (account_key, device_id, noise_key, signing_key, created_at, revoked_at) VALUES (?, ?, ?, ?, ?, NULL)
         ON CONFLICT (account_key, device_id) DO UPDATE SET noise_key = excluded.noise_key, signing_key = excluded.signing_key WHERE devices.revoked_at IS NULL`,
      )
      .run(d.accountKey, Buffer.from(d.deviceId), Buffer.from(d.noiseKey), Buffer.from(d.signingKey), d.createdAt);
    return Promise.resolve(r.changes === 1);
  }

  getDevice(accountKey: string, deviceId: Uint8Array): Promise<DeviceRecord | null> {
    const r = this.db.prepare('SELECT * FROM devices WHERE account_key = ? AND device_id = ?').get(accountKey, Buffer.from(deviceId)) as DeviceRow | undefined;
    return Promise.resolve(r ? deviceFromRow(r) : null);
  }

  listDevices(accountKey: string): Promise<DeviceRecord[]> {
    return Promise.resolve((this.db.prepare('SELECT * FROM devices WHERE account_key = ? ORDER BY created_at, device_id').all(accountKey) as DeviceRow[]).map(deviceFromRow));
  }

  revokeDevice(accountKey: string, deviceId: Uint8Array, at: number): Promise<boolean> {
    const r = this.db.prepare('UPDATE devices SET revoked_at = COALESCE(revoked_at, ?) WHERE account_key = ? AND device_id = ?').run(at, accountKey, Buffer.from(deviceId));
    return Promise.resolve(r.changes === 1);
  }

  listRevoked(): Promise<{ accountKey: string; deviceId: Uint8Array; revokedAt: number }[]> {
    const rows = this.db.prepare('SELECT account_key, device_id, revoked_at FROM devices WHERE revoked_at IS NOT NULL ORDER BY revoked_at').all() as DeviceRow[];
    return Promise.resolve(rows.map((r) => ({ accountKey: r.account_key, deviceId: new Uint8Array(r.device_id), revokedAt: Number(r.revoked_at) })));
  }

  nextSerial(): Promise<number> {
    const r = this.db.prepare("UPDATE serials SET value = value + 1 WHERE name = 'certificate' RETURNING value").get() as { value: number };
    return Promise.resolve(Number(r.value));
  }

  recordFailure(scope: FailureScope, key: string, at: number): Promise<void> {
    this.db.prepare('INSERT INTO failures (scope, key, at) VALUES (?, ?, ?)').run(scope, key, at);
    return Promise.resolve();
  }

  failuresSince(scope: FailureScope, key: string, since: number): Promise<{ count: number; latest: number | null }> {
    const r = this.db.prepare('SELECT COUNT(*) AS n, MAX(at) AS latest FROM failures WHERE scope = ? AND key = ? AND at >= ?').get(scope, key, since) as { n: number; latest: number | null };
    return Promise.resolve({ count: Number(r.n), latest: r.latest === null ? null : Number(r.latest) });
  }

  clearFailures(scope: FailureScope, key: string): Promise<void> {
    this.db.prepare('DELETE FROM failures WHERE scope = ? AND key = ?').run(scope, key);
    return Promise.resolve();
  }

  forgiveFailure(scope: FailureScope, key: string, at: number): Promise<void> {
    this.db.prepare('DELETE FROM failures WHERE rowid IN (SELECT rowid FROM failures WHERE scope = ? AND key = ? AND at = ? LIMIT 1)').run(scope, key, at);
    return Promise.resolve();
  }

  pruneBefore(before: number): Promise<number> {
    const f = this.db.prepare('DELETE FROM failures WHERE at < ?').run(before).changes;
    const r = this.db.prepare('DELETE FROM registrations WHERE at < ?').run(before).changes;
    return Promise.resolve(f + r);
  }

  recordRegistration(address: string, at: number): Promise<void> {
    this.db.prepare('INSERT INTO registrations (address, at) VALUES (?, ?)').run(address, at);
    return Promise.resolve();
  }

  registrationsSince(address: string, since: number): Promise<number> {
    const r = this.db.prepare('SELECT COUNT(*) AS n FROM registrations WHERE address = ? AND at >= ?').get(address, since) as { n: number };
    return Promise.resolve(Number(r.n));
  }

  close(): Promise<void> {
    this.db.close();
    return Promise.resolve();
  }
}
