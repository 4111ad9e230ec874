import { loadAppConfig } from '#config';
import { DnsRebindingRule } from './dns-rebinding.rule.js';

describe('DnsRebindingRule', () => {
  const rule = new DnsRebindingRule(
    loadAppConfig({ CORS_ORIGINS: 'https://app.example.com', ALLOWED_HOSTS: 'mcp.example.com,xdp-mcp-server' }),
  );

  it('serves the localhost names on any port, and the names in ALLOWED_HOSTS', () => {
    for (const host of ['localhost:8080', '127.0.0.1:3000', '[::1]:9', 'LOCALHOST', 'mcp.example.com', 'xdp-mcp-server:8080']) {
      expect(rule.refusal({ host }, '/mcp')).toBeUndefined();
    }
  });

  it('refuses any other Host with 403 naming ALLOWED_HOSTS, and a malformed one with 400', () => {
    expect(rule.refusal({ host: 'evil.example.com' }, '/mcp')).toEqual({
      status: 403,
      code: 'host_not_allowed',
      message: 'Host evil.example.com is not allowed: add it to ALLOWED_HOSTS',
    });
    expect(rule.refusal({ host: '10.1.2.3:8080' }, '/ws')).toMatchObject({ status: 403, code: 'host_not_allowed' });
    expect(rule.refusal({ host: 'a b' }, '/mcp')).toMatchObject({ status: 400, code: 'invalid_request' });
  });

  it('judges the forwarded host only behind a trusted proxy', () => {
    const forwarded = { host: '10.1.2.3:8080', 'x-forwarded-host': 'mcp.example.com' };
    expect(rule.refusal(forwarded, '/mcp')).toMatchObject({ status: 403, code: 'host_not_allowed' });
    const behindIngress = new DnsRebindingRule(loadAppConfig({ ALLOWED_HOSTS: 'mcp.example.com', TRUST_PROXY: 'true' }));
    expect(behindIngress.refusal(forwarded, '/mcp')).toBeUndefined();
    expect(behindIngress.refusal({ host: 'localhost', 'x-forwarded-host': 'evil.example.com' }, '/mcp')).toMatchObject({
      code: 'host_not_allowed',
    });
  });

  it('accepts the host of AUTH_RESOURCE_URL', () => {
    const published = new DnsRebindingRule(loadAppConfig({ AUTH_RESOURCE_URL: 'https://public.example.com/mcp' }));
    expect(published.refusal({ host: 'public.example.com' }, '/mcp')).toBeUndefined();
  });

  it('serves a request without Host (HTTP/1.0 tools): every browser sends one, so no rebinding page can omit it', () => {
    expect(rule.refusal({}, '/mcp')).toBeUndefined();
  });

  it('lets requests without Origin through, and any localhost origin on a localhost Host', () => {
    expect(rule.refusal({ host: 'localhost:8080' }, '/mcp')).toBeUndefined();
    expect(rule.refusal({ host: 'localhost:8080', origin: 'http://localhost:8080' }, '/mcp')).toBeUndefined();
    expect(rule.refusal({ host: '127.0.0.1:8080', origin: 'http://localhost:5173' }, '/ws')).toBeUndefined();
    expect(rule.refusal({ host: '[::1]:8080', origin: 'https://[::1]' }, '/mcp')).toBeUndefined();
  });

  it('refuses a localhost origin on a public Host, an unlisted origin, and "null"', () => {
    expect(rule.refusal({ host: 'mcp.example.com', origin: 'http://localhost:5173' }, '/mcp')).toEqual({
      status: 403,
      code: 'origin_not_allowed',
      message: 'Origin http://localhost:5173 is not allowed: add it to CORS_ORIGINS',
    });
    expect(rule.refusal({ host: 'localhost:8080', origin: 'https://evil.example.com' }, '/mcp')).toMatchObject({
      code: 'origin_not_allowed',
    });
    expect(rule.refusal({ host: 'localhost:8080', origin: 'null' }, '/mcp')).toMatchObject({ code: 'origin_not_allowed' });
  });

  it('accepts CORS_ORIGINS case- and trailing-slash-insensitively on any allowed Host', () => {
    expect(rule.refusal({ host: 'mcp.example.com', origin: 'https://APP.example.com/' }, '/mcp')).toBeUndefined();
  });

  it("accepts the server's own page on an allowed Host for REST only (Swagger UI)", () => {
    const ownPage = { host: 'mcp.example.com', origin: 'https://mcp.example.com' };
    expect(rule.refusal(ownPage, '/api/tools')).toBeUndefined();
    expect(rule.refusal(ownPage, '/mcp')).toMatchObject({ code: 'origin_not_allowed' });
    expect(rule.refusal({ host: 'mcp.example.com', origin: 'https://mcp.example.com:8443' }, '/api/tools')).toMatchObject({
      code: 'origin_not_allowed',
    });
  });

  it('exposes the CORS allow-list, never a wildcard', () => {
    expect(rule.allowedOrigins).toEqual(['https://app.example.com']);
  });
});
