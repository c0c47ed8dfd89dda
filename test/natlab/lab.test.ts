import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { after, before, describe, test } from 'node:test';

import { labUnavailable, NatLab, removeLeftovers, type LabSite } from '../../src/natlab/lab.js';
import { KIND_MAPPING, NAT_KINDS } from '../../src/natlab/nat-rules.js';
import type { MappingBehaviour } from '../../src/nat/mapping.js';

const PARLEY_MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const RESPONDER = fileURLToPath(new URL('./stun-responder.js', import.meta.url));
const PREFIX = `plt${process.pid}`;
const unavailable = await labUnavailable();


describe('the NAT lab: real Linux NAT in network namespaces', { skip: unavailable ?? false }, () => {
  let lab: NatLab | null = null;
  const sites: LabSite[] = [];
  const stun: string[] = [];

  before(async () => {
    await removeLeftovers(PREFIX);
    lab = await NatLab.create(PREFIX);
    for (let i = 0; i < 2; i++) {
      const address = await lab.serverAddress();
      const child = lab.spawn(lab.internet, process.execPath, [RESPONDER, address, '3478']);
      const [line] = (await once(createInterface({ input: child.stdout as NodeJS.ReadableStream }), 'line')) as [string];
      assert.equal(line, 'ready');
      stun.push(`udp:${address}:3478`);
    }
    for (const kind of NAT_KINDS) sites.push(await lab.addSite(kind));
  });

  after(async () => {
    await lab?.teardown();
  });

  test('each router gives the mapping its kind promises, as two STUN servers see it from a host behind it', { timeout: 60_000 }, async () => {
    const seen = await Promise.all(
      sites.map(async (s) => {
        const out = await (lab as NatLab).exec(s.host, process.execPath, PARLEY_MAIN, 'nat', 'probe', ...stun.flatMap((x) => ['--stun', x]), '--json');
        const probe = JSON.parse(out) as { behaviour: MappingBehaviour; answers: { reflexive: { host: string } | null }[] };
        if (s.kind !== 'udp-blocked') assert.ok(probe.answers.every((a) => a.reflexive?.host === s.publicAddress), `${s.kind}: seen from ${s.publicAddress}: ${out}`);
        return [s.kind, probe.behaviour] as const;
      }),
    );
    assert.deepEqual(Object.fromEntries(seen), KIND_MAPPING);
  });

  test('teardown leaves no namespace of the lab behind', async () => {
    await lab?.teardown();
    lab = null;
    const left = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }).split('\n').filter((l) => l.startsWith(PREFIX));
    assert.deepEqual(left, []);
  });
});
