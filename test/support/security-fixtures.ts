import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Injectable, Module } from '@nestjs/common';
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { ToolProvider, type ToolDefinition, type ToolSource } from '#tool-contract';

export const JWT_SECRET = 'e2e-jwt-secret-that-is-long-enough-0123456789';
export const ISSUER = 'https://issuer.e2e.example';
export const AUDIENCE = 'xdp-mcp-e2e';

export interface TokenOptions {
  subject?: string;
  scope?: string;
  scp?: string[];
  issuer?: string;
  audience?: string;
  /** Seconds from now; negative = already expired. */
  expiresIn?: number;
  withoutExpiry?: boolean;
}

/** An HS256 JWT signed with `secret`, valid for the e2e issuer and audience unless told otherwise. */
export async function hsToken(options: TokenOptions = {}, secret = JWT_SECRET): Promise<string> {
  return sign(new SignJWT(claims(options)).setProtectedHeader({ alg: 'HS256' }), options).sign(new TextEncoder().encode(secret));
}

function claims({ scope, scp }: TokenOptions): Record<string, unknown> {
  return { ...(scope !== undefined ? { scope } : {}), ...(scp !== undefined ? { scp } : {}) };
}

function sign(
  jwt: SignJWT,
  { subject = 'alice', issuer = ISSUER, audience = AUDIENCE, expiresIn = 300, withoutExpiry = false }: TokenOptions,
): SignJWT {
  jwt.setSubject(subject).setIssuer(issuer).setAudience(audience).setIssuedAt();
  if (!withoutExpiry) jwt.setExpirationTime(Math.floor(Date.now() / 1000) + expiresIn);
  return jwt;
}

export interface SigningKey {
  kid: string;
  alg: 'RS256' | 'ES256';
  privateKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
  publicJwk: JWK;
}

export async function signingKey(kid: string, alg: 'RS256' | 'ES256'): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { kid, alg, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

export async function asymmetricToken(key: SigningKey, options: TokenOptions = {}): Promise<string> {
  return sign(new SignJWT(claims(options)).setProtectedHeader({ alg: key.alg, kid: key.kid }), options).sign(key.privateKey);
}

/** A real JWKS endpoint on 127.0.0.1:0 whose key list the test can rotate; counts fetches. */
export class JwksServer {
  keys: JWK[] = [];
  fetches = 0;
  private readonly server: Server = createServer((request, response) => {
    this.fetches++;
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: this.keys }));
  });

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/jwks.json`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** A tool with a SQL `query` argument, to see what the audit line makes of it. */
const sqlTool: ToolDefinition<{ query: string }> = {
  name: 'test_sql',
  title: 'SQL probe',
  description: 'Accepts a query and reports its length',
  inputSchema: {
    type: 'object',
    properties: { query: { type: 'string', minLength: 1 } },
    required: ['query'],
    additionalProperties: false,
  },
  annotations: { readOnlyHint: true },
  async handler({ query }) {
    return { text: `received ${query.length} characters` };
  },
};

@ToolProvider()
@Injectable()
class SqlProbeProvider implements ToolSource {
  tools() {
    return [sqlTool];
  }
}

@Module({ providers: [SqlProbeProvider] })
export class SqlProbeModule {}

export interface AuditLine {
  context: string;
  principal: string;
  transport: string;
  tool: string;
  outcome: string;
  error?: string;
  durationMs: number;
  sqlFingerprint?: string;
}

/** The `Audit` lines of a captured log, parsed. */
export function auditLines(logs: string): AuditLine[] {
  return logs
    .split('\n')
    .filter((line) => line.includes('"context":"Audit"'))
    .map((line) => JSON.parse(line) as AuditLine);
}
