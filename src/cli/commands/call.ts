/**
 * Calls from the command line (issue #8), through the daemon's API: `call USER... [--audio-in FILE]
 * [--audio-out FILE] [--duration S] [--json]` (waits until the call ends, then prints its quality
 * report; Ctrl-C hangs up; several users start a conference hosted here), `add-to-call USER
 * [CALL]` (the call becomes a conference hosted here), `answer [CALL] [--audio-in FILE] [--audio-out FILE] [--duration S]`,
 * `decline [CALL]`, `hangup [CALL]`, `hold [CALL]`, `resume [CALL]`, `mute [CALL]`, `unmute
 * [CALL]`, and `calls` (the history, with duration and quality). CALL is a call's id; without it,
 * the only call the command fits. WAV paths are made absolute here (the daemon reads and writes
 * them).
 */

import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';

import { CONFERENCE_MAX } from '../../call/call-manager.js';
import type { CallAudioJson, CallJson, ConferenceJson, EventJson, ParleyClient } from '../../sdk/index.js';
import { CliError } from '../errors.js';
import { EXIT_FAILURE, EXIT_USAGE } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { daemon, positive, printer, withProfile, type Common } from './chat.js';

/** Longest --duration (s). */
const DURATION_MAX_S = 24 * 3600;
/** A call whose end event was missed is looked up this often (ms). */
const CALL_POLL_MS = 1_000;

const seconds = (v: string): number => {
  const n = Number(v);
  if (!/^\d+(\.\d+)?$/.test(v) || n <= 0 || n > DURATION_MAX_S) throw new InvalidArgumentError(`seconds, more than 0 and at most ${DURATION_MAX_S}`);
  return n;
};

interface AudioOpts {
  audioIn?: string;
  audioOut?: string;
  duration?: number;
}

/** The audio options as the API takes them: absolute paths, checked here for a clear message. */
function audioOf(opts: AudioOpts, command: string): CallAudioJson {
  const audioIn = opts.audioIn !== undefined ? resolve(opts.audioIn) : undefined;
  const audioOut = opts.audioOut !== undefined ? resolve(opts.audioOut) : undefined;
  if (audioIn !== undefined && !existsSync(audioIn)) throw new CliError(`--audio-in ${opts.audioIn}: no such file`, EXIT_USAGE, command);
  if (audioOut !== undefined && !existsSync(dirname(audioOut))) throw new CliError(`--audio-out ${opts.audioOut}: no such directory`, EXIT_USAGE, command);
  return { ...(audioIn !== undefined ? { audioIn } : {}), ...(audioOut !== undefined ? { audioOut } : {}), ...(opts.duration !== undefined ? { durationMs: Math.round(opts.duration * 1000) } : {}) };
}

const withAudio = (c: Command): Command =>
  c
    .option('--audio-in <file.wav>', 'send this WAV file (any rate; silence without)')
    .option('--audio-out <file.wav>', 'write what is heard to this WAV file (48 kHz mono) when the call ends')
    .option('--duration <seconds>', 'hang up this long after the call is answered', seconds);

/** One line about a call (or, for a conference's id, its roster and each call). */
function describe(c: CallJson | ConferenceJson): string {
  if ('calls' in c) return `conference ${c.endedAt === null ? 'with' : 'was'} ${c.roster.join(', ')}${c.muted ? ' (muted)' : ''}\n${c.calls.map((call) => `  ${describe(call)}`).join('\n')}`;
  const q = c.quality;
  const live = q ? `  MOS ${q.mos} (R ${q.rating}), loss ${q.lossPercent}%, jitter ${q.jitterMs} ms, rtt ${q.rttMs ?? '?'} ms, ${c.path ?? 'no path'}` : '';
  const conf = c.conference ? `  [conference of ${c.conference.host}: ${c.conference.roster.join(', ')}]` : '';
  return `${c.direction === 'outgoing' ? 'to' : 'from'} ${c.peer}: ${c.state}${c.reason ? ` (${c.reason}${c.detail ? `: ${c.detail}` : ''})` : ''}${live}${conf}`;
}

