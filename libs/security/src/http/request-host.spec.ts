import { clientIp, InvalidHostError, isValidAuthority, requestHost } from './request-host.js';

describe('requestHost', () => {
  it('accepts RFC 3986 host[:port] values', () => {
    for (const host of ['localhost', 'mcp.example.com:8443', '127.0.0.1:8080', '[::1]:3000', 'a-b_c~d'])
      expect(isValidAuthority(host)).toBe(true);
  });

  it('refuses values that are not a host[:port]', () => {
    for (const host of ['a b', 'evil.com/path', 'user@host', 'host:port', 'host:99999', '', 'a%20b', 'x"y', '[zz]'])
      expect(isValidAuthority(host)).toBe(false);
  });

  it('ignores X-Forwarded-* unless the proxy is trusted', () => {
    const headers = { host: 'pod:8080', 'x-forwarded-host': 'mcp.example.com', 'x-forwarded-proto': 'https' };
    expect(requestHost(headers, false)).toEqual({ proto: 'http', host: 'pod:8080' });
    expect(requestHost(headers, true)).toEqual({ proto: 'https', host: 'mcp.example.com' });
    // An untrusted forwarded header is not even looked at, so its value cannot fail the request.
    expect(requestHost({ host: 'pod:8080', 'x-forwarded-host': 'a b' }, false).host).toBe('pod:8080');
  });

  it('throws a 400 error naming the header for a malformed value', () => {
    expect(() => requestHost({ host: 'pod', 'x-forwarded-host': 'a b' }, true)).toThrow(new InvalidHostError('X-Forwarded-Host'));
    expect(() => requestHost({ host: 'a b' }, false)).toThrow(/Host header is not a valid host\[:port\]/);
  });
});

describe('clientIp', () => {
  const socket = { remoteAddress: '10.1.1.1' };

  it('is the peer address unless the proxy is trusted, then the entry the proxy appended', () => {
    const headers = { 'x-forwarded-for': '6.6.6.6, 203.0.113.7' };
    expect(clientIp({ headers, socket }, false)).toBe('10.1.1.1');
    expect(clientIp({ headers, socket }, true)).toBe('203.0.113.7');
    expect(clientIp({ headers: {}, socket }, true)).toBe('10.1.1.1');
  });
});
