/**
 * Every timer and limit of the session layer, with its wall-time meaning. Defaults follow
 * WireGuard's (Donenfeld, "WireGuard: Next Generation Kernel Network Tunnel", NDSS 2017, section
 * 6) where the roles match, and Linux's UDP conntrack timeout (30 s) for keepalives.
 */

/** Limits of one endpoint; tests shorten them. */
export interface SessionLimits {
  /** First handshake retransmission after this long without a response. */
  readonly handshakeRetryMs: number;
  /** Each retransmission waits this many times longer (exponential backoff). */
  readonly handshakeBackoff: number;
  /** Longest wait between retransmissions. */
  readonly handshakeRetryMaxMs: number;
  /** A handshake that has not completed after this long fails. */
  readonly handshakeTimeoutMs: number;
  /** Start a new handshake (rekey) after the keys are this old. */
  readonly rekeyAfterMs: number;
  /** ... or after this many packets sent with them. */
  readonly rekeyAfterMessages: number;
  /** Keys are never used, in either direction, after this age. */
  readonly rejectAfterMs: number;
  /** Send an empty packet after this long without sending, while the peer is alive. */
  readonly keepaliveMs: number;
  /** Close a session after this long without receiving anything. */
  readonly idleTimeoutMs: number;
  /** Initiations per second above which the responder requires a cookie (mac2). */
  readonly handshakesPerSecondUnderLoad: number;
  /** The cookie secret changes this often. */
  readonly cookieSecretMs: number;
  /** Most sessions an endpoint holds; initiations beyond it are dropped. */
  readonly sessionsMax: number;
  /** Most outputs (datagrams and events) waiting to be polled; beyond it the oldest are dropped and counted. */
  readonly outputQueueMax: number;
  /** Largest payload of one transport packet. */
  readonly payloadMaxBytes: number;
}

/** The defaults. */
export const DEFAULT_SESSION_LIMITS: SessionLimits = Object.freeze({
  handshakeRetryMs: 1_000,
  handshakeBackoff: 2,
  handshakeRetryMaxMs: 8_000,
  handshakeTimeoutMs: 30_000, // WireGuard gives up after 90 s of retries; 30 s is a long wait for a call
  rekeyAfterMs: 120_000, // WireGuard REKEY_AFTER_TIME
  rekeyAfterMessages: 2 ** 40, // far below the 2^53 counters of replay-window.ts; WireGuard: 2^60
  rejectAfterMs: 180_000, // WireGuard REJECT_AFTER_TIME
  keepaliveMs: 15_000, // half of Linux's 30 s UDP conntrack timeout
  idleTimeoutMs: 180_000,
  handshakesPerSecondUnderLoad: 200,
  cookieSecretMs: 120_000, // WireGuard rotates its cookie secret every 2 minutes
  sessionsMax: 100_000,
  outputQueueMax: 4_096,
  payloadMaxBytes: 65_000, // a transport packet (+28) fits one UDP datagram (65,507) and one TCP frame (65,535)
});
