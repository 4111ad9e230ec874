import { loadAppConfig } from '#config';
import { OriginPolicy } from './origin-policy.service.js';

describe('OriginPolicy', () => {
  const policy = new OriginPolicy(loadAppConfig({ CORS_ORIGINS: 'https://app.example.com,http://localhost:5173' }));

  it('lets requests without Origin through (server-side clients)', () => {
    expect(policy.isAllowed({ host: 'x' })).toBe(true);
  });

  it('allows listed origins, case- and trailing-slash-insensitively', () => {
    expect(policy.isAllowed({ origin: 'https://APP.example.com/' })).toBe(true);
    expect(policy.isAllowed({ origin: 'http://localhost:5173' })).toBe(true);
  });

  it('refuses unlisted origins, including one matching the Host (DNS rebinding) and "null"', () => {
    expect(policy.isAllowed({ origin: 'https://evil.example.com' })).toBe(false);
    expect(policy.isAllowed({ origin: 'http://rebound.example:8080', host: 'rebound.example:8080' })).toBe(false);
    expect(policy.isAllowed({ origin: 'null' })).toBe(false);
    expect(policy.isAllowed({ origin: 'http://localhost:5174' })).toBe(false);
  });

  it("accepts the server's own page only when asked, and only when addressed by a loopback name or its public host", () => {
    const ownPage = { allowOwnPage: true };
    expect(policy.isAllowed({ origin: 'http://127.0.0.1:8080', host: '127.0.0.1:8080' })).toBe(false);
    expect(policy.isAllowed({ origin: 'http://127.0.0.1:8080', host: '127.0.0.1:8080' }, ownPage)).toBe(true);
    expect(policy.isAllowed({ origin: 'http://localhost:8080', host: 'localhost:8080' }, ownPage)).toBe(true);
    expect(policy.isAllowed({ origin: 'http://localhost:8081', host: 'localhost:8080' }, ownPage)).toBe(false);
    expect(policy.isAllowed({ origin: 'http://rebound.example:8080', host: 'rebound.example:8080' }, ownPage)).toBe(false);
    const published = new OriginPolicy(loadAppConfig({ AUTH_RESOURCE_URL: 'https://mcp.example.com/mcp' }));
    expect(published.isAllowed({ origin: 'https://mcp.example.com', host: 'mcp.example.com' }, ownPage)).toBe(true);
    expect(published.isAllowed({ origin: 'https://other.example.com', host: 'other.example.com' }, ownPage)).toBe(false);
  });

  it('exposes the allow-list for CORS, never a wildcard', () => {
    expect(policy.corsOrigins).toEqual(['https://app.example.com', 'http://localhost:5173']);
  });
});
