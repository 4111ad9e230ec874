import type { IncomingHttpHeaders } from 'node:http';
import { Injectable } from '@nestjs/common';
import { AppConfig } from '#config';
import { requestHost } from '../http/request-host.js';

export const PROTECTED_RESOURCE_PATH = '/.well-known/oauth-protected-resource';
const MCP_PATH = '/mcp';

/** RFC 9728 protected-resource metadata. */
export interface ProtectedResourceMetadata {
  resource: string;
  authorization_servers: string[];
  bearer_methods_supported: string[];
  scopes_supported?: string[];
  resource_name: string;
}

/**
 * Describes this server as an OAuth 2.1 resource server, so MCP clients can discover where to
 * get a token. Only meaningful with JWT auth: static tokens are not issued by an authorization server.
 */
@Injectable()
export class ProtectedResource {
  constructor(private readonly config: AppConfig) {}

  get published(): boolean {
    return this.config.auth.mode !== 'none' && this.config.auth.jwt !== undefined;
  }

  /**
   * The /mcp endpoint's public URL: AUTH_RESOURCE_URL, or the URL the request was addressed to
   * (forwarded headers only with TRUST_PROXY). Throws InvalidHostError for a malformed host.
   */
  resourceUrl(headers: IncomingHttpHeaders): string {
    if (this.config.auth.resourceUrl) return this.config.auth.resourceUrl;
    const { proto, host } = requestHost(headers, this.config.auth.trustProxy);
    return `${proto}://${host}${MCP_PATH}`;
  }

  /** RFC 9728 §3.1: the well-known segment goes between the host and the resource path. */
  metadataUrl(headers: IncomingHttpHeaders): string {
    const resource = new URL(this.resourceUrl(headers));
    const path = resource.pathname === '/' ? '' : resource.pathname.replace(/\/+$/, '');
    return `${resource.origin}${PROTECTED_RESOURCE_PATH}${path}`;
  }

  document(headers: IncomingHttpHeaders): ProtectedResourceMetadata {
    const { auth } = this.config;
    const scopes = [...new Set(auth.toolScopes.map((rule) => rule.scope))];
    const servers = auth.authorizationServers.length > 0 ? auth.authorizationServers : auth.jwt?.issuer ? [auth.jwt.issuer] : [];
    return {
      resource: this.resourceUrl(headers),
      authorization_servers: servers,
      bearer_methods_supported: ['header'],
      ...(scopes.length > 0 ? { scopes_supported: scopes } : {}),
      resource_name: 'XDP MCP Server',
    };
  }
}
