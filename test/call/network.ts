/**
 * A network of real processes on loopback for call tests: three supernodes, a login server, and
 * `parley node` daemons for the users' devices (each with its SDK client and a log of its events).
 */

import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

import { ParleyClient, type CallJson, type EventJson } from '../../src/sdk/index.js';
import { PARLEY_MAIN, runParley } from '../cli/parley-process.js';
import { eventually, makeSupernodes, startAll, stop, type Node } from '../supernode/processes.js';

export interface Device {
  readonly name: string;
  readonly profile: string;
  readonly child: ChildProcess;
  readonly sdk: ParleyClient;
  readonly events: EventJson[];
}

export class CallNetwork {
  readonly nodes: Node[] = [];
  private readonly children: ChildProcess[] = [];
  private readonly streams: { close: () => void }[] = [];
  networkPath = '';

  constructor(private readonly root: string) {}

  async start(name: string): Promise<void> {
    const made = await makeSupernodes(this.root, name, 3);
    this.nodes.push(...made.nodes);
    await startAll(made.net, this.nodes);
    this.networkPath = join(made.net, 'network.json');
    const login = await this.spawnReady(['login-server', '--network', made.net, '--listen', '127.0.0.1:0', '--no-tcp']);
    const raw = JSON.parse(readFileSync(this.networkPath, 'utf8')) as { loginServers: { endpoints: string[] }[] };
    (raw.loginServers[0] as { endpoints: string[] }).endpoints = [`udp:127.0.0.1:${login['port'] as number}`];
    writeFileSync(this.networkPath, JSON.stringify({ ...raw, bootstrapSupernodes: this.nodes.map((n) => ({ staticKey: n.id, endpoints: [`udp:127.0.0.1:${n.port}`] })) }));
  }

  private async spawnReady(args: string[]): Promise<Record<string, unknown>> {
    const child = spawn(process.execPath, [PARLEY_MAIN, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    this.children.push(child);
    const exited = once(child, 'exit').then(([code]) => Promise.reject(new Error(`parley ${args.join(' ')} exited (${String(code)}) before it was ready`)));
    const [line] = (await Promise.race([once(createInterface({ input: child.stdout as NodeJS.ReadableStream }), 'line'), exited])) as [string];
    return JSON.parse(line) as Record<string, unknown>;
  }

  /** A device of `user` (registered on its first device), its daemon running with `args`. */
  async device(user: string, profileName: string, first: boolean, args: string[] = []): Promise<Device> {
    if (first) assert.equal((await runParley(['account', 'register', user, '--network', this.networkPath, '--password-stdin'], `${user} pw\n`)).code, 0);
    const profile = join(this.root, profileName);
    const loggedIn = await runParley(['login', user, '--network', this.networkPath, '--profile', profile, '--password-stdin'], `${user} pw\n`);
    assert.equal(loggedIn.code, 0, loggedIn.stderr);
    const child = spawn(process.execPath, [PARLEY_MAIN, 'node', '--network', this.networkPath, '--profile', profile, '--log-level', 'warn', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    this.children.push(child);
    await once(createInterface({ input: child.stdout as NodeJS.ReadableStream }), 'line');
    const sdk = ParleyClient.fromProfile(profile);
    const events: EventJson[] = [];
    const s = sdk.events((e) => events.push(e));
    this.streams.push(s);
    await s.opened;
    return { name: user, profile, child, sdk, events };
  }

  /** A `parley node` daemon on a new, empty profile: it runs signed out (the web client signs it in); its first line (api, web). */
  async signedOutDaemon(profileName: string): Promise<{ profile: string; api: string; web: string }> {
    const profile = join(this.root, profileName);
    const ready = await this.spawnReady(['node', '--network', this.networkPath, '--profile', profile, '--log-level', 'warn']);
    assert.equal(ready['signedIn'], false, JSON.stringify(ready));
    return { profile, api: ready['api'] as string, web: ready['web'] as string };
  }

  /** Makes `a` and `b` contacts (b's `accepter` device accepts). */
  async befriend(a: Device, b: Device): Promise<void> {
    await eventually(async () => a.sdk.addContact(b.name, 'hi').then(() => true, () => false), 20_000, `${b.name} is in the directory`);
    await eventually(async () => (await b.sdk.contacts()).some((c) => c.username === a.name && c.state === 'pending'), 20_000, `${b.name} sees the request`);
    await b.sdk.answerContact(a.name, 'accept');
    await eventually(async () => (await a.sdk.contacts()).some((c) => c.username === b.name && c.state === 'accepted'), 20_000, `${a.name} sees the acceptance`);
  }

  async close(): Promise<void> {
    for (const s of this.streams) s.close();
    for (const c of this.children) {
      if (c.exitCode === null && c.signalCode === null) {
        c.kill('SIGKILL');
        await once(c, 'exit');
      }
    }
    for (const n of this.nodes) await stop(n, 'SIGKILL');
  }
}

/** The call events a device saw (of one call, given its id), oldest first. */
export const callEvents = (d: Device, id?: string): CallJson[] => d.events.flatMap((e: EventJson) => (e.type === 'call' && (id === undefined || e.call.id === id) ? [e.call] : []));

/** Waits (up to 60 s) until a device saw call `id` end; its last state. */
export const callEnded = (d: Device, id: string): Promise<CallJson> =>
  eventually(() => Promise.resolve(callEvents(d, id).at(-1)?.state === 'ended'), 60_000, `call ${id.slice(0, 8)} ended for ${d.name} (${d.profile})`).then(() => callEvents(d, id).at(-1) as CallJson);
