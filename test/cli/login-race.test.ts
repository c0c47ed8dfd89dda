import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, test } from 'node:test';

import pg from 'pg';

import { PARLEY_MAIN, runParley } from './parley-process.js';

/** A PostgreSQL server to test against (.ci/run starts one and sets this). */
const url = process.env['PARLEY_TEST_POSTGRES'];
const root = mkdtempSync(join(tmpdir(), 'parley-race-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** A schema of its own, so rows (and rate-limit counts) of other runs on a shared server do not count. */
async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url as string });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

async function freshSchemaUrl(): Promise<string> {
  const schema = `parley_race_${randomBytes(6).toString('hex')}`;
  await admin(`CREATE SCHEMA ${schema}`);
  after(() => admin(`DROP SCHEMA ${schema} CASCADE`));
  const u = new URL(url as string);
  u.searchParams.set('options', `-c search_path=${schema}`);
  return u.toString();
}

async function loginServer(net: string, db: string): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, [PARLEY_MAIN, 'login-server', '--network', net, '--listen', '127.0.0.1:0', '--db', db], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [line] = (await once(createInterface({ input: child.stdout as NodeJS.ReadableStream }), 'line')) as [string];
  return { child, port: (JSON.parse(line) as { port: number }).port };
}

test(
  'two login servers on one PostgreSQL, concurrent registrations of one name through both: exactly one is accepted',
  { skip: url ? false : 'PARLEY_TEST_POSTGRES is not set (.ci/run installs PostgreSQL and sets it)', timeout: 120_000 },
  async () => {
    const net = join(root, 'net');
    assert.equal((await runParley(['network', 'init', net, '--name', 'race'])).code, 0);
    const db = await freshSchemaUrl();
    const servers = await Promise.all([loginServer(net, db), loginServer(net, db)]);
    try {
      const name = 'racer';
      const attempts = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          runParley(['account', 'register', name, '--network', join(net, 'network.json'), '--server', `127.0.0.1:${servers[i % 2]?.port}`, '--password-stdin'], `pw ${i}\n`),
        ),
      );
      const accepted = attempts.filter((r) => r.code === 0);
      assert.equal(accepted.length, 1, attempts.map((r) => r.stderr.trim()).join(' | '));
      for (const r of attempts.filter((x) => x.code !== 0)) assert.match(r.stderr, /USERNAME_TAKEN/);
    } finally {
      for (const s of servers) s.child.kill('SIGTERM');
      await Promise.all(servers.map((s) => once(s.child, 'exit')));
    }
  },
);
