/** `npm run natlab [-- --json]` (lab-run.ts): the NAT lab's matrix, as root; elsewhere it says why and runs nothing. */

import { natLabMain } from './lab-run.js';

process.exitCode = await natLabMain(
  process.argv.slice(2),
  (text) => process.stdout.write(text),
  (text) => process.stderr.write(text),
);
