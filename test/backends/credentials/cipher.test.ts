/** GrantCipher (pure logic): AES-256-GCM sealing, key rotation, binding to the slot, tampering refused. */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { GrantCipher, GrantCipherError, parseStoreKey } from '../../../src/backends/credentials/cipher.js';

const k1 = randomBytes(32);
const k2 = randomBytes(32);

describe('GrantCipher', () => {
  it('seals so the plain text does not show, and opens it again', () => {
    const c = new GrantCipher([k1]);
    const sealed = c.seal('{"accessToken":"secret-token"}', 'key:alice\ngh');
    assert.ok(!sealed.includes('secret') && !Buffer.from(sealed).toString('base64').includes('secret'));
    assert.notEqual(
      sealed,
      c.seal('{"accessToken":"secret-token"}', 'key:alice\ngh'),
      'a fresh IV each time',
    );
    assert.equal(c.open(sealed, 'key:alice\ngh'), '{"accessToken":"secret-token"}');
  });

  it('rotates: the new key first seals, the old second still opens, and old seals are stale', () => {
    const old = new GrantCipher([k1]).seal('g', 's');
    const rotated = new GrantCipher([k2, k1]);
    assert.equal(rotated.open(old, 's'), 'g');
    assert.ok(rotated.stale(old));
    const resealed = rotated.seal('g', 's');
    assert.ok(!rotated.stale(resealed));
    assert.equal(new GrantCipher([k2]).open(resealed, 's'), 'g', 'the old key can then be removed');
    assert.throws(() => new GrantCipher([k2]).open(old, 's'), /sealed with a key no longer configured/);
  });

  it('refuses a grant moved to another slot, or tampered with', () => {
    const c = new GrantCipher([k1]);
    const sealed = c.seal('g', 'key:alice\ngh');
    assert.throws(() => c.open(sealed, 'jwt:https://idp:alice\ngh'), GrantCipherError);
    const parts = sealed.split('.');
    parts[4] = Buffer.from('h').toString('base64url');
    assert.throws(() => c.open(parts.join('.'), 'key:alice\ngh'), /failed authentication/);
    assert.throws(() => c.open('garbage', 's'), /not a sealed grant/);
  });

  it('takes 32-byte keys in base64 or hex, and says what a key must be', () => {
    assert.deepEqual(parseStoreKey(k1.toString('base64')), k1);
    assert.deepEqual(parseStoreKey(k1.toString('hex')), k1);
    assert.throws(() => parseStoreKey('short'), /32 bytes, in base64 or hex/);
    assert.throws(() => new GrantCipher([]), /no credentials store key/);
  });
});
