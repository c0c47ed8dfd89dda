/**
 * The login store on PostgreSQL (`pg`), for several login servers sharing one database. Every
 * write that must be unique across servers is one atomic statement; migrations take a
 * transaction-scoped advisory lock so that servers starting together migrate once.
 */

import pg from 'pg';

import type { AccountRecord, DeviceRecord, FailureScope, LoginStore } from './login-store.js';
import { MIGRATIONS } from './migrations.js';
import { accountFromRow, type AccountRow, deviceFromRow, type DeviceRow } from './rows.js';

/** The advisory lock key of migrations ("parley" as a number). */
const MIGRATION_LOCK = 0x7061_726c;
/** Connections per server. */
export const POSTGRES_POOL_MAX = 10;

/** Options of a PostgreSQL store. */
export interface PostgresStoreOptions {
  readonly connectionString: string;
  /** A schema to keep the tables in (created if missing); default: the connection's default (public). */
  readonly schema?: string;
}

/** A login store in PostgreSQL. */
export class PostgresLoginStore implements LoginStore {
  private readonly pool: pg.Pool;

  constructor(private readonly options: PostgresStoreOptions) {
    if (options.schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(options.schema)) throw new RangeError('a schema name is lowercase letters, digits and _');
    this.pool = new pg.Pool({
      connectionString: options.connectionString,
      max: POSTGRES_POOL_MAX,
      ...(options.schema !== undefined ? { options: `-c search_path=${options.schema}` } : {}),
    });
  }

  async migrate(): Promise<void> {
    const c = await this.pool.connect();
    try {
      await c.query('BEGIN');
      await c.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
      if (this.options.schema !== undefined) await c.query(`CREATE SCHEMA IF NOT EXISTS ${this.options.schema}`);
      await c.query('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)');
      const r = await c.query<{ v: number | null }>('SELECT MAX(version) AS v FROM schema_version');
      const current = r.rows[0]?.v ?? 0;
      for (const m of MIGRATIONS) {
        if (m.version <= current) continue;
        for (const sql of m.statements('BYTEA')) await c.query(sql);
        await c.query('INSERT INTO schema_version (version) VALUES ($1)', [m.version]);
      }
      await c.query('COMMIT');
    } catch (e) {
      await c.query('ROLLBACK');
      throw e;
    } finally {
      c.release();
    }
  }

  async createAccount(a: AccountRecord): Promise<'created' | 'exists'> {
    const r = await this.pool.query('INSERT INTO accounts (key, display, opaque_record, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (key) DO NOTHING', [a.key, a.display, Buffer.from(a.opaqueRecord), a.createdAt]);
    return r.rowCount === 1 ? 'created' : 'exists';
  }

  async getAccount(key: string): Promise<AccountRecord | null> {
    const r = await this.pool.query<AccountRow>('SELECT * FROM accounts WHERE key = $1', [key]);
    const row = r.rows[0];
    return row ? accountFromRow(row) : null;
  }

  async putDevice(d: Omit<DeviceRecord, 'revokedAt'>): Promise<boolean> {
    const r = await this.pool.query(
      `INSERT INTO devices (account_key, device_id, noise_key, signing_key, created_at, revoked_at) VALUES ($1, $2, $3, $4, $5, NULL)
       ON CONFLICT (account_key, device_id) DO UPDATE SET noise_key = excluded.noise_key, signing_key = excluded.signing_key WHERE devices.revoked_at IS NULL`,
      [d.accountKey, Buffer.from(d.deviceId), Buffer.from(d.noiseKey), Buffer.from(d.signingKey), d.createdAt],
    );
    return r.rowCount === 1;
  }

  async getDevice(accountKey: string, deviceId: Uint8Array): Promise<DeviceRecord | null> {
    const r = await this.pool.query<DeviceRow>('SELECT * FROM devices WHERE account_key = $1 AND device_id = $2', [accountKey, Buffer.from(deviceId)]);
    return r.rows[0] ? deviceFromRow(r.rows[0]) : null;
  }

  async listDevices(accountKey: string): Promise<DeviceRecord[]> {
    const r = await this.pool.query<DeviceRow>('SELECT * FROM devices WHERE account_key = $1 ORDER BY created_at, device_id', [accountKey]);
    return r.rows.map(deviceFromRow);
  }

  async revokeDevice(accountKey: string, deviceId: Uint8Array, at: number): Promise<boolean> {
    const r = await this.pool.query('UPDATE devices SET revoked_at = COALESCE(revoked_at, $1) WHERE account_key = $2 AND device_id = $3', [at, accountKey, Buffer.from(deviceId)]);
    return r.rowCount === 1;
  }

  async listRevoked(): Promise<{ accountKey: string; deviceId: Uint8Array; revokedAt: number }[]> {
    const r = await this.pool.query<DeviceRow>('SELECT account_key, device_id, revoked_at FROM devices WHERE revoked_at IS NOT NULL ORDER BY revoked_at');
    return r.rows.map((row) => ({ accountKey: row.account_key, deviceId: new Uint8Array(row.device_id), revokedAt: Number(row.revoked_at) }));
  }

  async nextSerial(): Promise<number> {
    const r = await this.pool.query<{ value: string }>("UPDATE serials SET value = value + 1 WHERE name = 'certificate' RETURNING value");
    return Number(r.rows[0]?.value);
  }

  async recordFailure(scope: FailureScope, key: string, at: number): Promise<void> {
    await this.pool.query('INSERT INTO failures (scope, key, at) VALUES ($1, $2, $3)', [scope, key, at]);
  }

  async failuresSince(scope: FailureScope, key: string, since: number): Promise<{ count: number; latest: number | null }> {
    const r = await this.pool.query<{ n: string; latest: string | null }>('SELECT COUNT(*) AS n, MAX(at) AS latest FROM failures WHERE scope = $1 AND key = $2 AND at >= $3', [scope, key, since]);
    const row = r.rows[0];
    return { count: Number(row?.n ?? 0), latest: row?.latest === undefined || row.latest === null ? null : Number(row.latest) };
  }

  async clearFailures(scope: FailureScope, key: string): Promise<void> {
    await this.pool.query('DELETE FROM failures WHERE scope = $1 AND key = $2', [scope, key]);
  }

  async forgiveFailure(scope: FailureScope, key: string, at: number): Promise<void> {
    await this.pool.query('DELETE FROM failures WHERE ctid IN (SELECT ctid FROM failures WHERE scope = $1 AND key = $2 AND at = $3 LIMIT 1)', [scope, key, at]);
  }

  async pruneBefore(before: number): Promise<number> {
    const f = await this.pool.query('DELETE FROM failures WHERE at < $1', [before]);
    const r = await this.pool.query('DELETE FROM registrations WHERE at < $1', [before]);
    return (f.rowCount ?? 0) + (r.rowCount ?? 0);
  }

  async recordRegistration(address: string, at: number): Promise<void> {
    await this.pool.query('INSERT INTO registrations (address, at) VALUES ($1, $2)', [address, at]);
  }

  async registrationsSince(address: string, since: number): Promise<number> {
    const r = await this.pool.query<{ n: string }>('SELECT COUNT(*) AS n FROM registrations WHERE address = $1 AND at >= $2', [address, since]);
    return Number(r.rows[0]?.n ?? 0);
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
