import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { GatewayError } from '../../errors.js';

/**
 * What a minted requestState stands for: a 2026 upstream's own state, a call parked in this gateway, or a
 * request the user was asked to connect a backend for (retried afresh).
 */
export type StatePayload =
  | { kind: 'upstream'; backend: string; state?: string }
  | { kind: 'parked'; nonce: string }
  | { kind: 'connect' };

/** What a state is bound to: the request it was issued for and the principal that made it. */
export interface StateBinding {
  method: string;
  /** The tool or prompt name, or the resource URI. */
  target: string;
  principal: string;
}

interface Sealed {
  p: StatePayload;
  b: StateBinding;
  /** Expiry, ms since the epoch. */
  e: number;
}

const VERSION = 'sb1';

function invalid(reason: string): GatewayError {
  return new GatewayError('invalid_request_state', `Invalid requestState: ${reason}`);
}

/**
 * The HMAC-SHA256 seal on the `requestState` of the `input_required` results the gateway returns. The state
 * travels through the client, so it is attacker-controlled on the way back: it is bound to the request and
 * the principal, it expires, and each failure says which check failed.
 */
export class RequestStateCodec {
  private readonly key: Buffer;

  /** @param secret the shared key (replicas that serve one endpoint need the same one); random when absent. */
  constructor(
    secret: string | undefined,
    private readonly ttlMs = 10 * 60_000,
  ) {
    this.key = secret ? Buffer.from(secret, 'utf8') : randomBytes(32);
  }

  private mac(body: string): Buffer {
    return createHmac('sha256', this.key).update(body).digest();
  }

  /** Seals a payload for one request and principal. */
  mint(payload: StatePayload, binding: StateBinding): string {
    const sealed: Sealed = { p: payload, b: binding, e: Date.now() + this.ttlMs };
    const body = Buffer.from(JSON.stringify(sealed)).toString('base64url');
    return `${VERSION}.${body}.${this.mac(body).toString('base64url')}`;
  }

  /** Opens a state echoed by a client; throws `invalid_request_state` naming the failed check. */
  open(state: string, expected: StateBinding): StatePayload {
    const [version, body, mac] = state.split('.');
    if (version !== VERSION || !body || !mac || state.split('.').length !== 3) {
      throw invalid('not a requestState issued by this gateway (malformed)');
    }
    const given = Buffer.from(mac, 'base64url');
    const wanted = this.mac(body);
    if (given.length !== wanted.length || !timingSafeEqual(given, wanted)) {
      throw invalid('its signature does not verify (altered, forged, or signed with another gateway key)');
    }
    const sealed = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Sealed;
    if (Date.now() > sealed.e) {
      throw invalid(`it expired at ${new Date(sealed.e).toISOString()}; send the request again without it`);
    }
    const b = sealed.b;
    if (b.method !== expected.method || b.target !== expected.target) {
      throw invalid(
        `it was issued for ${b.method} "${b.target}", not ${expected.method} "${expected.target}"`,
      );
    }
    if (b.principal !== expected.principal) throw invalid('it was issued to another principal');
    return sealed.p;
  }
}
