import { Agent, Pool } from 'undici';

/** Connections kept per upstream origin; bounds concurrent upstream requests (further ones queue in the dispatcher). */
export const UPSTREAM_CONNECTIONS = 128;

/**
 * Idle keep-alive sockets are dropped after this, before common server idle timeouts (Node 5 s,
 * most proxies 60 s) close them under us: reusing a socket the server is closing fails the
 * request, and a POST is never retried. Sockets with a request in flight are unaffected.
 */
const IDLE_SOCKET_TIMEOUT_MS = 4_000;

/** A TCP/TLS handshake that takes longer is not going to complete; the call's own deadline may be shorter. */
const CONNECT_TIMEOUT_MS = 10_000;

export interface UpstreamPoolSettings {
  /** Largest response body read; undici cuts a longer one (compressed or not: nothing is decompressed). */
  maxResponseBytes: number;
}

/**
 * The keep-alive settings of both upstream clients, in one place. New connections per call cost
 * several times the throughput, so every request goes over kept-alive sockets.
 */
function keepAliveOptions(): Pool.Options {
  return { connections: UPSTREAM_CONNECTIONS, keepAliveTimeout: IDLE_SOCKET_TIMEOUT_MS, connectTimeout: CONNECT_TIMEOUT_MS };
}

/**
 * A pool for the one origin of a fixed upstream (XDP): requests name only a path, so they cannot
 * reach another host. The dispatcher counts the body bytes as they arrive and drops the
 * connection past `maxResponseBytes` (`ResponseExceededMaxSizeError`).
 */
export function upstreamPool(origin: string, settings: UpstreamPoolSettings): Pool {
  return new Pool(origin, { ...keepAliveOptions(), maxResponseSize: settings.maxResponseBytes });
}

/**
 * An agent for an upstream whose client follows URLs the upstream hands out (Trino's `nextUri`)
 * and checks their origin itself; page size limits are per request, so none is set here.
 */
export function upstreamAgent(): Agent {
  return new Agent(keepAliveOptions());
}
