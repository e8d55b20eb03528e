/** Per-user static secrets: from a folder of files (a mounted Kubernetes Secret) or a real Redis hash. */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import {
  FolderSecrets,
  MissingUserSecretError,
  RedisSecrets,
  secretFileName,
  secretHeaders,
} from '../../../src/backends/credentials/user-secrets.js';
import {
  deleteKeys,
  REDIS_URL,
  redisReachable,
  requireRedis,
  testPrefix,
} from '../../queue/redis-helpers.js';

describe('secretFileName', () => {
  it('is a valid Kubernetes Secret key, and one per typed principal', () => {
    assert.equal(secretFileName('key:alice'), 'key_3Aalice');
    const names = [
      'key:alice',
      'jwt:https://idp.example:alice',
      'jwt:https://idp.example:../x',
      'key:a_3Ab',
    ].map(secretFileName);
    for (const n of names) assert.match(n, /^[A-Za-z0-9._-]+$/);
    assert.equal(new Set(names).size, names.length);
    assert.notEqual(secretFileName('key:a:b'), secretFileName('key:a_3Ab'), '"_" is escaped too');
  });
});

describe('FolderSecrets', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sb-user-secrets-'));
  writeFileSync(join(dir, secretFileName('key:alice')), 'alice-pat\n');
  writeFileSync(join(dir, secretFileName('jwt:https://idp.example:alice')), 'other-alice-pat');
  const source = new FolderSecrets('gh', dir);

  it("reads each typed principal's own file", async () => {
    assert.equal(await source.get('key:alice'), 'alice-pat');
    assert.equal(await source.get('jwt:https://idp.example:alice'), 'other-alice-pat');
  });

  it('says which file (and Secret key) to create when one is missing', async () => {
    await assert.rejects(source.get('key:bob'), (err: Error) => {
      assert.ok(err instanceof MissingUserSecretError);
      assert.equal(
        err.message,
        `backend "gh" needs a personal secret for principal key:bob: store it in the file ${join(dir, 'key_3Abob')} (in a Kubernetes Secret, under the key key_3Abob)`,
      );
      return true;
    });
  });

  it('puts the secret in the configured header', () => {
    assert.deepEqual(secretHeaders({ header: 'Authorization', prefix: 'Bearer ' }, 'x'), {
      Authorization: 'Bearer x',
    });
  });
});

describe('RedisSecrets', async () => {
  const reachable = await redisReachable();
  const prefix = testPrefix();
  const redis = new Redis(REDIS_URL, { lazyConnect: true });
  after(async () => {
    redis.disconnect();
    if (reachable) await deleteKeys(prefix);
  });

  it('reads the principal field of the backend hash, and says how to store a missing one', async (t) => {
    if (!requireRedis(t, reachable)) return;
    const source = new RedisSecrets('jira', redis, prefix);
    await redis.hset(source.key, 'key:alice', 'alice-jira-token');
    assert.equal(await source.get('key:alice'), 'alice-jira-token');
    await assert.rejects(
      source.get('jwt:https://idp.example:alice'),
      new RegExp(
        `store it with redis-cli HSET ${prefix}:user-secrets:jira 'jwt:https://idp.example:alice' '<secret>'`,
      ),
    );
  });
});
