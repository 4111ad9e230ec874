import { loadAppConfig } from '#config';
import { ProtectedResource } from './protected-resource.js';

const JWT = { AUTH_JWT_SECRET: 'unit-test-secret-with-at-least-32-bytes', AUTH_JWT_ISSUER: 'https://idp.example.com' };

describe('ProtectedResource', () => {
  it('derives the resource from the request, honouring forwarded headers only from a trusted proxy', () => {
    const resource = new ProtectedResource(loadAppConfig(JWT));
    expect(resource.resourceUrl({ host: '127.0.0.1:8080' })).toBe('http://127.0.0.1:8080/mcp');
    const forwarded = { host: 'pod:8080', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'mcp.example.com' };
    expect(resource.metadataUrl(forwarded)).toBe('http://pod:8080/.well-known/oauth-protected-resource/mcp');
    const behindIngress = new ProtectedResource(loadAppConfig({ ...JWT, TRUST_PROXY: 'true' }));
    expect(behindIngress.metadataUrl(forwarded)).toBe('https://mcp.example.com/.well-known/oauth-protected-resource/mcp');
  });

  it('refuses a malformed host with a 400 error instead of building a broken URL', () => {
    const behindIngress = new ProtectedResource(loadAppConfig({ ...JWT, TRUST_PROXY: 'true' }));
    expect(() => behindIngress.metadataUrl({ host: 'pod', 'x-forwarded-host': 'a b' })).toThrow(expect.objectContaining({ status: 400 }));
  });

  it('uses AUTH_RESOURCE_URL verbatim when set (RFC 9728 well-known insertion)', () => {
    const resource = new ProtectedResource(loadAppConfig({ ...JWT, AUTH_RESOURCE_URL: 'https://gw.example.com/xdp/mcp' }));
    expect(resource.metadataUrl({ host: 'ignored' })).toBe('https://gw.example.com/.well-known/oauth-protected-resource/xdp/mcp');
    expect(resource.document({}).resource).toBe('https://gw.example.com/xdp/mcp');
  });

  it('names the issuer as authorization server unless AUTH_AUTHORIZATION_SERVERS is set', () => {
    expect(new ProtectedResource(loadAppConfig(JWT)).document({ host: 'h' }).authorization_servers).toEqual(['https://idp.example.com']);
    const explicit = new ProtectedResource(
      loadAppConfig({ ...JWT, AUTH_AUTHORIZATION_SERVERS: 'https://a.example.com,https://b.example.com' }),
    );
    expect(explicit.document({ host: 'h' }).authorization_servers).toEqual(['https://a.example.com', 'https://b.example.com']);
  });

  it('is published only with JWT authentication', () => {
    expect(new ProtectedResource(loadAppConfig(JWT)).published).toBe(true);
    expect(new ProtectedResource(loadAppConfig({ MCP_AUTH_TOKEN: 'static-token' })).published).toBe(false);
  });
});
