/**
 * Who may use a daemon's local API (as Skype asked its user to Permit or Ban each program that
 * wanted its Desktop API): the CLI, with the token the daemon keeps in the profile, and programs
 * the user has approved. A program asks for access by name and gets a token at once that works
 * only after `parley api approve NAME`; the name cannot be asked for again (whoever asked first
 * holds the token), and `parley api ban NAME` takes it away. The web client the daemon serves has
 * a token of its own, made anew at each start of the daemon and handed over in the link `parley web`
 * prints (`#token=...`: a fragment, never sent to a server). Kept in the profile's `api-access.json` (0600), written atomically.
 */

import { randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The file in the profile. */
export const API_ACCESS_FILE = 'api-access.json';
/** Where the running daemon's API is, in the profile (written at start, removed at stop). */
export const API_FILE = 'api.json';
/** Programs remembered at most (asked, approved or not). */
export const API_APPS_MAX = 100;
const NAME = /^[a-z0-9][a-z0-9-]{0,31}$/;

/** A program that asked for access. */
export interface ApiApp {
  readonly name: string;
  readonly approved: boolean;
  readonly requestedAt: number;
}

/** Who a token belongs to. */
export type ApiCaller = { readonly kind: 'cli' } | { readonly kind: 'web' } | { readonly kind: 'app'; readonly name: string };

/** A refused access request. */
export class ApiAccessError extends Error {
  override readonly name = 'ApiAccessError';
  constructor(
    readonly code: 'APP_NAME_INVALID' | 'APP_EXISTS' | 'APP_UNKNOWN' | 'TOO_MANY_APPS',
    message: string,
  ) {
    super(message);
  }
}

interface AccessFile {
  version: 1;
  cliToken: string;
  /** The web client's token (files written before the web client have none: it is made on load). */
  webToken: string;
  apps: { name: string; token: string; approved: boolean; requestedAt: number }[];
}

const same = (a: string, b: string): boolean => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
const newToken = (): string => randomBytes(32).toString('base64url');

/** The access list of one profile. */
export class ApiAccess {
  private constructor(
    private readonly path: string,
    private data: AccessFile,
  ) {}

  /** Loads (creating, with a fresh CLI token) the profile's access list. */
  static load(profileDir: string): ApiAccess {
    const path = join(profileDir, API_ACCESS_FILE);
    if (existsSync(path)) {
      const raw = JSON.parse(readFileSync(path, 'utf8')) as Partial<AccessFile>;
      if (raw.version !== 1 || typeof raw.cliToken !== 'string' || !Array.isArray(raw.apps)) throw new Error(`${path} is not an API access file`);
      // A file from before the web client has no web token: one is made (and saved with the next change).
      return new ApiAccess(path, { version: 1, cliToken: raw.cliToken, webToken: typeof raw.webToken === 'string' ? raw.webToken : newToken(), apps: raw.apps.filter((a) => typeof a?.name === 'string' && typeof a.token === 'string') });
    }
    const a = new ApiAccess(path, { version: 1, cliToken: newToken(), webToken: newToken(), apps: [] });
    a.save();
    return a;
  }

  /** The CLI's token (read from the profile by the CLI and the SDK). */
  static cliToken(profileDir: string): string | null {
    return ApiAccess.token(profileDir, 'cliToken');
  }

  /** The web client's token (read from the profile by `parley web`), or null before the daemon first ran. */
  static webToken(profileDir: string): string | null {
    return ApiAccess.token(profileDir, 'webToken');
  }

  private static token(profileDir: string, which: 'cliToken' | 'webToken'): string | null {
    const path = join(profileDir, API_ACCESS_FILE);
    if (!existsSync(path)) return null;
    const raw = JSON.parse(readFileSync(path, 'utf8')) as Partial<AccessFile>;
    const token = raw[which];
    return typeof token === 'string' ? token : null;
  }

  /** This list's web client token. */
  get webToken(): string {
    return this.data.webToken;
  }

  /**
   * A new web client token, which the daemon makes at every start: a link, a tab or a browser's
   * storage from an earlier run (whose port another program may hold now) no longer works.
   */
  renewWebToken(): string {
    this.data.webToken = newToken();
    this.save();
    return this.data.webToken;
  }

  private save(): void {
    const tmp = `${this.path}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(this.data, null, 2)}\n`, { mode: 0o600 });
    renameSync(tmp, this.path);
  }

  /** Who `token` is, or why not: unknown, or a program not approved (yet). */
  check(token: string | null): { ok: true; caller: ApiCaller } | { ok: false; reason: string } {
    if (!token) return { ok: false, reason: 'no token: send Authorization: Bearer TOKEN' };
    if (same(token, this.data.cliToken)) return { ok: true, caller: { kind: 'cli' } };
    if (same(token, this.data.webToken)) return { ok: true, caller: { kind: 'web' } };
    const app = this.data.apps.find((a) => same(a.token, token));
    if (!app) return { ok: false, reason: 'unknown token' };
    if (!app.approved) return { ok: false, reason: `the program ${JSON.stringify(app.name)} is waiting for the user's approval (parley api approve ${app.name})` };
    return { ok: true, caller: { kind: 'app', name: app.name } };
  }

  /** A program asks for access: its token (not usable until approved). */
  request(name: string, now: number): string {
    if (!NAME.test(name)) throw new ApiAccessError('APP_NAME_INVALID', 'a program name is 1-32 lowercase letters, digits or dashes');
    if (this.data.apps.some((a) => a.name === name)) throw new ApiAccessError('APP_EXISTS', `${name} has asked already; the user can approve it, or ban it so that it may ask again`);
    if (this.data.apps.length >= API_APPS_MAX) throw new ApiAccessError('TOO_MANY_APPS', `at most ${API_APPS_MAX} programs; ban some first`);
    const token = newToken();
    this.data.apps.push({ name, token, approved: false, requestedAt: now });
    this.save();
    return token;
  }

  approve(name: string): void {
    const app = this.data.apps.find((a) => a.name === name);
    if (!app) throw new ApiAccessError('APP_UNKNOWN', `no program called ${JSON.stringify(name)} has asked for access`);
    app.approved = true;
    this.save();
  }

  /** Takes a program's access away (it may ask again). */
  ban(name: string): void {
    const before = this.data.apps.length;
    this.data.apps = this.data.apps.filter((a) => a.name !== name);
    if (this.data.apps.length === before) throw new ApiAccessError('APP_UNKNOWN', `no program called ${JSON.stringify(name)} has asked for access`);
    this.save();
  }

  apps(): ApiApp[] {
    return this.data.apps.map((a) => ({ name: a.name, approved: a.approved, requestedAt: a.requestedAt }));
  }
}
