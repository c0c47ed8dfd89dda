/**
 * The supernode's Prometheus metrics (prom-client), read from the components' own counters when
 * scraped: sessions, lookups and their latency, records and slots held, membership size, drops
 * by reason, STUN answers, watched accounts.
 */

import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** What the metrics read at each scrape. */
export interface SupernodeReadings {
  sessions(): { udp: number; tcp: number };
  membership(): { alive: number; entries: number };
  directory(): { records: number; slots: number; lookups: number; found: number; failed: number; hedged: number; watched: number };
  offline(): { messages: number; bytes: number };
  /** Dropped packets and messages by reason, counted since start. */
  drops(): Record<string, number>;
  stunAnswered(): number;
  takeLookupDurationsMs(): number[];
}

/** Lookup latency buckets, seconds (one hop between supernodes is a few ms in a data centre, a few hundred across continents). */
const LOOKUP_BUCKETS_S = [0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.4, 0.8, 1.6, 3.2];

/** A registry whose gauges and counters follow `r`. */
export function supernodeMetrics(r: SupernodeReadings): Registry {
  const registry = new Registry();
  const lookupSeconds = new Histogram({ name: 'parley_lookup_duration_seconds', help: 'Directory lookups from request to answer, at the supernode the client asked', buckets: LOOKUP_BUCKETS_S, registers: [registry] });
  new Gauge({ name: 'parley_sessions', help: 'Secure sessions held, by transport', labelNames: ['transport'], registers: [registry], collect() {
    const s = r.sessions();
    this.set({ transport: 'udp' }, s.udp);
    this.set({ transport: 'tcp' }, s.tcp);
  } });
  new Gauge({ name: 'parley_membership_size', help: 'Supernodes alive in this supernode\'s membership table', registers: [registry], collect() {
    this.set(r.membership().alive);
  } });
  new Gauge({ name: 'parley_membership_entries', help: 'Entries in the membership table, tombstones included', registers: [registry], collect() {
    this.set(r.membership().entries);
  } });
  new Gauge({ name: 'parley_records_held', help: 'Directory records held (all devices of all accounts in the slots held)', registers: [registry], collect() {
    this.set(r.directory().records);
  } });
  new Gauge({ name: 'parley_slots_held', help: 'Directory slots this supernode holds a copy of', registers: [registry], collect() {
    this.set(r.directory().slots);
  } });
  new Gauge({ name: 'parley_watched_accounts', help: "Accounts this supernode's clients watch (presence subscriptions held at the replicas for them)", registers: [registry], collect() {
    this.set(r.directory().watched);
  } });
  new Gauge({ name: 'parley_offline_messages', help: 'Offline messages stored', registers: [registry], collect() {
    this.set(r.offline().messages);
  } });
  new Gauge({ name: 'parley_offline_bytes', help: 'Bytes of offline messages stored', registers: [registry], collect() {
    this.set(r.offline().bytes);
  } });
  const lookups = new Counter({ name: 'parley_lookups_total', help: 'Directory lookups asked of this supernode by its clients, by outcome', labelNames: ['outcome'], registers: [registry] });
  const hedged = new Counter({ name: 'parley_lookups_hedged_total', help: 'Lookup requests sent to a further replica because the first was slow or gone', registers: [registry] });
  const drops = new Counter({ name: 'parley_dropped_total', help: 'Packets and messages dropped, by reason', labelNames: ['reason'], registers: [registry] });
  const stun = new Counter({ name: 'parley_stun_answered_total', help: 'STUN binding requests answered', registers: [registry] });
  // The counters mirror the components' own totals (which only grow), refreshed at each scrape.
  const refresh = (): void => {
    const d = r.directory();
    lookups.reset();
    lookups.inc({ outcome: 'found' }, d.found);
    lookups.inc({ outcome: 'failed' }, d.failed);
    lookups.inc({ outcome: 'empty' }, Math.max(0, d.lookups - d.found - d.failed));
    hedged.reset();
    hedged.inc(d.hedged);
    drops.reset();
    for (const [reason, n] of Object.entries(r.drops())) drops.inc({ reason }, n);
    stun.reset();
    stun.inc(r.stunAnswered());
    for (const ms of r.takeLookupDurationsMs()) lookupSeconds.observe(ms / 1000);
  };
  const metrics = registry.metrics.bind(registry);
  registry.metrics = async () => {
    refresh();
    return metrics();
  };
  return registry;
}
