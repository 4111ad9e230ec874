import { bearerToken, looksLikeJwt } from './bearer-token.js';

describe('bearerToken', () => {
  it('reads the Authorization header, case-insensitively on the scheme', () => {
    expect(bearerToken({ headers: { authorization: 'Bearer abc.def' } })).toBe('abc.def');
    expect(bearerToken({ headers: { authorization: 'bearer   xyz ' } })).toBe('xyz');
  });

  it('ignores other schemes and malformed headers', () => {
    expect(bearerToken({ headers: { authorization: 'Basic dXNlcjpwYXNz' } })).toBeUndefined();
    expect(bearerToken({ headers: { authorization: 'Bearer two parts' } })).toBeUndefined();
  });

  it('falls back to access_token only when a URL is passed (the WebSocket upgrade)', () => {
    expect(bearerToken({ headers: {}, url: '/ws?access_token=tok%2Ben' })).toBe('tok+en');
    expect(bearerToken({ headers: {}, url: '/ws?access_token=' })).toBeUndefined();
    expect(bearerToken({ headers: { authorization: 'Bearer header-wins' }, url: '/ws?access_token=query' })).toBe('header-wins');
    expect(bearerToken({ headers: {} })).toBeUndefined();
  });
});

describe('looksLikeJwt', () => {
  it('recognises the compact serialization only', () => {
    expect(looksLikeJwt('eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhIn0.c2ln')).toBe(true);
    expect(looksLikeJwt('static-token')).toBe(false);
    expect(looksLikeJwt('a.b')).toBe(false);
    expect(looksLikeJwt('a.b.c.d')).toBe(false);
  });
});
