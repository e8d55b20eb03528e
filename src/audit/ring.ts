/** A fixed-size buffer of the most recent items; the oldest is overwritten when full. */
export class Ring<T> {
  private readonly items: (T | undefined)[];
  private next = 0;
  private count = 0;

  constructor(readonly capacity: number) {
    this.items = new Array<T | undefined>(Math.max(0, capacity));
  }

  /** Adds an item, dropping the oldest when full. */
  push(item: T): void {
    if (this.capacity === 0) return;
    this.items[this.next] = item;
    this.next = (this.next + 1) % this.capacity;
    this.count = Math.min(this.count + 1, this.capacity);
  }

  /** How many items it holds. */
  get size(): number {
    return this.count;
  }

  /** The items, newest first. */
  *newestFirst(): Generator<T> {
    for (let i = 1; i <= this.count; i++) {
      yield this.items[(this.next - i + this.capacity) % this.capacity]!;
    }
  }
}
