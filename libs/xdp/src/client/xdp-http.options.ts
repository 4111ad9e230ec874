import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { HttpModuleOptions } from '@nestjs/axios';
import type { XdpConfig } from '#config';

/** Sockets kept per XDP host; bounds concurrent upstream requests (further ones queue in the agent). */
const MAX_SOCKETS = 128;

/**
 * Idle keep-alive sockets are dropped after this, before common server idle timeouts (Node 5 s,
 * most proxies 60 s) close them under us: reusing a socket the server is closing fails the
 * request, and the query POST is never retried. Sockets with a request in flight are unaffected.
 */
const IDLE_SOCKET_TIMEOUT_MS = 4_000;

/**
 * Settings for XDP, in axios form (the HttpModule owns and closes the agents); XdpClient sends
 * through node:http with this base URL, these headers and these agents (xdp-http.exchange.ts). Keep-alive agents reuse connections (new connections per call cost
 * several times the throughput); redirects are refused so the key headers never reach another
 * host; bodies arrive as text because the client parses and validates them itself.
 */
export function xdpHttpOptions(config: XdpConfig): HttpModuleOptions {
  const agentOptions = {
    keepAlive: true,
    maxSockets: MAX_SOCKETS,
    maxFreeSockets: MAX_SOCKETS,
    scheduling: 'lifo' as const,
    timeout: IDLE_SOCKET_TIMEOUT_MS,
  };
  return {
    baseURL: config.baseUrl,
    headers: {
      Accept: 'application/json',
      ...(config.accessKey ? { accessKey: config.accessKey } : {}),
      ...(config.secretKey ? { secretKey: config.secretKey } : {}),
    },
    httpAgent: new HttpAgent(agentOptions),
    httpsAgent: new HttpsAgent(agentOptions),
    maxRedirects: 0,
    maxContentLength: config.maxResponseBytes,
    maxBodyLength: config.maxResponseBytes,
    responseType: 'text',
    transformResponse: [(data: unknown) => data],
    validateStatus: () => true,
    proxy: false,
  };
}
