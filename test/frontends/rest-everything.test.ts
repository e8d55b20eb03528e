/** The REST API in front of a published upstream (server-everything): its real schemas, progress and prompts. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Validator } from '@seriousme/openapi-schema-validator';
import type { Gateway } from '../../src/gateway.js';
import { EVERYTHING, startGateway } from '../helpers/gateway.js';
import { firstText, rest, restEvents } from './rest-helpers.js';

let gateway: Gateway;
let base: URL;

before(async () => {
  ({ gateway } = await startGateway(`mcpServers:
  everything:
    command: ${JSON.stringify(process.execPath)}
    args: [${JSON.stringify(EVERYTHING)}, stdio]
`));
  base = new URL(gateway.url);
});
after(async () => {
  await gateway?.close();
});

describe('REST API with server-everything', () => {
  it('documents its catalog in a valid OpenAPI 3.1 document', async () => {
    const res = await rest(base, 'GET', '/openapi.json');
    assert.equal(res.status, 200);
    const verdict = await new Validator().validate(res.body);
    assert.equal(verdict.valid, true, JSON.stringify(verdict.errors));
    const paths = Object.keys(res.body.paths as object);
    assert.ok(paths.includes('/v1/tools/everything__get-sum/call'), paths.join());
    assert.ok(!(res.body.components as { securitySchemes?: unknown }).securitySchemes, 'auth is off');
  });

  it('calls tools (draft-07 schemas validated), streams progress, renders prompts and reads resources', async () => {
    const sum = await rest(base, 'POST', '/v1/tools/everything__get-sum/call', { body: { a: 2, b: 3 } });
    assert.equal(sum.status, 200, JSON.stringify(sum.body));
    assert.match(firstText(sum.body), /5/);
    const bad = await rest(base, 'POST', '/v1/tools/everything__get-sum/call', { body: { a: 2 } });
    assert.equal(bad.status, 400);
    assert.match(String(bad.body.detail), /must have required property 'b'/);

    const { events } = await restEvents(base, '/v1/tools/everything__trigger-long-running-operation/call', {
      duration: 1,
      steps: 2,
    });
    assert.deepEqual(
      events.map((e) => e.event),
      ['progress', 'progress', 'result'],
    );
    assert.deepEqual(events[1]!.data, { progress: 2, total: 2 });

    const prompt = await rest(base, 'POST', '/v1/prompts/everything__args-prompt', {
      body: { city: 'Paris' },
    });
    assert.equal(prompt.status, 200, JSON.stringify(prompt.body));
    assert.match(JSON.stringify(prompt.body.messages), /Paris/);

    const list = await rest(base, 'GET', '/v1/resources');
    const uri = (list.body.resources as { uri: string }[])[0]!.uri;
    const read = await rest(base, 'GET', `/v1/resources/read?uri=${encodeURIComponent(uri)}`);
    assert.equal(read.status, 200, JSON.stringify(read.body));
    assert.equal((read.body.contents as { uri: string }[])[0]!.uri, uri);
  });
});
