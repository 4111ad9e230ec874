import { SignJWT } from 'jose';
import { JwtRejection, JwtVerifier, scopesOf } from './jwt.verifier.js';

const SECRET = 'unit-test-secret-with-at-least-32-bytes';
const key = new TextEncoder().encode(SECRET);
const now = () => Math.floor(Date.now() / 1000);

function verifier(overrides: Partial<ConstructorParameters<typeof JwtVerifier>[0]> = {}, requireUser = false): JwtVerifier {
  return new JwtVerifier(
    {
      secret: SECRET,
      userClaim: 'sub',
      audience: ['api'],
      issuer: 'https://idp',
      clockSkewSeconds: 30,
      jwksCacheSeconds: 600,
      jwksCooldownSeconds: 30,
      ...overrides,
    },
    requireUser,
  );
}

/** `exp: null` leaves the claim out. */
function token(claims: Record<string, unknown>, exp: number | null = now() + 60): Promise<string> {
  const jwt = new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setIssuer('https://idp').setAudience('api');
  if (exp !== null) jwt.setExpirationTime(exp);
  return jwt.sign(key);
}

async function rejection(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(JwtRejection);
  return (error as Error).message;
}

describe('JwtVerifier (HS256)', () => {
  it('turns a valid token into a principal with its subject and scopes', async () => {
    await expect(verifier().verify(await token({ sub: 'alice', scope: 'a b' }))).resolves.toEqual({
      subject: 'alice',
      user: 'alice',
      scopes: ['a', 'b'],
      authenticated: true,
    });
  });

  it('falls back to client_id or azp for machine tokens without sub', async () => {
    await expect(verifier().verify(await token({ client_id: 'svc-1' }))).resolves.toMatchObject({ subject: 'svc-1' });
    await expect(verifier().verify(await token({ azp: 'svc-2' }))).resolves.toMatchObject({ subject: 'svc-2' });
    expect(await rejection(verifier().verify(await token({})))).toContain('no subject');
  });

  it('applies the clock skew to expiry', async () => {
    const expiredRecently = await token({ sub: 'a' }, now() - 10);
    await expect(verifier().verify(expiredRecently)).resolves.toMatchObject({ subject: 'a' });
    expect(await rejection(verifier({ clockSkewSeconds: 0 }).verify(expiredRecently))).toBe('token expired');
  });

  it('requires an expiry', async () => {
    expect(await rejection(verifier().verify(await token({ sub: 'a' }, null)))).toContain('"exp"');
  });

  it('checks audience and issuer only when configured', async () => {
    const forOtherAudience = await new SignJWT({ sub: 'a' })
      .setProtectedHeader({ alg: 'HS256' })
      .setAudience('other')
      .setIssuer('https://idp')
      .setExpirationTime('1m')
      .sign(key);
    const fromOtherIssuer = await new SignJWT({ sub: 'a' })
      .setProtectedHeader({ alg: 'HS256' })
      .setAudience('api')
      .setIssuer('https://elsewhere')
      .setExpirationTime('1m')
      .sign(key);
    expect(await rejection(verifier().verify(forOtherAudience))).toContain('"aud"');
    expect(await rejection(verifier().verify(fromOtherIssuer))).toContain('"iss"');
    await expect(verifier({ audience: [] }).verify(forOtherAudience)).resolves.toMatchObject({ subject: 'a' });
    await expect(verifier({ issuer: undefined }).verify(fromOtherIssuer)).resolves.toMatchObject({ subject: 'a' });
  });

  it('rejects a token signed with another secret without echoing it', async () => {
    const forged = await new SignJWT({ sub: 'a' })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer('https://idp')
      .setAudience('api')
      .setExpirationTime('1m')
      .sign(new TextEncoder().encode('x'.repeat(40)));
    const message = await rejection(verifier().verify(forged));
    expect(message).toBe('token signature is invalid');
    expect(message).not.toContain(forged);
  });

  it('reuses a verification for the same token, never past its expiry', async () => {
    jest.useFakeTimers({ now: Date.now(), doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    try {
      const strict = verifier({ clockSkewSeconds: 0 });
      const shortLived = await token({ sub: 'a' }, now() + 5);
      const first = await strict.verify(shortLived);
      jest.advanceTimersByTime(3000);
      expect(await strict.verify(shortLived)).toBe(first);
      jest.advanceTimersByTime(10_000);
      expect(await rejection(strict.verify(shortLived))).toBe('token expired');
    } finally {
      jest.useRealTimers();
    }
  });

  it('rejects garbage as malformed', async () => {
    expect(await rejection(verifier().verify('a.b.c'))).toBe('token is malformed');
  });
});

describe('scopesOf', () => {
  it('merges the OAuth scope string and the scp claim (array or string), without duplicates', () => {
    expect(scopesOf({ scope: 'a  b', scp: ['b', 'c', 7 as unknown as string] })).toEqual(['a', 'b', 'c']);
    expect(scopesOf({ scp: 'x y' })).toEqual(['x', 'y']);
    expect(scopesOf({})).toEqual([]);
  });

  describe('user claim (AUTH_JWT_USER_CLAIM)', () => {
    it('takes the user from the configured claim', async () => {
      const principal = await verifier({ userClaim: 'email' }).verify(await token({ sub: 'u-1', email: 'ann@example.com' }));
      expect(principal).toMatchObject({ subject: 'u-1', user: 'ann@example.com' });
    });

    it('leaves an unusable user out unless a user is required', async () => {
      const jwt = await token({ sub: 'u-1', email: 'ann, admin' });
      expect((await verifier({ userClaim: 'email' }).verify(jwt)).user).toBeUndefined();
      const error = await verifier({ userClaim: 'email' }, true)
        .verify(jwt)
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(JwtRejection);
      expect((error as JwtRejection).forbidden).toBe(true);
      expect((error as JwtRejection).message).toContain('"email" claim that is not a valid user name');
      expect((error as JwtRejection).message).not.toContain('admin');
    });

    it('refuses a token without the claim when a user is required', async () => {
      expect(await rejection(verifier({ userClaim: 'preferred_username' }, true).verify(await token({ sub: 'u-1' })))).toContain(
        'has no "preferred_username" claim',
      );
    });
  });
});
