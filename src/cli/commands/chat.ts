/**
 * The CLI's side of the daemon (through `parley/sdk` and the profile's token): `logout`, `whoami`,
 * `status`, `presence set STATE [--mood TEXT]`, `contacts [add|accept|decline|remove|block USER]`,
 * `reach USER [--wait-direct S]`, `msg USER|GROUP TEXT`, `chat USER` (interactive), `group create TITLE --members A,B`, `history USER`, `search TEXT`,
 * `api approve|ban NAME`, `api apps`; each with
 * `--profile DIR` and, where it reports, `--json`.
 */

import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';

import { API_FILE } from '../../api/access.js';
import { CERTIFICATE_FILE, defaultProfileDir } from '../../login/profile.js';
import { ParleyApiError, ParleyClient, type MessageJson } from '../../sdk/index.js';
import { CliError } from '../errors.js';
import { EXIT_FAILURE } from '../exit-codes.js';
import { type CliIo, writeJson } from '../io.js';

export interface Common {
  profile?: string;
  json?: boolean;
}

export const withProfile = (c: Command): Command => c.option('--profile <dir>', `this device's profile (default ${defaultProfileDir()})`).option('--json', 'print the result as JSON');

/** Runs `f` against the profile's daemon; its refusals become one-line errors (exit 1). */
export async function daemon<T>(opts: Common, f: (c: ParleyClient) => Promise<T>): Promise<T> {
  try {
    return await f(ParleyClient.fromProfile(opts.profile ?? defaultProfileDir()));
  } catch (e) {
    if (e instanceof ParleyApiError) throw new CliError(e.code === 'NOT_RUNNING' || e.code === 'UNREACHABLE' ? e.message : `${e.code}: ${e.message}`, EXIT_FAILURE);
    throw e;
  }
}

/** --wait-direct: whole seconds, 0-60. */
function waitArg(v: string): number {
  if (!/^\d{1,2}$/.test(v) || Number(v) > 60) throw new InvalidArgumentError('seconds from 0 to 60');
  return Number(v);
}

const line = (m: MessageJson): string => `${new Date(m.sentAt).toISOString().replace('T', ' ').slice(0, 19)}  ${m.sender}: ${m.deleted ? '(deleted)' : m.text}${m.editedAt !== null ? ' (edited)' : ''}${m.outgoing ? `  [${m.state}]` : ''}`;

/** `logout` waits this many 100 ms steps for the daemon to stop. */
const LOGOUT_WAIT_STEPS = 100;
const PRESENCES = ['online', 'away', 'busy', 'invisible', 'offline'] as const;
const presenceArg = (v: string): (typeof PRESENCES)[number] => {
  if (!(PRESENCES as readonly string[]).includes(v)) throw new InvalidArgumentError(`Expected one of ${PRESENCES.join(', ')}.`);
  return v as (typeof PRESENCES)[number];
};
/** A count from 1 to 1000 (--history, --limit). */
export const positive = (v: string): number => {
  const n = Number(v);
  if (!/^[0-9]+$/.test(v) || n < 1 || n > 1000) throw new InvalidArgumentError('Expected a number from 1 to 1000.');
  return n;
};

/** Prints a command's result: the JSON with --json, the text otherwise. */
export const printer =
  (io: CliIo) =>
  (opts: Common, json: unknown, text: string): void => {
    if (opts.json === true) writeJson(io.stdout, json);
    else io.stdout.write(text.endsWith('\n') || text === '' ? text : `${text}\n`);
  };

