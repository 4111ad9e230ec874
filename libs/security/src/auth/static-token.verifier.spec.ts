import { StaticTokenVerifier } from './static-token.verifier.js';

describe('StaticTokenVerifier', () => {
  const verifier = new StaticTokenVerifier(
    [{ token: 'first-token-aaaa' }, { token: 'second-token-bbbb' }, { token: 'third-token-cccc', name: 'etl.bot' }],
    ['sql:read'],
  );

  it('labels each token by its position and grants the configured scopes', () => {
    expect(verifier.verify('first-token-aaaa')).toEqual({ subject: 'static-token-1', scopes: ['sql:read'], authenticated: true });
    expect(verifier.verify('second-token-bbbb')?.subject).toBe('static-token-2');
  });

  it('gives a named token its name as subject and user; unnamed tokens have no user', () => {
    expect(verifier.verify('third-token-cccc')).toEqual({ subject: 'etl.bot', user: 'etl.bot', scopes: ['sql:read'], authenticated: true });
    expect(verifier.verify('first-token-aaaa')?.user).toBeUndefined();
  });

  it.each(['', 'first-token-aaa', 'first-token-aaaaa', 'FIRST-TOKEN-AAAA', 'second-token-bbbb '])(
    'refuses near misses (%p)',
    (candidate) => {
      expect(verifier.verify(candidate)).toBeUndefined();
    },
  );

  it('reports whether any token is configured', () => {
    expect(verifier.configured).toBe(true);
    expect(new StaticTokenVerifier([], []).configured).toBe(false);
  });
});
