/**
 * The local API's calls (issue #8): dial, answer, decline, hang up, hold, mute, a call's live state
 * and quality, the calls in progress and the history; conferences (`to` a list of users, or
 * `POST /v1/calls/{id}/add`), whose id the call actions also take. Audio files are paths on the
 * daemon's machine (the CLI makes them absolute); call events also go out on `/v1/events` as
 * `{ "type": "call", "call": {...} }`, and a hosted conference's as `{ "type": "conference", ... }`.
 * A call's live audio (a microphone and speakers elsewhere: the web client) is the WebSocket
 * `/v1/calls/{id}/audio`: binary messages of one 20 ms frame each, 960 samples of 48 kHz 16-bit
 * little-endian PCM, both ways (live-audio.ts).
 */

import type { FastifyInstance } from 'fastify';

import type { CallAudio, CallSummary, ConferenceSummary } from '../call/call-manager.js';
import { frameBytes, LIVE_FRAME_BYTES, type LiveAudio } from '../call/live-audio.js';
import type { Frame } from '../call/opus-codec.js';
import { CALL_DURATION_MAX_MS, CONFERENCE_MAX } from '../call/call-manager.js';
import type { CallRecord } from '../client/store.js';
import { errorSchema, usernameSchema } from './schemas.js';

/** The calls as the API sees them (call-manager.ts's CallManager). */
export interface CallApi {
  dial(username: string, audio: CallAudio): Promise<CallSummary>;
  conference(usernames: readonly string[], audio: CallAudio): Promise<ConferenceSummary>;
  addToCall(id: string | undefined, username: string): Promise<ConferenceSummary>;
  answer(id: string | undefined, audio: CallAudio): CallSummary;
  decline(id?: string): CallSummary;
  hangup(id?: string): CallSummary | ConferenceSummary;
  hold(id: string | undefined, on: boolean): CallSummary | ConferenceSummary;
  mute(id: string | undefined, muted: boolean): CallSummary | ConferenceSummary;
  get(id: string): CallSummary;
  live(): CallSummary[];
  getConference(id: string): ConferenceSummary;
  liveConferences(): ConferenceSummary[];
  attachAudio(id: string, onHeard: (frame: Frame) => void, onClose: (reason: string) => void): LiveAudio;
  history(limit: number): CallRecord[];
}

const path = { type: 'string', minLength: 1, maxLength: 4096 } as const;
const audioProperties = { audioIn: path, audioOut: path, durationMs: { type: 'integer', minimum: 1, maximum: CALL_DURATION_MAX_MS } } as const;
const callId = { type: 'object', required: ['id'], properties: { id: { type: 'string', pattern: '^[0-9a-f]{32}$' } } } as const;
/** A call's (or a conference's) JSON is open-ended (quality has many fields): described, not restricted. */
const callSchema = { type: 'object', additionalProperties: true, properties: { id: { type: 'string' }, direction: { type: 'string' }, peer: { type: 'string' }, state: { type: 'string' }, reason: { type: ['string', 'null'] } } } as const;
const responses = { 200: callSchema, 400: errorSchema, 404: errorSchema, 409: errorSchema } as const;

/** A call given by id, or the only one that fits (`current`). */
type Target = { Params: { id: string } };

