import { normalizeIp } from '@nestjs/throttler';
import type { Principal } from '#tool-contract';

/**
 * Whose budget a request counts against: the authenticated subject, else the client IP
 * (IPv6 grouped by /64, which one client usually owns). One key across REST, /mcp and /ws,
 * so switching transports does not buy a fresh budget.
 */
export function clientKey(principal: Principal | undefined, remoteAddress: string | undefined): string {
  if (principal?.authenticated) return `principal:${principal.subject}`;
  return `ip:${remoteAddress ? normalizeIp(remoteAddress) : 'unknown'}`;
}
