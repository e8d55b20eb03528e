/** Tool arguments checked against input schemas at the gateway, compiled once per catalog version. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Tool } from '@modelcontextprotocol/server';
import { ArgumentValidator, describeErrors } from '../../src/frontends/rest/arguments.js';

const tool = (inputSchema: Record<string, unknown>, name = 't'): Tool =>
  ({ name, inputSchema }) as unknown as Tool;

describe('ArgumentValidator', () => {
  it('lists every error with its path, and names them in one line', () => {
    const v = new ArgumentValidator();
    const schema = { type: 'object', properties: { a: { type: 'number' } }, required: ['a', 'b'] };
    const errors = v.check(1, tool(schema), { a: 'x' });
    assert.deepEqual(
      errors.map((e) => [e.path, e.keyword]),
      [
        ['', 'required'],
        ['/a', 'type'],
      ],
    );
    assert.match(
      describeErrors('t', errors),
      /^arguments of tool "t" do not fit .*: \/ must have required property 'b'; \/a must be number$/,
    );
    assert.deepEqual(v.check(1, tool(schema), { a: 1, b: 2 }), []);
  });

  it('compiles a tool schema once per catalog version', () => {
    const v = new ArgumentValidator();
    const strict = tool({ type: 'object', required: ['a'] });
    const loose = tool({ type: 'object' });
    assert.equal(v.check(1, strict, {}).length, 1);
    assert.equal(v.check(1, loose, {}).length, 1, 'same version: the compiled schema is reused');
    assert.equal(v.check(2, loose, {}).length, 0, 'a new version compiles the schema it now has');
  });

  it('reads draft-07 and 2020-12 schemas by their $schema', () => {
    const v = new ArgumentValidator();
    const draft07 = tool({
      $schema: 'http://json-schema.org/draft-07/schema#',
      type: 'object',
      properties: { pair: { type: 'array', items: [{ type: 'string' }, { type: 'number' }] } },
    });
    assert.equal(v.check(1, draft07, { pair: ['a', 1] }).length, 0);
    assert.equal(v.check(1, draft07, { pair: [1, 'a'] }).length, 2);
    const draft2020 = tool(
      {
        $schema: 'https://json-schema.org/draft/2020-12/schema',
        type: 'object',
        properties: { pair: { type: 'array', prefixItems: [{ type: 'string' }], items: false } },
      },
      'u',
    );
    assert.equal(v.check(1, draft2020, { pair: ['a'] }).length, 0);
    assert.equal(v.check(1, draft2020, { pair: ['a', 'b'] }).length, 1);
  });

  it('lets arguments through when the schema cannot be compiled (the upstream checks them)', () => {
    const v = new ArgumentValidator();
    const broken = tool({ type: 'object', properties: { a: { $ref: '#/nowhere' } } });
    assert.deepEqual(v.check(1, broken, { a: 1 }), []);
  });
});
