/**
 * Who the daemon is signed in as: nobody (signed out: the API serves the web client and the
 * account routes only), or one account, whose device runs (signed-in-device.ts). Sign-up and
 * sign-in come from the web client through the API: the daemon registers the account and logs the
 * device in at the login server (OPAQUE: the password goes no further than this process), saves
 * the certificate and starts the device. Signing out stops the device (published offline) and
 * removes the certificate; the daemon stays, signed out. One account per profile: the store keeps
 * its messages, so another account is refused.
 */

import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';

import type { AccountApi, AccountStatus } from '../api/account-routes.js';
import type { CallApi } from '../api/call-routes.js';
import type { DeviceApi } from '../api/server.js';
import { CERTIFICATE_FILE } from '../login/profile.js';
import { checkUsername } from '../login/username.js';
import { signInAtLoginServer } from './sign-in.js';
import { DaemonError, startDevice, storeAccount, type DeviceStartOptions, type SignedInDevice } from './signed-in-device.js';

export type AccountState = 'signed-out' | 'signing-in' | 'signed-in' | 'signing-out';

/** A refused account action (the API answers 409, or 400 for a bad name). */
export class AccountError extends Error {
  override readonly name = 'AccountError';
  constructor(
    readonly code: 'SIGNED_OUT' | 'SIGNED_IN' | 'ACCOUNT_BUSY' | 'OTHER_ACCOUNT' | 'USERNAME_INVALID',
    message: string,
  ) {
    super(message);
  }
}

/** What the account needs: what its device is started with (the profile, the network, the event hub, and the device's options). */
export type DaemonAccountOptions = DeviceStartOptions;

/** The daemon's account: signed out, or one signed-in device. */
export class DaemonAccount implements AccountApi {
  private state: AccountState = 'signed-out';
  private device: SignedInDevice | null = null;
  /** Why the daemon is signed out although the profile had (or was given) a certificate. */
  private problem: string | null = null;
  /** A sign-in or sign-out under way (stop() waits for it). */
  private pending: Promise<unknown> | null = null;
  private stopping = false;

  constructor(private readonly o: DaemonAccountOptions) {}

  /** The signed-in device, or null. */
  get current(): SignedInDevice | null {
    return this.device;
  }

  /** At start: signs in with the profile's certificate if it has one; one that cannot be used leaves it signed out, saying why. */
  async resume(): Promise<void> {
    if (!existsSync(join(this.o.profileDir, CERTIFICATE_FILE))) return;
    try {
      this.device = await startDevice(this.o);
      this.state = 'signed-in';
    } catch (e) {
      if (!(e instanceof DaemonError)) throw e;
      this.problem = e.message;
      this.o.log.warn({ event: 'signed-out' }, e.message);
    }
  }

  status(): AccountStatus {
    const d = this.device;
    if (d && this.state === 'signed-in') return { signedIn: true, network: this.o.network.name, ...d.api.status() };
    return { signedIn: false, network: this.o.network.name, state: this.state, problem: this.problem };
  }

  register(username: string, password: string): Promise<AccountStatus> {
    return this.signIn(username, password, true);
  }

  logIn(username: string, password: string): Promise<AccountStatus> {
    return this.signIn(username, password, false);
  }

  private signIn(username: string, password: string, register: boolean): Promise<AccountStatus> {
    return this.track(this.signInNow(username, password, register));
  }

  /** Tracks `work` unless work is under way already (then `work` is a refusal, which stop() need not wait for). */
  private track<T>(work: Promise<T>): Promise<T> {
    if (this.pending) return work;
    this.pending = work;
    return work.finally(() => {
      if (this.pending === work) this.pending = null;
    });
  }

