/** One stored record: its JSON payload, and when it was consumed (epoch seconds), if it was. */
export interface StoredRecord {
  payload: string;
  consumed?: number;
}

/**
 * Where sign-in keeps its state (authorization codes, refresh tokens, grants, consents, sign-in sessions,
 * registered clients): in this process, or in Redis so that every replica shares it. Keys are already hashed
 * by the caller where they are secrets; every record and set expires.
 */
export interface AuthStore {
  get(key: string): Promise<StoredRecord | undefined>;
  /** Replaces a record (clearing its consumed mark); ttlMs undefined = kept until deleted. */
  set(key: string, payload: string, ttlMs?: number): Promise<void>;
  /** Marks a record consumed; false when it already was or is gone. Atomic across replicas: one caller wins. */
  consume(key: string, at: number): Promise<boolean>;
  delete(...keys: string[]): Promise<void>;
  /** Adds a member to a set, which lives at least ttlMs more (forever when undefined). */
  addMember(set: string, member: string, ttlMs?: number): Promise<void>;
  removeMember(set: string, member: string): Promise<void>;
  members(set: string): Promise<string[]>;
  close(): Promise<void>;
}

interface Entry<T> {
  value: T;
  expires: number;
}

const alive = <T>(e: Entry<T> | undefined, now = Date.now()): e is Entry<T> =>
  e !== undefined && e.expires > now;

/** The in-process store: one replica only; expired entries are swept every minute. */
export class MemoryStore implements AuthStore {
  private readonly records = new Map<string, Entry<StoredRecord>>();
  private readonly sets = new Map<string, Entry<Set<string>>>();
  private readonly sweep = setInterval(() => this.expire(), 60_000).unref();

  get(key: string): Promise<StoredRecord | undefined> {
    const e = this.records.get(key);
    return Promise.resolve(alive(e) ? { ...e.value } : undefined);
  }

  set(key: string, payload: string, ttlMs?: number): Promise<void> {
    this.records.set(key, {
      value: { payload },
      expires: ttlMs === undefined ? Infinity : Date.now() + ttlMs,
    });
    return Promise.resolve();
  }

  consume(key: string, at: number): Promise<boolean> {
    const e = this.records.get(key);
    if (!alive(e) || e.value.consumed !== undefined) return Promise.resolve(false);
    e.value.consumed = at;
    return Promise.resolve(true);
  }

  delete(...keys: string[]): Promise<void> {
    for (const k of keys) {
      this.records.delete(k);
      this.sets.delete(k);
    }
    return Promise.resolve();
  }

  addMember(set: string, member: string, ttlMs?: number): Promise<void> {
    const expires = ttlMs === undefined ? Infinity : Date.now() + ttlMs;
    const e = this.sets.get(set);
    if (alive(e)) {
      e.value.add(member);
      e.expires = Math.max(e.expires, expires);
    } else this.sets.set(set, { value: new Set([member]), expires });
    return Promise.resolve();
  }

  removeMember(set: string, member: string): Promise<void> {
    this.sets.get(set)?.value.delete(member);
    return Promise.resolve();
  }

  members(set: string): Promise<string[]> {
    const e = this.sets.get(set);
    return Promise.resolve(alive(e) ? [...e.value] : []);
  }

  close(): Promise<void> {
    clearInterval(this.sweep);
    this.records.clear();
    this.sets.clear();
    return Promise.resolve();
  }

  private expire(): void {
    const now = Date.now();
    for (const [k, e] of this.records) if (!alive(e, now)) this.records.delete(k);
    for (const [k, e] of this.sets) if (!alive(e, now)) this.sets.delete(k);
  }
}
