import type { IncomingHttpHeaders } from 'node:http';

/** The parts of an HTTP request (or WebSocket upgrade) that authentication looks at. */
export interface AuthRequest {
  headers: IncomingHttpHeaders;
  /** Only the /ws upgrade passes its URL: browsers cannot set headers on a WebSocket, so `access_token` is accepted there. */
  url?: string;
  /** Where the attempt comes from (see `clientIp`): failed attempts are limited per address. */
  clientIp?: string;
}

/** The bearer credential of a request: the Authorization header first, then the `access_token` query parameter. */
export function bearerToken(request: AuthRequest): string | undefined {
  const header = request.headers.authorization;
  const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  if (match) return match[1];
  if (!request.url) return undefined;
  const queryToken = new URL(request.url, 'http://localhost').searchParams.get('access_token');
  return queryToken || undefined;
}

/** Compact JWS serialization: three base64url segments. */
export function looksLikeJwt(token: string): boolean {
  return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(token);
}
