/**
 * Keeps a device's certificate fresh while its daemon runs: at half its validity the daemon asks
 * the login server for a new one, proving the device with its signing key (no password; see
 * docs/login.md), saves it in the profile and hands it to the running device. A failure is tried
 * again every RENEW_RETRY_MS until the certificate ends; then the user must log in again.
 */

import type { SigningKey } from '../crypto/ed25519.js';
import { verifyCertificate } from '../login/certificate.js';
import type { NetworkFile } from '../login/network-file.js';
import { saveCertificate } from '../login/profile.js';
import { withLoginServer } from './sign-in.js';

/** A failed renewal is tried again after this long. */
export const RENEW_RETRY_MS = 5 * 60_000;
/** Never sooner than this after a renewal (a certificate of very short validity). */
const RENEW_MIN_WAIT_MS = 1_000;

/** How a renewer starts. */
export interface RenewerOptions {
  readonly network: NetworkFile;
  readonly profileDir: string;
  readonly signingKey: SigningKey;
  readonly certificate: Uint8Array;
  /** A new certificate, saved in the profile already. */
  readonly onRenewed: (certificate: Uint8Array) => void;
  readonly onError?: (e: unknown) => void;
}

/** Renews a certificate at half its life, until stopped. */
export class CertificateRenewer {
  private timer: NodeJS.Timeout | null = null;
  private certificate: Uint8Array;
  private stopped = false;

  constructor(private readonly o: RenewerOptions) {
    this.certificate = o.certificate;
    this.schedule();
  }

  private validity(): { notBefore: number; notAfter: number } | null {
    const c = verifyCertificate(this.certificate, new Uint8Array(Buffer.from(this.o.network.ca.publicKey, 'hex')), this.o.network.name, Date.now());
    return c.ok ? { notBefore: c.body.notBefore, notAfter: c.body.notAfter } : null;
  }

  private schedule(retry = false): void {
    if (this.stopped) return;
    const v = this.validity();
    if (!v) return; // Expired: only a login helps now.
    const half = v.notBefore + (v.notAfter - v.notBefore) / 2;
    const at = retry ? Math.min(Date.now() + RENEW_RETRY_MS, v.notAfter - RENEW_MIN_WAIT_MS) : half;
    this.timer = setTimeout(() => void this.renewNow(), Math.max(RENEW_MIN_WAIT_MS, at - Date.now()));
    this.timer.unref();
  }

  /** Renews now; the new certificate. */
  async renewNow(): Promise<Uint8Array | null> {
    if (this.stopped) return null;
    try {
      const fresh = await withLoginServer(this.o.network, (client) => client.renew(this.certificate, this.o.signingKey, Date.now()));
      // Stopped meanwhile (signed out: the certificate was removed): not brought back.
      if (this.stopped) return null;
      saveCertificate(this.o.profileDir, fresh);
      this.certificate = fresh;
      this.o.onRenewed(fresh);
      this.schedule();
      return fresh;
    } catch (e) {
      this.o.onError?.(e);
      this.schedule(true);
      return null;
    }
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }
}