  private async signInNow(username: string, password: string, register: boolean): Promise<AccountStatus> {
    if (this.stopping) throw new AccountError('ACCOUNT_BUSY', 'the daemon is stopping');
    if (this.state !== 'signed-out') throw new AccountError(this.state === 'signed-in' ? 'SIGNED_IN' : 'ACCOUNT_BUSY', this.state === 'signed-in' ? `signed in as ${this.device?.username ?? '?'} already: sign out first` : 'signing in or out already: wait for it');
    const name = checkUsername(username);
    if (!name.ok) throw new AccountError('USERNAME_INVALID', `${JSON.stringify(username)} is not a username: ${name.reason}`);
    const owner = storeAccount(this.o.profileDir);
    if (owner !== null && owner !== name.key) throw new AccountError('OTHER_ACCOUNT', `this device's profile (${this.o.profileDir}) holds another account's messages: run another daemon with its own --profile for ${username}`);
    this.state = 'signing-in';
    try {
      await signInAtLoginServer(this.o.network, this.o.profileDir, username, password, register);
    } catch (e) {
      this.state = 'signed-out';
      throw e;
    }
    try {
      this.device = await startDevice(this.o);
    } catch (e) {
      // The certificate is not kept: a restart would sign in with a device that cannot start.
      rmSync(join(this.o.profileDir, CERTIFICATE_FILE), { force: true });
      this.state = 'signed-out';
      this.problem = e instanceof Error ? e.message : String(e);
      this.o.log.error({ event: 'device-failed', err: this.problem }, 'the device did not start after signing in');
      throw e instanceof DaemonError ? e : new DaemonError(`the device did not start: ${this.problem}`);
    }
    this.state = 'signed-in';
    this.problem = null;
    this.o.log.info({ event: register ? 'signed-up' : 'signed-in', username: this.device.username }, 'signed in');
    this.o.hub.emit({ type: 'account', signedIn: true, username: this.device.username });
    return this.status();
  }

  logOut(): Promise<AccountStatus> {
    return this.track(this.logOutNow());
  }

  private async logOutNow(): Promise<AccountStatus> {
    const d = this.device;
    if (this.state !== 'signed-in' || !d) throw new AccountError('SIGNED_OUT', 'not signed in');
    this.state = 'signing-out';
    this.device = null;
    try {
      await d.stop();
    } finally {
      rmSync(join(this.o.profileDir, CERTIFICATE_FILE), { force: true });
      this.state = 'signed-out';
    }
    this.o.log.info({ event: 'signed-out', username: d.username }, 'signed out');
    this.o.hub.emit({ type: 'account', signedIn: false, username: null });
    return this.status();
  }

  /** Stops the device, if one runs (the daemon is stopping), after a sign-in or sign-out under way. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.pending?.catch(() => {});
    const d = this.device;
    this.device = null;
    this.state = 'signed-out';
    await d?.stop();
  }

  /** The API's view of the device: the signed-in one's, or refusals (SIGNED_OUT) while signed out. */
  deviceApi(): DeviceApi {
    const d = (): DeviceApi => {
      if (!this.device || this.state !== 'signed-in') throw new AccountError('SIGNED_OUT', 'this device is signed out: sign in first (in the web client, or parley login)');
      return this.device.api;
    };
    const c = (): CallApi => {
      const calls = d().calls;
      if (!calls) throw new AccountError('SIGNED_OUT', 'this device has no calls');
      return calls;
    };
    const calls: CallApi = {
      dial: (u, a) => c().dial(u, a),
      conference: (u, a) => c().conference(u, a),
      addToCall: (id, u) => c().addToCall(id, u),
      answer: (id, a) => c().answer(id, a),
      decline: (id) => c().decline(id),
      hangup: (id) => c().hangup(id),
      hold: (id, on) => c().hold(id, on),
      mute: (id, m) => c().mute(id, m),
      get: (id) => c().get(id),
      live: () => c().live(),
      getConference: (id) => c().getConference(id),
      liveConferences: () => c().liveConferences(),
      attachAudio: (id, heard, close) => c().attachAudio(id, heard, close),
      history: (limit) => c().history(limit),
    };
    return {
      status: () => d().status(),
      setPresence: (p, m) => d().setPresence(p, m),
      contacts: () => d().contacts(),
      requestContact: (u, g) => d().requestContact(u, g),
      answerContact: (u, a) => d().answerContact(u, a),
      conversations: () => d().conversations(),
      history: (conversation, limit, before) => d().history(conversation, limit, before),
      sendText: (to, text) => d().sendText(to, text),
      createGroup: (title, members) => d().createGroup(title, members),
      sendToConversation: (conversation, text) => d().sendToConversation(conversation, text),
      changeMessage: (id, text) => d().changeMessage(id, text),
      typing: (conversation) => d().typing(conversation),
      markRead: (conversation) => d().markRead(conversation),
      search: (q, limit) => d().search(q, limit),
      subscribe: (listener) => this.o.hub.subscribe(listener),
      message: (id) => d().message(id),
      presenceOf: (u) => d().presenceOf(u),
      reach: (u, ms) => d().reach(u, ms),
      calls,
      ...(this.o.shutdown ? { shutdown: this.o.shutdown } : {}),
    };
  }
}
