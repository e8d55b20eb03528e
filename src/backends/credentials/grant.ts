/** One principal's credential for one backend, as the gateway stores it (sealed) and uses it. */
export interface UpstreamGrant {
  accessToken: string;
  /** Epoch ms after which the access token is no longer used; undefined = until the upstream refuses it. */
  expiresAt?: number;
  refreshToken?: string;
  scope?: string;
  /** Epoch ms it was obtained (shown in connection lists). */
  obtainedAt: number;
  /** Granted again after the upstream refused the previous grant: refused too, it is not asked for a third time. */
  reasked?: boolean;
}

/** The slot a grant is stored under and bound to: the principal's typed identity and the backend's name. */
export function slotOf(principal: string, backend: string): string {
  return `${principal}\n${backend}`;
}

/** Whether the grant's access token can still be used `marginMs` from now. */
export function usable(grant: UpstreamGrant, marginMs: number, now = Date.now()): boolean {
  return grant.expiresAt === undefined || now + marginMs < grant.expiresAt;
}
