import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, describe, test } from 'node:test';

import { PARLEY_MAIN, runParley } from './parley-process.js';

/**
 * Runs a command on a pseudo-terminal (Python's pty module): answers each prompt when it appears
 * and prints { output, code } as JSON. The terminal's own echo is on, as in a shell, so anything
 * the program fails to hide shows in the output.
 */
const PTY_DRIVER = `
import json, os, pty, select, sys
argv, answers = json.loads(sys.argv[1]), json.loads(sys.argv[2])
pid, fd = pty.fork()
if pid == 0:
    os.execvp(argv[0], argv)
out, seen = b'', 0
while True:
    ready, _, _ = select.select([fd], [], [], 60)
    if not ready:
        break
    try:
        data = os.read(fd, 4096)
    except OSError:
        break
    if not data:
        break
    out += data
    while answers and answers[0][0].encode() in out[seen:]:
        prompt, reply = answers.pop(0)
        seen = out.index(prompt.encode(), seen) + len(prompt)
        os.write(fd, (reply + '\\r').encode())
_, status = os.waitpid(pid, 0)
print(json.dumps({'output': out.decode('utf8', 'replace'), 'code': os.waitstatus_to_exitcode(status)}))
`;

function onTerminal(args: readonly string[], answers: [string, string][]): { output: string; code: number } {
  const r = spawnSync('python3', ['-c', PTY_DRIVER, JSON.stringify([process.execPath, PARLEY_MAIN, ...args]), JSON.stringify(answers)], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as { output: string; code: number };
}

const hasPython = spawnSync('python3', ['-c', 'import pty'], { encoding: 'utf8' }).status === 0;
const root = mkdtempSync(join(tmpdir(), 'parley-prompt-'));
after(() => rmSync(root, { recursive: true, force: true }));

describe('the password prompt on a terminal', { skip: hasPython ? false : 'python3 with the pty module is needed to drive a pseudo-terminal' }, () => {
  test('register asks twice without echo; a mismatch registers nothing; login asks once', { timeout: 120_000 }, async () => {
    const net = join(root, 'net');
    assert.equal((await runParley(['network', 'init', net, '--name', 'prompt'])).code, 0);
    const server = spawn(process.execPath, [PARLEY_MAIN, 'login-server', '--network', net, '--listen', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const [line] = (await once(createInterface({ input: server.stdout }), 'line')) as [string];
      const { port } = JSON.parse(line) as { port: number };
      const base = ['--network', join(net, 'network.json'), '--server', `127.0.0.1:${port}`];
      const secret = 'correct horse battery';

      const mismatch = onTerminal(['account', 'register', 'pia', ...base], [['Password: ', secret], ['Repeat the password: ', 'something else']]);
      assert.equal(mismatch.code, 2, mismatch.output);
      assert.match(mismatch.output, /the two passwords differ: nothing was registered/);

      const reg = onTerminal(['account', 'register', 'pia', ...base], [['Password: ', secret], ['Repeat the password: ', secret]]);
      assert.equal(reg.code, 0, reg.output);
      assert.match(reg.output, /registered pia/);
      assert.ok(!reg.output.includes(secret), `the password was echoed: ${JSON.stringify(reg.output)}`);

      const login = onTerminal(['account', 'login', 'pia', ...base, '--profile', join(root, 'profile')], [['Password: ', secret]]);
      assert.equal(login.code, 0, login.output);
      assert.match(login.output, /logged in; certificate saved to/);
      assert.ok(!login.output.includes(secret));

      // What was typed at the prompt is the password: the same one works on standard input.
      const again = await runParley(['account', 'login', 'pia', ...base, '--profile', join(root, 'profile'), '--password-stdin'], `${secret}\n`);
      assert.equal(again.code, 0, again.stderr);
    } finally {
      server.kill('SIGTERM');
      await once(server, 'exit');
    }
  });
});
