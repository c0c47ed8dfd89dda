/** `parley` usage: --help and --version everywhere, and one-line exit-2 usage errors. */

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';

import { linesOf, runParley } from './parley-process.js';

const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };

describe('parley --version and --help', { concurrency: true }, () => {
  for (const flag of ['--version', '-V']) {
    test(`${flag} prints the package version`, async () => {
      const r = await runParley([flag]);
      assert.equal(r.code, 0);
      assert.equal(r.stdout, `${pkg.version}\n`);
      assert.equal(r.stderr, '');
    });
  }

  test('--help lists the command groups', async () => {
    const r = await runParley(['--help']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^Usage: parley /);
    assert.match(r.stdout, /^\s+wire\b/m);
    assert.match(r.stdout, /^\s+bench\b/m);
    assert.equal(r.stderr, '');
  });

  for (const path of [['wire'], ['wire', 'decode'], ['wire', 'encode'], ['bench'], ['bench', 'codec']]) {
    test(`parley ${path.join(' ')} --help`, async () => {
      const r = await runParley([...path, '--help']);
      assert.equal(r.code, 0);
      assert.ok(r.stdout.startsWith(`Usage: parley ${path.join(' ')} `), r.stdout);
      assert.match(r.stdout, /--help/);
      assert.equal(r.stderr, '');
    });
  }

  for (const path of [['wire', 'decode'], ['wire', 'encode'], ['bench', 'codec']]) {
    test(`parley ${path.join(' ')} --help offers --json`, async () => {
      const r = await runParley([...path, '--help']);
      assert.match(r.stdout, /--json/);
    });
  }
});

/** Each case: argv, and the one stderr line it must produce. */
const USAGE_ERRORS: readonly (readonly [readonly string[], RegExp])[] = [
  [[], /^parley: missing command, one of: wire, network, login-server, supernode, node, web, whoami, logout, status, reach, presence, contacts, msg, chat, group, history, search, api, call, answer, add-to-call, decline, hangup, hold, resume, mute, unmute, calls, dev, account, login, nat, cert, bench, selftest \(see parley --help\)$/],
  [['frobnicate'], /^parley: unknown command 'frobnicate' \(see parley --help\)$/],
  [['wir'], /^parley: unknown command 'wir'; did you mean wire\? \(see parley --help\)$/],
  [['--nope'], /^parley: unknown option '--nope' \(see parley --help\)$/],
  [['wire'], /^parley: missing command, one of: decode, encode \(see parley wire --help\)$/],
  [['wire', 'frob'], /^parley: unknown command 'frob' \(see parley wire --help\)$/],
  [['wire', 'decode'], /^parley: missing required argument 'hex' \(see parley wire decode --help\)$/],
  [['wire', 'decode', '--nope', '00'], /^parley: unknown option '--nope' \(see parley wire decode --help\)$/],
  [['wire', 'decode', '--jsn', '00'], /^parley: unknown option '--jsn'; did you mean --json\? \(see parley wire decode --help\)$/],
  [['wire', 'decode', '00', '11'], /^parley: too many arguments .* \(see parley wire decode --help\)$/],
  [['wire', 'encode'], /^parley: missing required argument 'json' \(see parley wire encode --help\)$/],
  [['bench', 'codec', '--seconds'], /^parley: option '--seconds <s>' argument missing \(see parley bench codec --help\)$/],
  [['bench', 'codec', '--seconds', 'abc'], /^parley: option '--seconds <s>' argument 'abc' is invalid\. .* \(see parley bench codec --help\)$/],
  [['bench', 'codec', '--seconds', '0'], /^parley: option '--seconds <s>' argument '0' is invalid\. .* \(see parley bench codec --help\)$/],
  [['bench', 'codec', '--seconds', '-1'], /^parley: .* \(see parley bench codec --help\)$/],
  [['wire', 'decode', 'zz'], /^parley: CLI_BAD_HEX: "z" is not a hex digit \(see parley wire decode --help\)$/],
  [['wire', 'decode', '0a:b'], /^parley: CLI_BAD_HEX: odd number of hex digits \(3\) \(see parley wire decode --help\)$/],
];

describe('bad usage prints one line and exits 2', { concurrency: true }, () => {
  for (const [argv, expected] of USAGE_ERRORS) {
    test(`parley ${argv.join(' ') || '(no arguments)'}`, async () => {
      const r = await runParley(argv);
      assert.equal(r.code, 2, r.stderr);
      assert.equal(r.stdout, '');
      const lines = linesOf(r.stderr);
      assert.equal(lines.length, 1, `expected one stderr line, got: ${JSON.stringify(r.stderr)}`);
      assert.match(lines[0] ?? '', expected);
    });
  }
});
