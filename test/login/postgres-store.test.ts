import { randomBytes } from 'node:crypto';
import { describe } from 'node:test';

import { PostgresLoginStore } from '../../src/login/store/postgres-store.js';
import { loginStoreSuite } from './store-suite.js';

/** A PostgreSQL server to test against (.ci/run starts one and sets this). */
const url = process.env['PARLEY_TEST_POSTGRES'];

describe('PostgresLoginStore', { skip: url ? false : 'PARLEY_TEST_POSTGRES is not set (.ci/run installs PostgreSQL and sets it)' }, () => {
  loginStoreSuite({
    fresh: async () => {
      // A schema of its own per store: tests never see each other's rows.
      const schema = `parley_test_${randomBytes(6).toString('hex')}`;
      const open = async (): Promise<PostgresLoginStore> => {
        const s = new PostgresLoginStore({ connectionString: url as string, schema });
        await s.migrate();
        return s;
      };
      return { store: await open(), second: open };
    },
  });
});
