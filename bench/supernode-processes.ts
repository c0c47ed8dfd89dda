/**
 * For the benchmarks: a network directory and `count` real `parley supernode` processes on
 * 127.0.0.1 (each certified by the network's CA, each joining through the first), ready when this
 * resolves; `stop()` kills what still runs.
 */

import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

import { signingKeyFromSeed, type SigningKey } from '../src/crypto/ed25519.js';
import { CA_KEY_FILE, readSecretKey } from '../src/login/key-files.js';
import type { NetworkFile } from '../src/login/network-file.js';
import { initNetwork } from '../src/login/network-init.js';
import { issueSupernodeCertificate } from '../src/login/supernode-certificate.js';
import { initSupernodeKey, SUPERNODE_CERT_FILE } from '../src/supernode/identity.js';
import { freePort } from '../src/util/free-port.js';

/** The built program, dist/src/cli/main.js, seen from dist/bench/. */
const PARLEY_MAIN = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));

/** One running supernode process. */
export interface BenchSupernode {
  readonly id: string;
  readonly endpoint: string;
  readonly child: ChildProcess;
}

/** Starts the network and its supernodes under `root`. */
export async function startSupernodeProcesses(root: string, name: string, count: number): Promise<{ network: NetworkFile; ca: SigningKey; supernodes: BenchSupernode[]; stop: () => Promise<void> }> {
  const { network, directory } = initNetwork(join(root, 'net'), name);
  const ca = signingKeyFromSeed(readSecretKey(join(directory, CA_KEY_FILE), 'parley-ca-key'));
  const supernodes: BenchSupernode[] = [];
  const stop = async (): Promise<void> => {
    for (const { child } of supernodes) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await once(child, 'exit');
      }
    }
  };
  try {
    for (let i = 0; i < count; i++) {
      const keyDir = join(root, `sn${i}`);
      const { publicKey } = initSupernodeKey(keyDir);
      const port = await freePort();
      const endpoint = `udp:127.0.0.1:${port}`;
      writeFileSync(join(keyDir, SUPERNODE_CERT_FILE), issueSupernodeCertificate(ca, { network: network.name, noiseKey: publicKey, endpoints: [endpoint], notBefore: Date.now() }));
      const args = [PARLEY_MAIN, 'supernode', '--network', join(directory, 'network.json'), '--key', keyDir, '--listen', `127.0.0.1:${port}`, '--no-tcp', '--log-level', 'warn'];
      const first = supernodes[0];
      if (first) args.push('--bootstrap', `${first.id}@${first.endpoint}`);
      const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
      supernodes.push({ id: Buffer.from(publicKey).toString('hex'), endpoint, child });
      await once(createInterface({ input: child.stdout as NodeJS.ReadableStream }), 'line');
    }
  } catch (e) {
    await stop();
    throw e;
  }
  return { network, ca, supernodes, stop };
}
