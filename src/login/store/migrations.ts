/**
 * The login store's schema, as numbered migrations in SQL both SQLite and PostgreSQL accept
 * (BLOB is spelled per database by `blobType`). A migration never changes once released: new
 * needs get a new number.
 */

/** One migration: its number and statements. */
export interface Migration {
  readonly version: number;
  readonly statements: (blob: string) => string[];
}

/** Every migration, in order. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    statements: (blob) => [
      `CREATE TABLE accounts (key TEXT PRIMARY KEY, display TEXT NOT NULL, opaque_record ${blob} NOT NULL, created_at BIGINT NOT NULL)`,
      `CREATE TABLE devices (account_key TEXT NOT NULL REFERENCES accounts(key), device_id ${blob} NOT NULL, noise_key ${blob} NOT NULL,
         signing_key ${blob} NOT NULL, created_at BIGINT NOT NULL, revoked_at BIGINT, PRIMARY KEY (account_key, device_id))`,
      'CREATE TABLE serials (name TEXT PRIMARY KEY, value BIGINT NOT NULL)',
      "INSERT INTO serials (name, value) VALUES ('certificate', 0)",
      'CREATE TABLE failures (scope TEXT NOT NULL, key TEXT NOT NULL, at BIGINT NOT NULL)',
      'CREATE INDEX failures_by_key ON failures (scope, key, at)',
      'CREATE TABLE registrations (address TEXT NOT NULL, at BIGINT NOT NULL)',
      'CREATE INDEX registrations_by_address ON registrations (address, at)',
    ],
  },
  {
    // Pruning the rate-limit rows by age (LoginStore.pruneBefore).
    version: 2,
    statements: () => ['CREATE INDEX failures_by_time ON failures (at)', 'CREATE INDEX registrations_by_time ON registrations (at)'],
  },
];
