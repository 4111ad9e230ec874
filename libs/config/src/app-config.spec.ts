import { ConfigValidationError } from './config.error.js';
import { loadAppConfig } from './app-config.js';

describe('loadAppConfig', () => {
  it('starts on safe defaults with an empty environment', () => {
    const config = loadAppConfig({});
    expect(config.server).toEqual({ nodeEnv: 'development', port: 8080, host: '0.0.0.0', logLevel: 'info', transport: 'http' });
    expect(config.limits.wsMaxPayloadBytes).toBe(1024 * 1024);
    expect(config.xdp.enabled).toBe(false);
    expect(config.trino.readOnly).toBe(true);
  });

  it('reports every bad variable at once, each by name', () => {
    let caught: unknown;
    try {
      loadAppConfig({ PORT: 'eighty', LOG_LEVEL: 'loud', WS_MAX_PAYLOAD_BYTES: '-1' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigValidationError);
    const problems = (caught as ConfigValidationError).problems.join('\n');
    expect(problems).toContain('PORT must be an integer');
    expect(problems).toContain('LOG_LEVEL must be one of error, warn, info, debug (got "loud")');
    expect(problems).toContain('WS_MAX_PAYLOAD_BYTES');
  });

  it('selects stdio from the --stdio flag or MCP_TRANSPORT', () => {
    expect(loadAppConfig({}, ['node', 'main.js', '--stdio']).server.transport).toBe('stdio');
    expect(loadAppConfig({ MCP_TRANSPORT: 'stdio' }).server.transport).toBe('stdio');
  });

  it('refuses an XDP URL without keys and keys without a URL, naming the variables', () => {
    expect(() => loadAppConfig({ XDP_BASE_URL: 'https://xdp.example.com/xdp-cp-service/api' })).toThrow(/XDP_ACCESS_KEY is required/);
    expect(() => loadAppConfig({ XDP_SECRET_KEY: 'shh-secret' })).toThrow(/XDP_BASE_URL is required/);
    expect(() => loadAppConfig({ XDP_BASE_URL: 'ftp://nope', XDP_ACCESS_KEY: 'a', XDP_SECRET_KEY: 'b' })).toThrow(
      /XDP_BASE_URL must be an absolute http\(s\) URL/,
    );
  });

  it('records secret values for the redaction layer', () => {
    const config = loadAppConfig({
      XDP_BASE_URL: 'https://xdp.example.com/api',
      XDP_ACCESS_KEY: 'access-1234',
      XDP_SECRET_KEY: 'secret-5678',
    });
    expect(config.secretValues).toEqual(expect.arrayContaining(['access-1234', 'secret-5678']));
    expect(config.xdp).toMatchObject({ enabled: true, baseUrl: 'https://xdp.example.com/api' });
  });

  it('treats blank values as unset', () => {
    expect(loadAppConfig({ PORT: '  ', LOG_LEVEL: '' }).server).toMatchObject({ port: 8080, logLevel: 'info' });
  });
});

describe('URL settings with credentials', () => {
  const problemsOf = (env: Record<string, string>): string => {
    try {
      loadAppConfig(env);
    } catch (error) {
      return (error as ConfigValidationError).problems.join('\n');
    }
    return '';
  };

  it.each([
    ['TRINO_URL', { TRINO_URL: 'https://svc:Pa55-planted@trino.internal:8443' }],
    ['TRINO_URL', { TRINO_URL: 'https://Pa55-planted@trino.internal:8443' }],
    ['TRINO_URL', { TRINO_URL: 'https://svc:Pa55-planted@[not a host' }],
    ['XDP_BASE_URL', { XDP_BASE_URL: 'http://ak:Pa55-planted@xdp.internal', XDP_ACCESS_KEY: 'ak-1234', XDP_SECRET_KEY: 'sk-1234' }],
    ['AUTH_JWKS_URL', { AUTH_JWKS_URL: 'https://u:Pa55-planted@idp.example.com/jwks', AUTH_JWT_AUDIENCE: 'a' }],
    ['AUTH_AUTHORIZATION_SERVERS', { AUTH_AUTHORIZATION_SERVERS: 'https://u:Pa55-planted@idp.example.com' }],
    ['CORS_ORIGINS', { CORS_ORIGINS: 'https://u:Pa55-planted@app.example.com' }],
  ])('refuses %s with user:password@, naming the variable and never the password', (name, env) => {
    const problems = problemsOf(env);
    expect(problems).toContain(`${name} must not contain credentials`);
    expect(problems).not.toContain('Pa55-planted');
  });

  it('lists the upstream URLs as internal endpoints and the Trino Basic pair as a secret', () => {
    const config = loadAppConfig({ TRINO_URL: 'https://trino.internal:8443', TRINO_USER: 'svc', TRINO_PASSWORD: 'pw-123456' });
    expect(config.internalEndpoints).toEqual([{ label: 'Trino', url: 'https://trino.internal:8443' }]);
    expect(config.secretValues).toEqual(expect.arrayContaining(['pw-123456', 'svc:pw-123456']));
  });
});
