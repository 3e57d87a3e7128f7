/** A small LRU of suggestions keyed by the text around the cursor. */

/** Characters of context that identify a cursor position well enough for the cache. */
const PREFIX_KEY_CHARS = 2000;
const SUFFIX_KEY_CHARS = 500;

/** The cache key for a cursor: the prefix's tail and the suffix's head. */
export function suggestionKey(model: string, prefix: string, suffix: string): string {
  return `${model}\u0000${prefix.slice(-PREFIX_KEY_CHARS)}\u0000${suffix.slice(0, SUFFIX_KEY_CHARS)}`;
}

/** Least-recently-used map with a fixed capacity. */
export class LruCache<V> {
  private readonly map = new Map<string, V>();

  constructor(private readonly capacity: number) {}

  /** The value for `key`, marking it as the most recently used. */
  get(key: string): V | undefined {
    const value = this.map.get(key);
    if (value === undefined) return undefined;
    this.map.delete(key);
    this.map.set(key, value);
    return value;
  }

  /** Stores `value`, evicting the least recently used entry when full. */
  set(key: string, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    while (this.map.size > this.capacity) {
      const oldest = this.map.keys().next().value as string;
      this.map.delete(oldest);
    }
  }

  get size(): number {
    return this.map.size;
  }

  clear(): void {
    this.map.clear();
  }
}