export function registerCallRoutes(app: FastifyInstance, calls: CallApi): void {
  app.post<{ Body: { to: string | string[] } & CallAudio }>(
    '/v1/calls',
    {
      schema: {
        summary: 'Call a user (every device of theirs that can be reached rings), or start a conference hosted here with a list of users',
        body: { type: 'object', required: ['to'], additionalProperties: false, properties: { to: { anyOf: [usernameSchema, { type: 'array', minItems: 1, maxItems: CONFERENCE_MAX - 1, items: usernameSchema }] }, ...audioProperties } },
        response: { 201: callSchema, 400: errorSchema, 404: errorSchema, 409: errorSchema },
      },
    },
    async (request, reply) => {
      const { to, ...audio } = request.body;
      return reply.code(201).send(Array.isArray(to) ? await calls.conference(to, audio) : await calls.dial(to, audio));
    },
  );
  app.get('/v1/conferences', { schema: { summary: 'Conferences hosted here in progress', response: { 200: { type: 'array', items: callSchema } } } }, () => calls.liveConferences());
  app.get<Target>('/v1/conferences/:id', { schema: { summary: 'A conference hosted here: roster and each call (kept a while after it ends)', params: callId, response: responses } }, (request) => calls.getConference(request.params.id));
  app.get('/v1/calls', { schema: { summary: 'Calls in progress (ringing, live, held)', response: { 200: { type: 'array', items: callSchema } } } }, () => calls.live());
  app.get<{ Querystring: { limit?: number } }>(
    '/v1/calls/history',
    { schema: { summary: 'Calls made and received, newest first, with duration and quality', querystring: { type: 'object', additionalProperties: false, properties: { limit: { type: 'integer', minimum: 1, maximum: 1000 }, token: { type: 'string' } } }, response: { 200: { type: 'array', items: { type: 'object', additionalProperties: true } } } } },
    (request) => calls.history(request.query.limit ?? 100),
  );
  app.get<Target>('/v1/calls/:id', { schema: { summary: "A call's state and live quality (kept a while after it ends)", params: callId, response: responses } }, (request) => calls.get(request.params.id));

  // Actions on a call by id, or on "the" call (`current`) when there is only one it fits.
  const target = (id: string): string | undefined => (id === 'current' ? undefined : id);
  const actionParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', pattern: '^([0-9a-f]{32}|current)$' } } } as const;
  app.post<Target & { Body: CallAudio | null }>(
    '/v1/calls/:id/answer',
    { schema: { summary: 'Answer a ringing call', params: actionParams, body: { type: ['object', 'null'], additionalProperties: false, properties: audioProperties }, response: responses } },
    (request) => calls.answer(target(request.params.id), request.body ?? {}),
  );
  app.post<Target & { Body: { username: string } }>(
    '/v1/calls/:id/add',
    { schema: { summary: 'Add a user to a call (which becomes a conference hosted here) or to a conference hosted here', params: actionParams, body: { type: 'object', required: ['username'], additionalProperties: false, properties: { username: usernameSchema } }, response: responses } },
    (request) => calls.addToCall(target(request.params.id), request.body.username),
  );
  app.post<Target>('/v1/calls/:id/decline', { schema: { summary: 'Decline a ringing call', params: actionParams, response: responses } }, (request) => calls.decline(target(request.params.id)));
  app.post<Target>('/v1/calls/:id/hangup', { schema: { summary: 'Hang up (or cancel a call still ringing)', params: actionParams, response: responses } }, (request) => calls.hangup(target(request.params.id)));
  app.post<Target & { Body: { on: boolean } }>(
    '/v1/calls/:id/hold',
    { schema: { summary: 'Hold or resume', params: actionParams, body: { type: 'object', required: ['on'], additionalProperties: false, properties: { on: { type: 'boolean' } } }, response: responses } },
    (request) => calls.hold(target(request.params.id), request.body.on),
  );
  app.post<Target & { Body: { muted: boolean } }>(
    '/v1/calls/:id/mute',
    { schema: { summary: 'Mute or unmute the microphone', params: actionParams, body: { type: 'object', required: ['muted'], additionalProperties: false, properties: { muted: { type: 'boolean' } } }, response: responses } },
    (request) => calls.mute(target(request.params.id), request.body.muted),
  );

  // Live audio: frames both ways; a message that is not one frame closes the socket with 1007 and the reason.
  app.get<Target>('/v1/calls/:id/audio', { websocket: true, schema: { summary: "WebSocket: a call's live audio, both ways, one binary message per 20 ms frame (960 samples of 48 kHz 16-bit little-endian PCM); by a conference's id, its host's", params: callId } }, (socket, request) => {
    let live: LiveAudio;
    try {
      live = calls.attachAudio(
        request.params.id,
        (frame) => {
          if (socket.readyState === socket.OPEN) socket.send(frameBytes(frame));
        },
        (reason) => socket.close(1000, reason),
      );
    } catch (e) {
      socket.close(1008, e instanceof Error ? e.message.slice(0, 120) : 'refused');
      return;
    }
    socket.on('message', (data: Buffer, binary: boolean) => {
      if (!binary || !live.push(data)) socket.close(1007, `one message is one frame: ${LIVE_FRAME_BYTES} bytes of 16-bit PCM`);
    });
    socket.on('close', () => live.close('the client left'));
  });
}
