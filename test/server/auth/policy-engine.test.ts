/** PolicyEngine decisions (pure logic): matching, allow by name or backend, deny wins, limits. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AuthInfo } from '@modelcontextprotocol/server';
import { parseConfig } from '../../../src/config/load.js';
import { PolicyEngine } from '../../../src/server/auth/policy.js';

const engine = (policies: string) =>
  new PolicyEngine(
    parseConfig(
      `gateway:\n  auth:\n    api_keys: [{ name: ci, key: "0123456789abcdef" }]\n    rate_limit: { rate: 5 }\n    policies:\n${policies}`,
      '/cfg/sb.yaml',
      { env: {} },
    ).gateway.auth,
  );
const key = (name: string, scopes: string[] = []): AuthInfo => ({
  token: 't',
  clientId: name,
  scopes,
  extra: { method: 'api_key', operator: false, groups: [] },
});
const jwt = (
  sub: string,
  groups: string[],
  scopes: string[] = [],
  issuer = 'https://idp.test',
): AuthInfo => ({
  token: 't',
  clientId: sub,
  scopes,
  extra: { method: 'jwt', operator: false, groups, issuer },
});

describe('PolicyEngine', () => {
  const e = engine(`      - { name: ci, match: { key: ci }, allow: { tools: "gh__get_*", backends: docs } }
      - { name: devs, match: { group: "dev-*" }, allow: { backends: [gh, docs] }, rate_limit: { rate: 50 } }
      - { name: no-delete, match: { scope: write }, deny: { tools: "*__delete_*", backends: prod } }
`);

  it('allows a tool by name or by backend, and a backend only by backend', () => {
    const g = e.grant(key('ci'));
    assert.ok(g.tool('gh__get_issue', 'gh'));
    assert.ok(!g.tool('gh__create_issue', 'gh'));
    assert.ok(g.tool('docs__search', 'docs'));
    assert.ok(!g.backend('gh') && g.backend('docs'));
  });

  it('applies every matching rule, deny wins; key and sub never cross', () => {
    const dev = e.grant(jwt('ci', ['dev-web'], ['write']));
    assert.ok(dev.tool('gh__create_issue', 'gh'), 'by group');
    assert.ok(!dev.tool('gh__delete_repo', 'gh'), 'denied by the scope rule');
    assert.ok(dev.tool('docs__search', 'docs'));
    assert.equal(e.grant(jwt('ci', [])).tool('gh__get_issue', 'gh'), false, 'match.key is for API keys only');
    assert.ok(dev.gatewayTool('smart_tool_discovery') && !dev.backend('prod'));
  });

  it('gives an unmatched principal nothing, interns grants, and picks limits from the first rule that sets them', () => {
    const none = e.grant(key('stranger'));
    assert.ok(!none.tool('docs__search', 'docs') && !none.backend('docs') && !none.gatewayTool('x'));
    assert.equal(e.grant(key('ci')), e.grant(key('ci')), 'same rules, same grant');
    assert.equal(e.limits(jwt('a', ['dev-x'])).rateLimit?.rate, 50);
    assert.equal(e.limits(key('ci')).rateLimit?.rate, 5, 'the default');
    assert.equal(new PolicyEngine({ ...e.settings, policies: [] }).grant(key('x')).all, true);
  });
});

describe('PolicyEngine and typed principals', () => {
  const e = engine(`      - { name: by-name, match: { principal: ci }, allow: { backends: named } }
      - { name: by-id, match: { principal: "jwt:https://idp.test:*" }, allow: { backends: idp } }
      - { name: by-issuer, match: { sub: ci, issuer: "https://other.test" }, allow: { backends: other } }
`);

  it('match by name explicitly (every method), by typed identity, and by issuer', () => {
    assert.ok(
      e.grant(key('ci')).backend('named') && e.grant(jwt('ci', [])).backend('named'),
      'principal: by name',
    );
    assert.ok(!e.grant(key('ci')).backend('idp'), 'an API key is not jwt:<issuer>:<sub>');
    assert.ok(e.grant(jwt('bob', [])).backend('idp'));
    assert.ok(!e.grant(jwt('ci', [])).backend('other'), 'another issuer');
    assert.ok(e.grant(jwt('ci', [], [], 'https://other.test')).backend('other'));
  });
});
