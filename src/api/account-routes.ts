/**
 * The local API's account routes, for the web client: who the daemon is signed in as (`GET
 * /v1/status`, which answers signed out too), sign-up (`POST /v1/account/register`: the account is
 * made and this device signed in), sign-in (`POST /v1/account/login`) and sign-out (`POST
 * /v1/account/logout`: the device stops, the daemon stays). The password travels from the browser
 * to the daemon on loopback only; the daemon runs OPAQUE with the login server, which never sees it.
 */

import type { FastifyInstance, FastifyRequest } from 'fastify';

import { errorSchema, usernameSchema } from './schemas.js';

/** The daemon's account as the API sees it: signed in (the device's status) or signed out (and why, when its certificate could not be used). */
export type AccountStatus =
  | ({ readonly signedIn: true; readonly network: string } & Record<string, unknown>)
  | { readonly signedIn: false; readonly network: string; readonly state: string; readonly problem: string | null };

/** What the account routes need of the daemon (daemon-account.ts's DaemonAccount). */
export interface AccountApi {
  status(): AccountStatus;
  register(username: string, password: string): Promise<AccountStatus>;
  logIn(username: string, password: string): Promise<AccountStatus>;
  logOut(): Promise<AccountStatus>;
}

/** Shortest password a new account may have. */
export const PASSWORD_NEW_MIN = 8;
/** Longest password (the OPAQUE library stretches it; nothing longer is needed). */
export const PASSWORD_MAX = 1024;

export const statusSchema = {
  type: 'object',
  properties: {
    signedIn: { type: 'boolean' },
    network: { type: 'string' },
    state: { type: 'string' },
    problem: { type: ['string', 'null'] },
    username: { type: 'string' },
    accountKey: { type: 'string' },
    deviceId: { type: 'string' },
    attached: { type: 'array', items: { type: 'string' } },
    presence: { type: 'string' },
    mood: { type: ['string', 'null'] },
    direct: { type: ['object', 'null'], properties: { port: { type: ['integer', 'null'] }, candidates: { type: 'array', items: { type: 'string' } }, linked: { type: 'integer' }, relayed: { type: 'integer' }, sent: { type: 'integer' }, received: { type: 'integer' } } },
  },
} as const;

const credentials = (passwordMin: number) =>
  ({ type: 'object', required: ['username', 'password'], additionalProperties: false, properties: { username: usernameSchema, password: { type: 'string', minLength: passwordMin, maxLength: PASSWORD_MAX } } }) as const;
const answers = { 200: statusSchema, 400: errorSchema, 403: errorSchema, 409: errorSchema, 429: errorSchema, 503: errorSchema } as const;
/** Who may sign the device in or out: the user's own clients. */
export const ACCOUNT_CALLERS = ['web', 'cli'] as const;

/**
 * Registers the routes. `userOnly` refuses a caller that is not the user (the web client or the
 * CLI): an approved program may use the device, but not sign it in or out.
 */
export function registerAccountRoutes(app: FastifyInstance, account: AccountApi, userOnly: (request: FastifyRequest) => void): void {
  app.get('/v1/status', { schema: { summary: 'This device: signed in or not; when signed in, who it is, where it is attached, its presence', response: { 200: statusSchema } } }, () => account.status());
  app.post<{ Body: { username: string; password: string } }>(
    '/v1/account/register',
    { schema: { summary: `Create an account (a password of ${PASSWORD_NEW_MIN} characters or more) and sign this device in`, body: credentials(PASSWORD_NEW_MIN), response: answers } },
    (request) => {
      userOnly(request);
      return account.register(request.body.username, request.body.password);
    },
  );
  app.post<{ Body: { username: string; password: string } }>('/v1/account/login', { schema: { summary: 'Sign this device in', body: credentials(1), response: answers } }, (request) => {
    userOnly(request);
    return account.logIn(request.body.username, request.body.password);
  });
  app.post('/v1/account/logout', { schema: { summary: 'Sign this device out: it is published offline and its certificate removed; the daemon goes on, signed out', response: answers } }, (request) => {
    userOnly(request);
    return account.logOut();
  });
}
