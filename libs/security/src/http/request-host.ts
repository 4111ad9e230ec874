import type { IncomingHttpHeaders } from 'node:http';

/**
 * RFC 3986 authority without userinfo: `host[:port]`, host being an IP-literal in brackets or a
 * reg-name. Percent-encoding is left out on purpose: the WHATWG URL parser (used to build the
 * OAuth metadata URLs) decodes it and refuses what it decodes to.
 */
const AUTHORITY = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9\-._~!$&'()*+,;=]+)(?::[0-9]{1,5})?$/;

/** Where a request says it was sent: scheme and authority, from the trusted proxy when there is one. */
export interface RequestHost {
  proto: 'http' | 'https';
  host: string;
}

export class InvalidHostError extends Error {
  readonly status = 400;
  constructor(header: string) {
    super(`Bad request: the ${header} header is not a valid host[:port]`);
    this.name = 'InvalidHostError';
  }
}

/**
 * The request's public scheme and host. `X-Forwarded-Host` / `-Proto` count only when the proxy is
 * trusted (TRUST_PROXY): otherwise any client could name the host the OAuth metadata points at.
 * Throws InvalidHostError (400) for a value that is not a host[:port], so no later URL building fails.
 */
export function requestHost(headers: IncomingHttpHeaders, trustProxy: boolean): RequestHost {
  const forwardedHost = trustProxy ? firstValue(headers['x-forwarded-host']) : undefined;
  if (forwardedHost !== undefined && !isValidAuthority(forwardedHost)) throw new InvalidHostError('X-Forwarded-Host');
  const host = headers.host;
  if (host !== undefined && !isValidAuthority(host)) throw new InvalidHostError('Host');
  const proto = trustProxy ? firstValue(headers['x-forwarded-proto']) : undefined;
  return { proto: proto?.toLowerCase() === 'https' ? 'https' : 'http', host: forwardedHost ?? host ?? 'localhost' };
}

export function isValidAuthority(value: string): boolean {
  if (!AUTHORITY.test(value)) return false;
  const port = /:([0-9]+)$/.exec(value)?.[1];
  if (port !== undefined && Number(port) > 65535) return false;
  try {
    new URL(`http://${value}/`);
    return true;
  } catch {
    return false;
  }
}

/** The first entry of a (possibly repeated, possibly comma-joined) header. */
export function firstValue(header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  return value?.split(',')[0]?.trim() || undefined;
}

/**
 * The client address a limit is keyed on: the socket's peer, or with a trusted proxy the address
 * that proxy appended (the last X-Forwarded-For entry — earlier ones are the client's own claims).
 * Matches Express's `trust proxy` = 1 hop, so HTTP routes and the /ws upgrade agree.
 */
export function clientIp(
  request: { headers: IncomingHttpHeaders; socket: { remoteAddress?: string } },
  trustProxy: boolean,
): string | undefined {
  if (trustProxy) {
    const header = request.headers['x-forwarded-for'];
    const entries = (Array.isArray(header) ? header.join(',') : (header ?? ''))
      .split(',')
      .map((entry) => entry.trim())
      .filter(Boolean);
    if (entries.length > 0) return entries[entries.length - 1];
  }
  return request.socket.remoteAddress;
}
