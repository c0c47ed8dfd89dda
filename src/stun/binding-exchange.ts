/**
 * One binding transaction over any datagram path (a driver's shared socket, a plain socket): the
 * request sent, resent after STUN_BINDING_RTO_MS, doubling, STUN_BINDING_TRIES times, and the
 * reflexive address of the first matching success response, or null when none comes. The
 * caller hands every STUN datagram it receives to `offer` until the promise settles.
 */

import { bindingRequest, readBindingResponse, STUN_BINDING_RTO_MS, STUN_BINDING_TRIES } from './binding-client.js';
import type { StunAddress } from './attributes.js';

/** A transaction under way: `offer` it the datagrams that arrive; `result` settles once. */
export interface BindingExchange {
  offer(datagram: Uint8Array): void;
  readonly result: Promise<StunAddress | null>;
}

/** Starts a transaction that sends with `send`. */
export function exchangeBinding(send: (bytes: Uint8Array) => void, random: (n: number) => Uint8Array, tries = STUN_BINDING_TRIES): BindingExchange {
  const request = bindingRequest(random);
  let timer: NodeJS.Timeout | null = null;
  let settle: (a: StunAddress | null) => void = () => {};
  let done = false;
  const result = new Promise<StunAddress | null>((resolve) => {
    settle = (a) => {
      if (done) return;
      done = true;
      if (timer) clearTimeout(timer);
      resolve(a);
    };
  });
  let sent = 0;
  const attempt = (): void => {
    if (done) return;
    if (sent >= tries) return settle(null);
    send(request.bytes);
    timer = setTimeout(attempt, STUN_BINDING_RTO_MS * 2 ** sent++);
    timer.unref();
  };
  attempt();
  return {
    offer: (datagram) => {
      const a = readBindingResponse(datagram, request);
      if (a) settle(a);
    },
    result,
  };
}
