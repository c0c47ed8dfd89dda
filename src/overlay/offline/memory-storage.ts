/** Offline messages in memory (the simulator's storage; the supernode uses SQLite). */

import type { AppendOutcome, OfflineQuotas, OfflineStorage, StoredMessage } from './storage.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** Offline messages in maps. */
export class MemoryOfflineStorage implements OfflineStorage {
  private readonly messages = new Map<string, StoredMessage>();
  private readonly acks = new Map<string, Set<string>>();

  append(m: StoredMessage, q: OfflineQuotas): AppendOutcome {
    const id = hex(m.id);
    if (this.messages.has(id)) return 'duplicate';
    if (this.messages.size >= q.messagesTotal) return 'QUOTA_TOTAL';
    let count = 0;
    let bytes = 0;
    let fromSender = 0;
    for (const x of this.messages.values()) {
      if (x.recipient !== m.recipient) continue;
      count++;
      bytes += x.blob.length;
      if (x.sender === m.sender) fromSender++;
    }
    if (count >= q.messagesPerRecipient || bytes + m.blob.length > q.bytesPerRecipient) return 'QUOTA_RECIPIENT';
    if (fromSender >= q.messagesPerSenderPerRecipient) return 'QUOTA_SENDER';
    this.messages.set(id, m);
    return 'stored';
  }

  pending(recipient: string, deviceId: Uint8Array, now: number, limit: number): StoredMessage[] {
    const device = hex(deviceId);
    return [...this.messages.values()]
      .filter((m) => m.recipient === recipient && m.expiresAt > now && !this.acks.get(hex(m.id))?.has(device))
      .sort((a, b) => a.storedAt - b.storedAt || (hex(a.id) < hex(b.id) ? -1 : 1))
      .slice(0, limit);
  }

  ack(recipient: string, deviceId: Uint8Array, ids: readonly Uint8Array[], devices: readonly Uint8Array[]): void {
    for (const raw of ids) {
      const id = hex(raw);
      if (this.messages.get(id)?.recipient !== recipient) continue;
      let set = this.acks.get(id);
      if (!set) {
        set = new Set();
        this.acks.set(id, set);
      }
      set.add(hex(deviceId));
      if (devices.length > 0 && devices.every((d) => set.has(hex(d)))) {
        this.messages.delete(id);
        this.acks.delete(id);
      }
    }
  }

  ackedBy(id: Uint8Array): Uint8Array[] {
    return [...(this.acks.get(hex(id)) ?? [])].map((d) => new Uint8Array(Buffer.from(d, 'hex')));
  }

  slot(slot: number, now: number): { message: StoredMessage; ackedBy: Uint8Array[] }[] {
    return [...this.messages.values()].filter((m) => m.slot === slot && m.expiresAt > now).map((message) => ({ message, ackedBy: this.ackedBy(message.id) }));
  }

  dropSlot(slot: number): number {
    let n = 0;
    for (const [id, m] of this.messages) {
      if (m.slot !== slot) continue;
      this.messages.delete(id);
      this.acks.delete(id);
      n++;
    }
    return n;
  }

  expire(now: number): number {
    let n = 0;
    for (const [id, m] of this.messages) {
      if (m.expiresAt > now) continue;
      this.messages.delete(id);
      this.acks.delete(id);
      n++;
    }
    return n;
  }

  size(): { messages: number; bytes: number } {
    let bytes = 0;
    for (const m of this.messages.values()) bytes += m.blob.length;
    return { messages: this.messages.size, bytes };
  }

  close(): void {}
}
