import type { AuthInfo } from '@modelcontextprotocol/server';
import picomatch from 'picomatch';
import type { AuthSettings, PolicyRuleSettings, RateLimitSettings } from '../../config/model.js';
import { log } from '../../log.js';
import { ALLOW_ALL, type Grant } from '../../registry/grant.js';
import { principalOf } from '../../principal.js';
import type { AuthExtra } from './authenticator.js';

type Matcher = (value: string) => boolean;

const NEVER: Matcher = () => false;
const glob = (globs: string[]): Matcher => (globs.length ? picomatch(globs, { dot: true }) : NEVER);

/** The claims of a principal that policies match on. */
interface Claims {
  name: string;
  /** The typed identity (`key:<name>`, `jwt:<issuer>:<sub>`). */
  id: string;
  method: AuthExtra['method'];
  issuer?: string;
  groups: string[];
  scopes: string[];
}

function claimsOf(info: AuthInfo): Claims {
  const extra = info.extra as AuthExtra | undefined;
  return {
    name: info.clientId,
    id: principalOf(info),
    method: extra?.method ?? 'api_key',
    issuer: extra?.issuer,
    groups: extra?.groups ?? [],
    scopes: info.scopes,
  };
}

/** A policy rule with its globs compiled. */
class Rule {
  private readonly match: (c: Claims) => boolean;
  /** Undefined: the rule permits everything. */
  readonly allow?: { tools: Matcher; backends: Matcher };
  readonly deny: { tools: Matcher; backends: Matcher };

  constructor(readonly settings: PolicyRuleSettings) {
    const m = settings.match;
    const tests: ((c: Claims) => boolean)[] = [];
    const one = (globs: string[] | undefined, value: (c: Claims) => string[]) => {
      if (!globs) return;
      const test = glob(globs);
      tests.push((c) => value(c).some(test));
    };
    // By name whatever the method (explicitly ambiguous), or by typed identity; key and sub are typed.
    one(m.principal, (c) => [c.name, c.id]);
    one(m.key, (c) => (c.method === 'api_key' ? [c.name] : []));
    one(m.sub, (c) => (c.method !== 'api_key' ? [c.name] : []));
    one(m.issuer, (c) => (c.issuer !== undefined ? [c.issuer] : []));
    one(m.group, (c) => c.groups);
    one(m.scope, (c) => c.scopes);
    this.match = (c) => tests.every((t) => t(c));
    const a = settings.allow;
    this.allow = a && { tools: glob(a.tools), backends: glob(a.backends) };
    this.deny = { tools: glob(settings.deny.tools), backends: glob(settings.deny.backends) };
  }

  /** Whether the rule applies to a principal. */
  matches(c: Claims): boolean {
    return this.match(c);
  }
}

/** The decisions of a set of matching rules: some rule must allow, and no rule may deny (deny wins). */
function grantOf(rules: Rule[]): Grant {
  const deniedBackend = (b: string) => rules.some((r) => r.deny.backends(b));
  return {
    all: false,
    rules: rules.map((r) => r.settings.name).join(', ') || 'none',
    tool: (name, backend) =>
      rules.some((r) => !r.allow || r.allow.tools(name) || r.allow.backends(backend)) &&
      !deniedBackend(backend) &&
      !rules.some((r) => r.deny.tools(name)),
    backend: (b) => rules.some((r) => !r.allow || r.allow.backends(b)) && !deniedBackend(b),
    gatewayTool: (name) => rules.length > 0 && !rules.some((r) => r.deny.tools(name)),
  };
}

/** Per-principal limits: from the first matching rule that sets them, else the gateway.auth defaults. */
export interface PrincipalLimits {
  rateLimit?: RateLimitSettings;
  maxSessions?: number;
}

/**
 * gateway.auth.policies compiled: which rules a principal matches, and the Grant and limits that follow.
 * Built anew when a reload changes the auth settings; grants are interned by the set of matching rules.
 */
export class PolicyEngine {
  private readonly rules: Rule[];
  private readonly grants = new Map<string, Grant>();
  private readonly warned = new Set<string>();

  constructor(readonly settings: AuthSettings) {
    this.rules = settings.policies.map((p) => new Rule(p));
  }

  /** Whether any policy is configured (otherwise every principal may use everything). */
  get active(): boolean {
    return this.rules.length > 0;
  }

  /** What a request's principal may use; everything without policies or without authentication. */
  grant(info: AuthInfo | undefined): Grant {
    if (!this.active || !info) return ALLOW_ALL;
    const matched = this.matching(info);
    const key = matched.map((r) => this.rules.indexOf(r)).join(',');
    let grant = this.grants.get(key);
    if (!grant) this.grants.set(key, (grant = grantOf(matched)));
    const id = principalOf(info);
    if (!matched.length && !this.warned.has(id) && this.warned.size < 10_000) {
      this.warned.add(id);
      log.warn(
        { principal: id },
        'no gateway.auth.policies rule matches this principal: it may use no tool, resource or prompt',
      );
    }
    return grant;
  }

  /** The principal's rate limit and session cap. */
  limits(info: AuthInfo | undefined): PrincipalLimits {
    const matched = info && this.active ? this.matching(info) : [];
    return {
      rateLimit: matched.find((r) => r.settings.rateLimit)?.settings.rateLimit ?? this.settings.rateLimit,
      maxSessions:
        matched.find((r) => r.settings.maxSessions)?.settings.maxSessions ??
        this.settings.maxSessionsPerPrincipal,
    };
  }

  private matching(info: AuthInfo): Rule[] {
    const claims = claimsOf(info);
    return this.rules.filter((r) => r.matches(claims));
  }
}

/** A PolicyEngine that follows a settings getter, rebuilt only when the settings change. */
export function policySource(settings: () => AuthSettings): () => PolicyEngine {
  let current = new PolicyEngine(settings());
  return () => {
    if (current.settings !== settings()) current = new PolicyEngine(settings());
    return current;
  };
}
