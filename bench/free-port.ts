/** The benchmarks' free ports come from src/util/free-port.ts (the dev network uses it too). */
export { freePort } from '../src/util/free-port.js';
