/**
 * Token buckets by key (a client, a peer): `rate` tokens a second up to `burst`; a key's bucket
 * starts full. At most `keysMax` buckets are kept, the least recently used forgotten first, so
 * memory stays bounded whoever asks. The clock comes in as `now` (milliseconds).
 */

/** How the buckets fill. */
export interface TokenBucketLimits {
  /** Tokens added per second, sustained. */
  readonly perSecond: number;
  /** The most a bucket holds (a burst). */
  readonly burst: number;
  /** Buckets remembered at most. */
  readonly keysMax: number;
}

/** A bounded map of token buckets. */
export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(private readonly limits: TokenBucketLimits) {}

  /** Takes `cost` tokens (one by default: a request; bytes for a byte rate) from `key`'s bucket if it has them. */
  take(key: string, now: number, cost = 1): boolean {
    const b = this.buckets.get(key) ?? { tokens: this.limits.burst, at: now };
    b.tokens = Math.min(this.limits.burst, b.tokens + ((now - b.at) * this.limits.perSecond) / 1000);
    b.at = now;
    this.buckets.delete(key);
    if (this.buckets.size >= this.limits.keysMax) this.buckets.delete(this.buckets.keys().next().value as string);
    this.buckets.set(key, b);
    if (b.tokens < cost) return false;
    b.tokens -= cost;
    return true;
  }

  /** Forgets a key (its next request starts with a full bucket). */
  forget(key: string): void {
    this.buckets.delete(key);
  }
}
