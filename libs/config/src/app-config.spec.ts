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
    expect(() => loadAppConfig({ XDP_BASE_URL: 'ftp://nope' , XDP_ACCESS_KEY: 'a', XDP_SECRET_KEY: 'b' })).toThrow(/XDP_BASE_URL must be an absolute http\(s\) URL/);
  });

  it('records secret values for the redaction layer', () => {
    const config = loadAppConfig({ XDP_BASE_URL: 'https://xdp.example.com/api', XDP_ACCESS_KEY: 'access-1234', XDP_SECRET_KEY: 'secret-5678' });
    expect(config.secretValues).toEqual(expect.arrayContaining(['access-1234', 'secret-5678']));
    expect(config.xdp).toMatchObject({ enabled: true, baseUrl: 'https://xdp.example.com/api' });
  });

  it('treats blank values as unset', () => {
    expect(loadAppConfig({ PORT: '  ', LOG_LEVEL: '' }).server).toMatchObject({ port: 8080, logLevel: 'info' });
  });
});
