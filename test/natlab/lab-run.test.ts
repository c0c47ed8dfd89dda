/**
 * The NAT lab's whole matrix (npm run natlab) as part of the tests: real daemons behind the
 * kernel's NAT of every kind. Needs root (CI runs it); elsewhere it is skipped with the reason.
 */

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';

import { LAB_RUN_PREFIX, natLabMain, parseLabArgs, runNatLab } from '../../src/natlab/lab-run.js';
import { labPairs, LAB_EXTRAS } from '../../src/natlab/matrix.js';
import { labUnavailable, upnpUnavailable } from '../../src/natlab/lab.js';

const unavailable = await labUnavailable();

test('npm run natlab: every pair of NAT kinds connects; direct wherever the targets say, relayed over UDP between two symmetric NATs and over TCP 443 from a UDP-blocked site; no namespace left', { skip: unavailable ?? false, timeout: 600_000 }, async () => {
  const report = await runNatLab((line) => console.log(line));
  const noUpnp = await upnpUnavailable();
  assert.equal(report.rows.length, labPairs().length + LAB_EXTRAS.length - (noUpnp === null ? 0 : 1), `every pair and case ran${noUpnp === null ? '' : ` (but: ${noUpnp})`}`);
  assert.equal(report.summary.connected, report.summary.pairs, 'connectivity 100%');
  for (const r of report.rows) {
    // Port-restricted against symmetric is a rate (direct in 90% of runs), measured over many runs, not one.
    if (r.expected !== 'direct-90') assert.ok(r.met, `${r.a} -> ${r.b}: ${r.path ?? 'not connected'}, expected ${r.expected}`);
    assert.ok(r.firstByteMs !== null && r.firstByteMs >= 0);
  }
  console.log(JSON.stringify(report.summary));
  const left = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }).split('\n').filter((l) => l.startsWith(`${LAB_RUN_PREFIX}${process.pid}`));
  assert.deepEqual(left, [], 'no namespace of the run is left');
});

test('npm run natlab refuses unknown arguments (exit 2) and, without root, says why and runs nothing (exit 0)', async () => {
  const out: string[] = [];
  const err: string[] = [];
  assert.equal(await natLabMain(['--jsn'], (t) => out.push(t), (t) => err.push(t)), 2);
  assert.match(err.join(''), /unknown argument "--jsn"/);
  assert.deepEqual(parseLabArgs(['--kinds', 'symmetric,port-restricted', '--runs', '10', '--json']), { json: true, kinds: ['port-restricted', 'symmetric'], runs: 10 });
  assert.deepEqual(parseLabArgs(['--kinds', 'cone']), { error: '--kinds: "cone" is not one of public, full-cone, address-restricted, port-restricted, symmetric, udp-blocked' });
  assert.deepEqual(parseLabArgs(['--runs', '0']), { error: '--runs "0" is not 1 to 100' });
  assert.deepEqual(parseLabArgs(['--runs']), { error: '--runs needs a value' });
  if (unavailable) {
    assert.equal(await natLabMain(['--json'], (t) => out.push(t), (t) => err.push(t)), 0);
    assert.deepEqual(JSON.parse(out.join('')), { skipped: unavailable });
  }
});