/** The report printed when a call ends. */
function report(c: CallJson): string {
  const lines = [describe(c)];
  if (c.answeredAt !== null && c.endedAt !== null) lines.push(`  lasted ${((c.endedAt - c.answeredAt) / 1000).toFixed(1)} s; ringing after ${c.ringingAt !== null ? c.ringingAt - c.startedAt : '?'} ms; first audio ${c.firstAudioAt !== null ? c.firstAudioAt - c.answeredAt : '?'} ms after the answer`);
  const q = c.quality;
  if (q) {
    lines.push(`  sent ${q.packetsSent} packets (${q.bitrateKbps} kbit/s of audio), received ${q.packetsReceived}; ${q.fecRecovered} frames rebuilt from the next packet, ${q.concealed} concealed, ${q.late} late`);
    lines.push(`  mouth to ear about ${q.mouthToEarMs} ms (jitter buffer ${q.bufferMs} ms)${q.remote ? `; the other side heard: loss ${q.remote.lossPercent}%, MOS ${q.remote.mos}` : ''}`);
  }
  if (c.audio?.recording) lines.push(`  what was heard: ${c.audio.recording}`);
  return lines.join('\n');
}

/** The report printed when a conference ends: its roster, then each call's report. */
function conferenceReport(c: ConferenceJson): string {
  const lasted = c.answeredAt !== null && c.endedAt !== null ? `; lasted ${((c.endedAt - c.answeredAt) / 1000).toFixed(1)} s` : '';
  return [`conference hosted here${lasted}`, ...c.calls.map((call) => report(call).replace(/^/gm, '  ')), ...(c.audio?.recording ? [`  what was heard: ${c.audio.recording}`] : [])].join('\n');
}

/** What placeAndFollow follows: a call, or a conference hosted here. */
interface Followed<T> {
  readonly of: (e: EventJson) => T | null;
  readonly over: (t: T) => boolean;
  readonly get: (c: ParleyClient, id: string) => Promise<T>;
}
const CALL: Followed<CallJson> = { of: (e) => (e.type === 'call' ? e.call : null), over: (c) => c.state === 'ended', get: (c, id) => c.call(id) };
const CONFERENCE: Followed<ConferenceJson> = { of: (e) => (e.type === 'conference' ? e.conference : null), over: (c) => c.endedAt !== null, get: (c, id) => c.getConference(id) };

/**
 * Places a call (or starts a conference) and follows it until it ends: the event stream opens
 * first (so no change is missed), and it is looked at now and then in case the stream drops.
 */
async function placeAndFollow<T extends { id: string }>(c: ParleyClient, what: Followed<T>, place: () => Promise<T>, onChange: (t: T) => void, io: CliIo): Promise<T> {
  let id: string | null = null;
  const early: T[] = [];
  let done: (t: T) => void = () => {};
  const ended = new Promise<T>((r) => (done = r));
  const seen = (t: T): void => {
    onChange(t);
    if (what.over(t)) done(t);
  };
  const stream = c.events((e) => {
    const t = what.of(e);
    if (t === null) return;
    if (id === null) early.push(t);
    else if (t.id === id) seen(t);
  });
  await stream.opened.catch(() => {});
  const hangup = (): void => {
    io.stderr.write('hanging up\n');
    if (id !== null) void c.hangup(id).catch(() => {});
  };
  process.once('SIGINT', hangup);
  const poll = setInterval(() => {
    if (id !== null) void what.get(c, id).then((t) => what.over(t) && done(t), () => {});
  }, CALL_POLL_MS);
  try {
    const placed = await place();
    id = placed.id;
    seen(placed);
    for (const t of early.splice(0)) if (t.id === placed.id) seen(t);
    return await ended;
  } finally {
    clearInterval(poll);
    process.removeListener('SIGINT', hangup);
    stream.close();
  }
}

