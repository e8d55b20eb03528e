/** Which exposed lists changed, told to each downstream session as its principal sees them. */
import type { AuthInfo } from '@modelcontextprotocol/server';
import { EMPTY_SNAPSHOT, type Snapshot } from '../../registry/catalog.js';
import type { Access } from './handlers.js';
import type { ListChanges } from '../sessions/session.js';

/** Something holding downstream sessions that can be told about list changes. */
export interface Audience {
  broadcast(changesFor: ListChanges | ((auth: AuthInfo | undefined) => ListChanges)): void;
}

/**
 * Compares each new catalog snapshot with the last one announced and tells the audiences which lists changed.
 * While held (a reload in progress) nothing is told; the next announcement covers everything since.
 */
export class ListAnnouncer {
  private announced = EMPTY_SNAPSHOT;
  private holds = 0;
  private policiesChanged = false;
  /** When the exposed lists last changed: 2026 list results are cached for a fraction of that age. */
  private changedAt = Date.now();

  constructor(
    private readonly access: Access,
    private readonly audiences: Audience[],
    /** Told the changes of the whole catalog (the 2026 listen streams). */
    private readonly listeners: { broadcast(changes: ListChanges): void },
  ) {}

  /** Holds announcements until as many release() calls. */
  hold(): void {
    this.holds++;
  }

  /** Ends one hold; the caller announces the current snapshot next. */
  release(): void {
    this.holds--;
  }

  /** The policies changed: the next announcement tells every session that every list changed. */
  policiesUpdated(): void {
    this.policiesChanged = true;
  }

  /** Tells every session which lists differ between the last announced snapshot and `next` (unless held). */
  announce(next: Snapshot): void {
    if (this.holds > 0) return;
    const told = this.announced;
    this.announced = next;
    const all = this.policiesChanged;
    this.policiesChanged = false;
    const changed = (a: Snapshot['signature'], b: Snapshot['signature']) => ({
      tools: all || a.tools !== b.tools,
      prompts: all || a.prompts !== b.prompts,
      resources: all || a.resources !== b.resources,
    });
    const changes = changed(told.signature, next.signature);
    if (changes.tools || changes.prompts || changes.resources) this.changedAt = Date.now();
    // A session is told only about lists that changed as its principal sees them.
    const { views } = this.access;
    const changesFor = (auth: AuthInfo | undefined) => {
      const grant = this.access.grant(auth);
      if (grant.all) return changes;
      return changed(views.view(told, grant).signature, views.view(next, grant).signature);
    };
    for (const audience of this.audiences) audience.broadcast(changesFor);
    this.listeners.broadcast(changes);
  }

  /**
   * How long 2026 clients may cache the lists: a tenth of the time since they last changed (so a catalog that
   * just changed is not cached at all), at most a minute; private, since what a client sees may be its own.
   */
  cacheHints() {
    const ttlMs = Math.min(60_000, Math.floor((Date.now() - this.changedAt) / 10));
    const hint = { ttlMs, cacheScope: 'private' as const };
    return {
      'tools/list': hint,
      'prompts/list': hint,
      'resources/list': hint,
      'resources/templates/list': hint,
    };
  }
}
