/**
 * A first-in first-out queue with a limit: pushing onto a full queue drops the oldest item and
 * counts it. Taking is O(1) (a head index; the array is compacted now and then), so draining a
 * long queue is linear, unlike repeated Array.shift.
 */
export class BoundedQueue<T> {
  private items: T[] = [];
  private head = 0;
  /** Items dropped because the queue was full. */
  dropped = 0;

  constructor(private readonly max: number) {}

  get length(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    if (this.length >= this.max) {
      this.head++;
      this.dropped++;
    }
    this.items.push(item);
  }

  /** The oldest item, or undefined when empty. */
  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head++];
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }
}