/** Adds the call commands. */
export function addCallCommands(program: Command, io: CliIo): void {
  const out = printer(io);
  const callCmd = withAudio(
    withProfile(
      program
        .command('call')
        .description(`call a user (every device of theirs rings), or start a conference hosted here with several (up to ${CONFERENCE_MAX - 1}), and stay until it ends; then print its quality report (Ctrl-C hangs up)`)
        .argument('<users...>', 'one username, or several for a conference'),
    ),
  );
  callCmd.action(async (users: string[], opts: Common & AudioOpts) => {
    const audio = audioOf(opts, 'parley call');
    if (users.length > 1) {
      const final = await daemon(opts, (c) => placeAndFollow(c, CONFERENCE, () => c.conference(users, audio), (conf) => opts.json !== true && conf.endedAt === null && io.stderr.write(`${describe(conf)}\n`), io));
      out(opts, final, conferenceReport(final));
      if (final.answeredAt === null) process.exitCode = EXIT_FAILURE;
      return;
    }
    const user = users[0] as string;
    let last: string | null = null;
    const final = await daemon(opts, (c) =>
      placeAndFollow(
        c,
        CALL,
        () => c.dial(user, audio),
        (call) => {
          if (opts.json !== true && call.state !== last && call.state !== 'ended') io.stderr.write(`${describe(call)}\n`);
          last = call.state;
        },
        io,
      ),
    );
    out(opts, final, report(final));
    if (final.answeredAt === null || final.reason === 'failed') process.exitCode = EXIT_FAILURE;
  });
  withAudio(withProfile(program.command('answer').description('answer a ringing call').argument('[call]', "the call's id (default: the only one ringing)"))).action(async (id: string | undefined, opts: Common & AudioOpts) => {
    const audio = audioOf(opts, 'parley answer');
    const call = await daemon(opts, (c) => c.answer(id, audio));
    out(opts, call, describe(call));
  });
  withProfile(program.command('add-to-call').description('add a user to a call, which becomes a conference hosted here (or to a conference hosted here)').argument('<user>', 'a username').argument('[call]', "the call's or conference's id (default: the only call in progress)")).action(async (user: string, id: string | undefined, opts: Common) => {
    const conf = await daemon(opts, (c) => c.addToCall(id, user));
    out(opts, conf, describe(conf));
  });
  const simple = [
    ['decline', 'decline a ringing call', (c: ParleyClient, id?: string) => c.decline(id)],
    ['hangup', 'hang up (or cancel a call still ringing)', (c: ParleyClient, id?: string) => c.hangup(id)],
    ['hold', 'put a call on hold', (c: ParleyClient, id?: string) => c.hold(id, true)],
    ['resume', 'take a call off hold', (c: ParleyClient, id?: string) => c.hold(id, false)],
    ['mute', 'mute the microphone in a call', (c: ParleyClient, id?: string) => c.mute(id, true)],
    ['unmute', 'unmute the microphone in a call', (c: ParleyClient, id?: string) => c.mute(id, false)],
  ] as const;
  for (const [name, description, act] of simple) {
    withProfile(program.command(name).description(description).argument('[call]', "the call's id (default: the only one it fits)")).action(async (id: string | undefined, opts: Common) => {
      const call = await daemon(opts, (c) => act(c, id));
      out(opts, call, describe(call));
    });
  }
  withProfile(program.command('calls').description('calls made and received, newest first, with duration and quality').option('--limit <n>', 'how many (default 20)', positive)).action(async (opts: Common & { limit?: number }) => {
    const list = await daemon(opts, (c) => c.callHistory(opts.limit ?? 20));
    const text = list.map((r) => {
      const q = r.quality as { mos?: number } | null;
      const lasted = r.answeredAt !== null ? `${((r.endedAt - r.answeredAt) / 1000).toFixed(0)} s` : '-';
      return `${new Date(r.startedAt).toISOString().replace('T', ' ').slice(0, 19)}  ${r.outgoing ? 'to  ' : 'from'} ${r.peer.padEnd(16)} ${lasted.padStart(6)}  ${r.reason}${q?.mos !== undefined ? `  MOS ${q.mos}` : ''}`;
    });
    out(opts, list, list.length === 0 ? 'no calls yet' : text.join('\n'));
  });
}
