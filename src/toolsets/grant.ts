import type { Grant } from '../registry/grant.js';

/**
 * A principal's grant inside one set: the set's view already holds only the set's tools, and policies match
 * the names of the gateway's catalog, so a renamed tool is checked under its catalog name. Interned per
 * policy grant (grants key caches of filtered lists).
 */
export class SetGrants {
  private readonly grants = new WeakMap<Grant, Grant>();

  /** @param baseName a set name's catalog name, in the current view. */
  constructor(private readonly baseName: (name: string) => string | undefined) {}

  /** The set's grant for a principal whose policies give `inner`. */
  of(inner: Grant): Grant {
    if (inner.all) return inner;
    let grant = this.grants.get(inner);
    if (!grant) {
      grant = {
        all: false,
        rules: inner.rules,
        tool: (name, backend) => inner.tool(this.baseName(name) ?? name, backend),
        backend: (b) => inner.backend(b),
        gatewayTool: (name) => inner.gatewayTool(name),
      };
      this.grants.set(inner, grant);
    }
    return grant;
  }
}
