import { configProblems } from '../config-problems.testing.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadAppConfig } from '../app-config.js';
import { knownSettings } from '../known-settings.js';

const SECRET = 'a-jwt-secret-of-at-least-32-bytes!!';

describe('auth configuration', () => {
  it('defaults: no auth, no origins, rate and connection limits on, audit on', () => {
    const { auth } = loadAppConfig({});
    expect(auth).toEqual({
      mode: 'auto',
      tokens: [],
      jwt: undefined,
      locked: false,
      toolScopes: [],
      catalogScopes: [],
      authorizationServers: [],
      resourceUrl: undefined,
      corsOrigins: [],
      allowedHosts: [],
      rateLimit: { requests: 3000, windowSeconds: 60 },
      authFailureLimit: { failures: 20, windowSeconds: 300 },
      trustProxy: false,
      wsMaxConnectionsPerClient: 256,
      maxInFlightPerSession: 64,
      auditLog: true,
    });
  });

  it('reads comma-separated tokens and a tokens file (comments and blanks skipped), recording all as secrets', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tokens-'));
    const file = join(dir, 'tokens');
    writeFileSync(file, '# bolt.diy\nfile-token-0001\n\n  file-token-0002  \n');
    const config = loadAppConfig({ MCP_AUTH_TOKEN: 'env-token-1, env-token-2', MCP_AUTH_TOKENS_FILE: file });
    expect(config.auth.tokens.map(({ token }) => token)).toEqual(['env-token-1', 'env-token-2', 'file-token-0001', 'file-token-0002']);
    expect(config.secretValues).toEqual(expect.arrayContaining(config.auth.tokens.map(({ token }) => token)));
  });

  it('reads named tokens (name=token) and keeps padded base64 tokens unnamed', () => {
    const config = loadAppConfig({ MCP_AUTH_TOKEN: 'etl.bot=named-token-0001, bare-token-0002, YmFzZTY0dG9rZW4==' });
    expect(config.auth.tokens).toEqual([
      { name: 'etl.bot', token: 'named-token-0001' },
      { token: 'bare-token-0002' },
      { token: 'YmFzZTY0dG9rZW4==' },
    ]);
    expect(config.secretValues).toEqual(expect.arrayContaining(['named-token-0001', 'etl.bot=named-token-0001']));
    expect(configProblems({ MCP_AUTH_TOKEN: 'bad"name=named-token-0001' })).toContain('token name "bad"name" is not a valid user name');
  });

  it('reads catalog scopes like tool scopes and requires JWT for them', () => {
    const jwt = { AUTH_JWT_SECRET: SECRET };
    expect(loadAppConfig({ ...jwt, AUTH_CATALOG_SCOPES: 'Sales=sql:sales, hr*=sql:hr, *=sql:all' }).auth.catalogScopes).toEqual([
      { catalog: 'sales', scope: 'sql:sales' },
      { catalog: 'hr*', scope: 'sql:hr' },
      { catalog: '*', scope: 'sql:all' },
    ]);
    expect(configProblems({ ...jwt, AUTH_CATALOG_SCOPES: 'a.b=x' })).toContain('AUTH_CATALOG_SCOPES entries must look like catalog=scope');
    expect(configProblems({ AUTH_CATALOG_SCOPES: 'sales=x' })).toContain('AUTH_CATALOG_SCOPES needs JWT authentication');
    expect(configProblems({ TRINO_AUTH: 'passthrough' })).toContain('TRINO_AUTH=passthrough needs JWT authentication');
    expect(configProblems({ ...jwt, TRINO_AUTH: 'passthrough' })).toBe('');
  });

  it('names an unreadable or empty tokens file', () => {
    expect(configProblems({ MCP_AUTH_TOKENS_FILE: '/nonexistent/tokens' })).toContain('MCP_AUTH_TOKENS_FILE cannot be read (ENOENT');
    const file = join(mkdtempSync(join(tmpdir(), 'tokens-')), 'empty');
    writeFileSync(file, '# nothing\n');
    expect(configProblems({ MCP_AUTH_TOKENS_FILE: file })).toContain('MCP_AUTH_TOKENS_FILE contains no tokens');
  });

  it('requires 16-character tokens in production and refuses trivially short ones anywhere', () => {
    expect(configProblems({ NODE_ENV: 'production', MCP_AUTH_TOKEN: 'short-token' })).toContain(
      'at least 16 characters long in production',
    );
    expect(configProblems({ MCP_AUTH_TOKEN: 'abc' })).toContain('at least 4 characters');
    expect(configProblems({ NODE_ENV: 'production', MCP_AUTH_TOKEN: 'a-long-enough-token-123' })).toBe('');
  });

  it('reads HS256 JWT settings and records the secret', () => {
    const config = loadAppConfig({
      AUTH_JWT_SECRET: SECRET,
      AUTH_JWT_ISSUER: 'https://idp',
      AUTH_JWT_AUDIENCE: 'a, b',
      AUTH_JWT_CLOCK_SKEW_SECONDS: '5',
    });
    expect(config.auth.jwt).toEqual({
      secret: SECRET,
      jwksUrl: undefined,
      userClaim: 'sub',
      issuer: 'https://idp',
      audience: ['a', 'b'],
      clockSkewSeconds: 5,
      jwksCacheSeconds: 600,
      jwksCooldownSeconds: 30,
    });
    expect(config.secretValues).toContain(SECRET);
  });

  it('refuses a short HMAC secret, both key sources at once, JWKS without audience, and claims checks without keys', () => {
    expect(configProblems({ AUTH_JWT_SECRET: 'too-short' })).toContain('AUTH_JWT_SECRET must be at least 32 bytes');
    expect(configProblems({ AUTH_JWT_SECRET: SECRET, AUTH_JWKS_URL: 'https://idp/jwks', AUTH_JWT_AUDIENCE: 'x' })).toContain(
      'Set only one of AUTH_JWT_SECRET',
    );
    expect(configProblems({ AUTH_JWKS_URL: 'https://idp/jwks' })).toContain('AUTH_JWT_AUDIENCE is required with AUTH_JWKS_URL');
    expect(configProblems({ AUTH_JWKS_URL: 'not a url', AUTH_JWT_AUDIENCE: 'x' })).toContain(
      'AUTH_JWKS_URL must be an absolute http(s) URL',
    );
    expect(configProblems({ AUTH_JWT_AUDIENCE: 'x' })).toContain('need AUTH_JWT_SECRET or AUTH_JWKS_URL');
  });

  it('parses AUTH_TOOL_SCOPES, including prefixes, and needs JWT for them', () => {
    const config = loadAppConfig({ AUTH_JWT_SECRET: SECRET, AUTH_TOOL_SCOPES: 'trino_execute_query=sql:read, xdp_*=xdp:read' });
    expect(config.auth.toolScopes).toEqual([
      { tool: 'trino_execute_query', scope: 'sql:read' },
      { tool: 'xdp_*', scope: 'xdp:read' },
    ]);
    expect(configProblems({ AUTH_JWT_SECRET: SECRET, AUTH_TOOL_SCOPES: 'no-equals-sign' })).toContain(
      'AUTH_TOOL_SCOPES entries must look like',
    );
    expect(configProblems({ MCP_AUTH_TOKEN: 'some-token', AUTH_TOOL_SCOPES: 'a=b' })).toContain(
      'AUTH_TOOL_SCOPES needs JWT authentication',
    );
  });

  it('normalises CORS origins and refuses wildcards and non-origins', () => {
    expect(loadAppConfig({ CORS_ORIGINS: 'https://App.Example.com/, http://localhost:5173' }).auth.corsOrigins).toEqual([
      'https://app.example.com',
      'http://localhost:5173',
    ]);
    expect(configProblems({ CORS_ORIGINS: '*' })).toContain('CORS_ORIGINS must list origins explicitly');
    expect(configProblems({ CORS_ORIGINS: 'https://app.example.com/path' })).toContain('CORS_ORIGINS entries must be origins');
  });

  it('normalises ALLOWED_HOSTS to lower-case names and refuses wildcards, ports and URLs, naming the variable', () => {
    expect(
      loadAppConfig({ ALLOWED_HOSTS: 'MCP.Example.com, xdp-mcp-server.xdp.svc.cluster.local., 10.0.0.7, [::1]' }).auth.allowedHosts,
    ).toEqual(['mcp.example.com', 'xdp-mcp-server.xdp.svc.cluster.local', '10.0.0.7', '[::1]']);
    expect(loadAppConfig({}).auth.allowedHosts).toEqual([]);
    expect(configProblems({ ALLOWED_HOSTS: '*' })).toContain('ALLOWED_HOSTS must list host names explicitly');
    expect(configProblems({ ALLOWED_HOSTS: 'mcp.example.com:443' })).toContain('ALLOWED_HOSTS entries must be host names');
    expect(configProblems({ ALLOWED_HOSTS: 'https://mcp.example.com' })).toContain('ALLOWED_HOSTS entries must be host names');
    expect(configProblems({ ALLOWED_HOSTS: '[:::]' })).toContain('ALLOWED_HOSTS entries must be host names');
  });

  it('locks production over HTTP without credentials instead of refusing to start; AUTH_MODE=none, stdio and credentials unlock it', () => {
    expect(configProblems({ NODE_ENV: 'production' })).toBe('');
    expect(loadAppConfig({ NODE_ENV: 'production' }).auth.locked).toBe(true);
    expect(loadAppConfig({ NODE_ENV: 'production', AUTH_MODE: 'none' }).auth.locked).toBe(false);
    expect(loadAppConfig({ NODE_ENV: 'production', MCP_TRANSPORT: 'stdio' }).auth.locked).toBe(false);
    expect(loadAppConfig({ NODE_ENV: 'production', MCP_AUTH_TOKEN: 'a-long-enough-token-123' }).auth.locked).toBe(false);
    expect(loadAppConfig({ NODE_ENV: 'production', AUTH_JWT_SECRET: SECRET }).auth.locked).toBe(false);
    expect(loadAppConfig({ NODE_ENV: 'development' }).auth.locked).toBe(false);
  });

  it('refuses AUTH_MODE=none together with credentials', () => {
    expect(configProblems({ AUTH_MODE: 'none', MCP_AUTH_TOKEN: 'some-token' })).toContain('AUTH_MODE=none contradicts');
  });

  it('validates the limit settings by name', () => {
    const refusal = configProblems({
      RATE_LIMIT_REQUESTS: '-1',
      RATE_LIMIT_WINDOW_SECONDS: '0',
      WS_MAX_CONNECTIONS_PER_CLIENT: 'many',
      AUDIT_LOG: 'maybe',
    });
    for (const name of ['RATE_LIMIT_REQUESTS', 'RATE_LIMIT_WINDOW_SECONDS', 'WS_MAX_CONNECTIONS_PER_CLIENT', 'AUDIT_LOG'])
      expect(refusal).toContain(name);
  });

  it('lists every auth variable in knownSettings', () => {
    const names = knownSettings();
    for (const name of [
      'AUTH_MODE',
      'MCP_AUTH_TOKEN',
      'MCP_AUTH_TOKENS_FILE',
      'AUTH_JWT_SECRET',
      'AUTH_JWKS_URL',
      'AUTH_JWT_ISSUER',
      'AUTH_JWT_AUDIENCE',
      'AUTH_JWT_CLOCK_SKEW_SECONDS',
      'AUTH_JWKS_CACHE_SECONDS',
      'AUTH_JWKS_COOLDOWN_SECONDS',
      'AUTH_TOOL_SCOPES',
      'AUTH_AUTHORIZATION_SERVERS',
      'AUTH_RESOURCE_URL',
      'CORS_ORIGINS',
      'ALLOWED_HOSTS',
      'RATE_LIMIT_REQUESTS',
      'RATE_LIMIT_WINDOW_SECONDS',
      'WS_MAX_CONNECTIONS_PER_CLIENT',
      'MAX_IN_FLIGHT_PER_SESSION',
      'AUDIT_LOG',
    ]) {
      expect(names).toContain(name);
    }
  });
});
