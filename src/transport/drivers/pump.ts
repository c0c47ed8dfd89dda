/**
 * What every driver does after feeding its endpoint: hand out the endpoint's outputs and re-arm one
 * timer for its next deadline. Drivers own clocks and timers; the endpoint never sees them.
 */

import type { Output, SessionEndpoint } from '../endpoint.js';

/** Drains an endpoint's outputs into `deliver` and keeps its timer armed. */
export class EndpointPump {
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(
    private readonly endpoint: SessionEndpoint,
    private readonly clock: () => number,
    private readonly deliver: (output: Output) => void,
  ) {}

  /** Delivers every pending output, then arms the timer for the next deadline. */
  pump(): void {
    for (let o = this.endpoint.poll(); o; o = this.endpoint.poll()) this.deliver(o);
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const due = this.endpoint.nextDeadline();
    if (due === null || this.stopped) return;
    this.timer = setTimeout(() => {
      this.endpoint.handleTimeout(this.clock());
      this.pump();
    }, Math.max(0, due - this.clock()));
    this.timer.unref();
  }

  /** Stops the timer for good. */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
