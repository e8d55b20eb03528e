import { hashId } from './adapter.js';
import type { AuthStore } from './store.js';

/** A signed-in user as the identity provider described them at their last sign-in. */
export interface Account {
  /** The principal: the mapped subject claim (the token's `sub`). */
  sub: string;
  email?: string;
  emailVerified?: boolean;
  groups: string[];
  name?: string;
  /** The identity provider that authenticated them (its issuer or authorization endpoint). */
  idp: string;
}

/** A remembered consent: this user approved this client for these scopes, under this grant. */
export interface Consent {
  clientId: string;
  clientName?: string;
  /** Where the client's redirects go (shown when the user reviews consents). */
  redirectHost: string;
  scopes: string[];
  grantId: string;
  /** Epoch ms. */
  at: number;
}

const accountKey = (sub: string) => `Account:${hashId(sub)}`;
const consentKey = (sub: string, clientId: string) => `Consent:${hashId(sub)}:${hashId(clientId)}`;
const consentSet = (sub: string) => `Consents:${hashId(sub)}`;

/** Accounts and remembered consents in the sign-in store. */
export class Accounts {
  constructor(
    private readonly store: AuthStore,
    /** How long an account and a consent are kept (the grant's lifetime). */
    private readonly ttlMs: number,
  ) {}

  /** Records (or refreshes) a user at sign-in. */
  async save(account: Account): Promise<void> {
    await this.store.set(accountKey(account.sub), JSON.stringify(account), this.ttlMs);
  }

  async find(sub: string): Promise<Account | undefined> {
    const r = await this.store.get(accountKey(sub));
    return r && (JSON.parse(r.payload) as Account);
  }

  /** Remembers a consent, replacing the previous one of this user and client. */
  async remember(sub: string, consent: Consent): Promise<void> {
    await this.store.set(consentKey(sub, consent.clientId), JSON.stringify(consent), this.ttlMs);
    await this.store.addMember(consentSet(sub), consent.clientId, this.ttlMs);
  }

  async consent(sub: string, clientId: string): Promise<Consent | undefined> {
    const r = await this.store.get(consentKey(sub, clientId));
    return r && (JSON.parse(r.payload) as Consent);
  }

  /** The user's remembered consents, newest first. */
  async consents(sub: string): Promise<Consent[]> {
    const ids = await this.store.members(consentSet(sub));
    const found = await Promise.all(ids.map((id) => this.consent(sub, id)));
    return found.filter((c): c is Consent => c !== undefined).sort((a, b) => b.at - a.at);
  }

  /** Forgets a consent; returns it (for its grant to be revoked), or undefined when there was none. */
  async forget(sub: string, clientId: string): Promise<Consent | undefined> {
    const c = await this.consent(sub, clientId);
    await this.store.delete(consentKey(sub, clientId));
    await this.store.removeMember(consentSet(sub), clientId);
    return c;
  }
}
