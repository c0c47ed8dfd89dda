import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe } from 'node:test';

import { SqliteLoginStore } from '../../src/login/store/sqlite-store.js';
import { loginStoreSuite } from './store-suite.js';

const dir = mkdtempSync(join(tmpdir(), 'parley-sqlite-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

describe('SqliteLoginStore', () => {
  loginStoreSuite({
    fresh: async () => {
      const path = join(dir, `store-${n++}.db`);
      const open = async (): Promise<SqliteLoginStore> => {
        const s = new SqliteLoginStore(path);
        await s.migrate();
        return s;
      };
      return { store: await open(), second: open };
    },
  });
});