/** Adds the daemon commands. */
export function addChatCommands(program: Command, io: CliIo): void {
  const out = printer(io);

  withProfile(program.command('whoami').description('the user and device the daemon runs as')).action(async (opts: Common) => {
    const s = await daemon(opts, (c) => c.status());
    out(opts, { username: s.username, deviceId: s.deviceId }, `${s.username} (device ${s.deviceId})`);
  });
  withProfile(program.command('logout').description("log this device out: stop its daemon (published offline) and remove its certificate")).action(async (opts: Common) => {
    const dir = opts.profile ?? defaultProfileDir();
    const cert = join(dir, CERTIFICATE_FILE);
    const apiFile = join(dir, API_FILE);
    let stopped = false;
    if (existsSync(apiFile)) {
      try {
        await ParleyClient.fromProfile(dir).shutdown();
        for (let i = 0; i < LOGOUT_WAIT_STEPS && existsSync(apiFile); i++) await new Promise((r) => setTimeout(r, 100));
        stopped = true;
      } catch (e) {
        // A daemon that no longer runs left its api.json behind: nothing to stop.
        if (!(e instanceof ParleyApiError && e.code === 'UNREACHABLE')) throw e;
        rmSync(apiFile, { force: true });
      }
    }
    if (!existsSync(cert)) {
      if (!stopped) throw new CliError(`${dir} is not logged in`, EXIT_FAILURE);
    } else {
      rmSync(cert);
    }
    out(opts, { loggedOut: true, daemonStopped: stopped }, `logged out${stopped ? '; the daemon stopped' : ''}`);
  });
  withProfile(program.command('status').description("the daemon's state: user, presence, attached supernodes, direct sessions")).action(async (opts: Common) => {
    const s = await daemon(opts, (c) => c.status());
    out(opts, s, `${s.username}: ${s.presence}${s.mood ? ` (${s.mood})` : ''}; attached to ${s.attached.length} supernode(s); ${s.direct ? `sessions with devices${s.direct.port === null ? ' (relays only)' : ` on UDP ${s.direct.port}`}: ${s.direct.linked} up (${s.direct.relayed} relayed), ${s.direct.sent} sent, ${s.direct.received} received` : 'no sessions with devices'}`);
  });
  withProfile(program.command('reach').description("make a session to a device of USER and send bytes there and back: the path (direct, or relayed by a supernode over UDP or TCP) and its times").argument('<user>', 'a username').option('--wait-direct <seconds>', 'then wait this long for a direct path (0-60, default 0)', waitArg)).action(async (user: string, opts: Common & { waitDirect?: number }) => {
    const r = await daemon(opts, (c) => c.reach(user, (opts.waitDirect ?? 0) * 1000));
    out(opts, r, r.connected ? `${r.username}: ${r.path}, first bytes back after ${r.firstByteMs} ms${r.directAfterMs !== null ? `, direct after ${r.directAfterMs} ms` : ''}` : `${r.username}: not reached`);
    if (!r.connected) process.exitCode = EXIT_FAILURE;
  });
  const presence = program.command('presence').description('presence');
  withProfile(presence.command('set').description('set presence (online, away, busy, invisible, offline) and mood').argument('<state>', 'online, away, busy, invisible or offline', presenceArg).option('--mood <text>', 'a mood text (up to 300 characters)')).action(async (state: (typeof PRESENCES)[number], opts: Common & { mood?: string }) => {
    await daemon(opts, (c) => c.setPresence(state, opts.mood));
    out(opts, { presence: state, mood: opts.mood ?? null }, `presence: ${state}`);
  });

  const contacts = withProfile(program.command('contacts').description('list contacts and requests; add, accept, decline, remove, block'));
  contacts.action(async (opts: Common) => {
    const list = await daemon(opts, (c) => c.contacts());
    out(opts, list, list.map((c) => `${c.username.padEnd(20)} ${c.state}${c.greeting && c.state === 'pending' ? `  "${c.greeting}"` : ''}`).join('\n'));
  });
  // `contacts` has --profile and --json too, and takes them wherever they are on the line: its subcommands read both.
  const withParent = <T extends Common>(opts: T): T => ({ ...contacts.opts<Common>(), ...opts });
  withProfile(contacts.command('add').description('ask someone to be a contact').argument('<user>').option('--greeting <text>', 'a greeting with the request')).action(async (user: string, own: Common & { greeting?: string }) => {
    const opts = withParent(own);
    const c = await daemon(opts, (cl) => cl.addContact(user, opts.greeting ?? ''));
    out(opts, c, `${c.username}: ${c.state}`);
  });
  for (const answer of ['accept', 'decline', 'remove', 'block'] as const) {
    withProfile(contacts.command(answer).description(`${answer} a contact`).argument('<user>')).action(async (user: string, own: Common) => {
      const opts = withParent(own);
      const c = await daemon(opts, (cl) => cl.answerContact(user, answer));
      out(opts, c, `${c.username}: ${answer === 'remove' ? 'removed' : c.state}`);
    });
  }

  withProfile(program.command('msg').description('send a text message to a user (or to a group: its grp:… id)').argument('<to>', 'a username or a conversation id').argument('<text>')).action(async (to: string, text: string, opts: Common) => {
    if (text.length === 0) throw new CliError('the message is empty', EXIT_FAILURE);
    const m = await daemon(opts, (c) => (to.startsWith('grp:') || to.startsWith('dm:') ? c.sendTo(to, text) : c.send(to, text)));
    out(opts, m, `sent ${m.id}`);
  });
  withProfile(program.command('chat').description('chat with a user: recent history, then each line you type is sent and their messages appear as they come; /quit or end of input to leave').argument('<user>').option('--history <n>', 'messages of history to show first (default 20)', positive)).action(async (user: string, opts: Common & { history?: number }) => {
    const stdin = io.stdin;
    if (!stdin) throw new CliError('parley chat needs standard input', EXIT_FAILURE);
    await daemon(opts, async (c) => {
      const me = (await c.status()).accountKey;
      const past = await c.history(user, { limit: opts.history ?? 20 });
      for (const m of past) io.stdout.write(`${line(m)}\n`);
      const conversation = past[0]?.conversation ?? `dm:${[me, user.toLowerCase()].sort().join(',')}`;
      const shown = new Set(past.map((m) => m.id));
      const stream = c.events((e) => {
        if (e.type === 'message' && e.message.conversation === conversation && !e.message.outgoing && !shown.has(e.message.id)) {
          shown.add(e.message.id);
          io.stdout.write(`${line(e.message)}\n`);
        } else if (e.type === 'typing' && e.conversation === conversation) {
          io.stdout.write(`(${e.from} is typing)\n`);
        }
      });
      await stream.opened;
      let buffered = '';
      try {
        for await (const chunk of stdin) {
          buffered += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
          let nl: number;
          while ((nl = buffered.indexOf('\n')) >= 0) {
            const text = buffered.slice(0, nl).replace(/\r$/, '');
            buffered = buffered.slice(nl + 1);
            if (text === '/quit') return;
            if (text.trim().length === 0) continue;
            const m = await c.send(user, text);
            shown.add(m.id);
          }
        }
        if (buffered.trim().length > 0 && buffered.trim() !== '/quit') await c.send(user, buffered.trim());
      } finally {
        stream.close();
      }
    });
  });
  const group = program.command('group').description('group conversations');
  withProfile(group.command('create').description('start a group (you are a member); prints its id').argument('<title>').requiredOption('--members <names>', 'the other members, comma-separated')).action(async (title: string, opts: Common & { members: string }) => {
    const members = opts.members.split(',').map((x) => x.trim()).filter((x) => x.length > 0);
    const id = await daemon(opts, (c) => c.createGroup(title, members));
    out(opts, { id }, id);
  });
  withProfile(program.command('history').description('the conversation with a user, oldest first').argument('<user>').option('--limit <n>', 'the last n messages (default 50)', positive)).action(async (user: string, opts: Common & { limit?: number }) => {
    const ms = await daemon(opts, (c) => c.history(user, { limit: opts.limit ?? 50 }));
    out(opts, ms, ms.map(line).join('\n'));
  });
  withProfile(program.command('search').description('full-text search over messages, newest first').argument('<text>').option('--limit <n>', 'at most n hits (default 20)', positive)).action(async (text: string, opts: Common & { limit?: number }) => {
    const hits = await daemon(opts, (c) => c.search(text, opts.limit ?? 20));
    out(opts, hits, hits.map((h) => `${h.message.conversation}  ${h.message.sender}: ${h.snippet}`).join('\n'));
  });

  const api = program.command('api').description("programs' access to the daemon's API");
  for (const decision of ['approve', 'ban'] as const) {
    withProfile(api.command(decision).description(decision === 'approve' ? 'let a program that asked use the API' : "take a program's access away").argument('<name>')).action(async (name: string, opts: Common) => {
      await daemon(opts, (c) => c.decide(name, decision));
      out(opts, { name, decision }, `${name}: ${decision === 'approve' ? 'approved' : 'banned'}`);
    });
  }
  withProfile(api.command('apps').description('programs that asked for access')).action(async (opts: Common) => {
    const apps = await daemon(opts, (c) => c.apps());
    out(opts, apps, apps.map((a) => `${a.name.padEnd(32)} ${a.approved ? 'approved' : 'waiting for approval'}`).join('\n'));
  });
}
