import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolveClientOptions } from './client-options.js';
import { CLIENT_NAME, CLIENT_VERSION } from './version.js';
import { redactUrl, withAccessToken } from './websocket-url.js';

describe('resolveClientOptions', () => {
  it("applies the deployment guide's defaults plus requestTimeout 60000", () => {
    expect(resolveClientOptions({ url: 'ws://localhost:8080/ws' })).toEqual({
      url: 'ws://localhost:8080/ws',
      authToken: undefined,
      reconnectInterval: 5000,
      maxReconnectAttempts: 10,
      maxReconnectInterval: 30000,
      requestTimeout: 60000,
      headers: {},
      protocolVersion: 'auto',
    });
  });

  it('accepts auto or a pinned era for protocolVersion and refuses anything else, naming the option', () => {
    expect(resolveClientOptions({ url: 'ws://localhost:8080/ws', protocolVersion: '2026-07-28' }).protocolVersion).toBe('2026-07-28');
    expect(resolveClientOptions({ url: 'ws://localhost:8080/ws', protocolVersion: '2025-11-25' }).protocolVersion).toBe('2025-11-25');
    expect(() => resolveClientOptions({ url: 'ws://localhost:8080/ws', protocolVersion: '2024-11-05' as never })).toThrow(
      new TypeError('protocolVersion must be one of auto, 2026-07-28, 2025-11-25, got 2024-11-05'),
    );
  });

  it('treats an empty token (an unset environment variable) as no token', () => {
    expect(resolveClientOptions({ url: 'ws://localhost:8080/ws', authToken: '' }).authToken).toBeUndefined();
  });

  it('keeps the reconnect cap at least as large as the first delay', () => {
    expect(resolveClientOptions({ url: 'wss://mcp.example.com/ws', reconnectInterval: 45000 }).maxReconnectInterval).toBe(45000);
  });

  it('accepts maxReconnectAttempts 0 (never reconnect)', () => {
    expect(resolveClientOptions({ url: 'ws://localhost/ws', maxReconnectAttempts: 0 }).maxReconnectAttempts).toBe(0);
  });

  it.each([
    [{ url: 'http://localhost:8080/ws' }, 'url must use the ws: or wss: scheme, got http:'],
    [{ url: '' }, 'url must be an absolute ws:// or wss:// URL, got an empty value'],
    [{ url: 'localhost:8080?access_token=secret' }, 'url must use the ws: or wss: scheme, got localhost:'],
    [{ url: '/ws?access_token=secret' }, 'url must be an absolute ws:// or wss:// URL, got a value that is not a URL'],
    [{ url: 'ws://localhost/ws', reconnectInterval: 0 }, 'reconnectInterval must be a positive integer (ms), got 0'],
    [{ url: 'ws://localhost/ws', requestTimeout: 1.5 }, 'requestTimeout must be a positive integer (ms), got 1.5'],
    [{ url: 'ws://localhost/ws', maxReconnectAttempts: -1 }, 'maxReconnectAttempts must be an integer >= 0, got -1'],
    [{ url: 'ws://localhost/ws', maxReconnectInterval: Number.NaN }, 'maxReconnectInterval must be a positive integer (ms), got NaN'],
  ])('rejects %j naming the option', (options, message) => {
    expect(() => resolveClientOptions(options)).toThrow(new TypeError(message));
  });
});

describe('WebSocket URL helpers', () => {
  it('adds the token as access_token, keeping the other query parameters', () => {
    expect(withAccessToken('ws://host:8080/ws?x=1', 'a b&c')).toBe('ws://host:8080/ws?x=1&access_token=a+b%26c');
    expect(withAccessToken('ws://host:8080/ws', undefined)).toBe('ws://host:8080/ws');
  });

  it('redacts credentials for error messages', () => {
    expect(redactUrl('wss://user:pw@host/ws?access_token=secret&x=1')).toBe('wss://host/ws?access_token=REDACTED&x=1');
  });
});

describe('client identity', () => {
  it('announces the name and version of its package.json', () => {
    const manifest = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { name: string; version: string };
    expect({ name: CLIENT_NAME, version: CLIENT_VERSION }).toEqual({ name: manifest.name, version: manifest.version });
  });
});
