import { readFileSync } from 'node:fs';
import type { EnvReader } from '../env-reader.js';
import type { ServerConfig } from './server.config.js';

export const AUTH_MODES = ['auto', 'none'] as const;

/** RFC 7518 §3.2: an HMAC key must be at least as long as the hash output (256 bits). */
const MIN_JWT_SECRET_BYTES = 32;
/** Shorter static tokens are guessable, and the log scrubber ignores values under 4 characters. */
const MIN_TOKEN_LENGTH = 16;
/**
 * What a caller's user name (a named token's name, the JWT user claim) may look like: it is sent
 * to Trino as X-Trino-User and matched by Trino's access-control rules, so no spaces, commas,
 * quotes or control characters.
 */
export const SAFE_USER_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.@+|:-]{0,127}$/;
/**
 * `name=token`: the name is a user name and the token does not start with `=`, so an unnamed
 * base64 token with padding (`abc…==`) keeps meaning itself.
 */
const NAMED_TOKEN = /^([^=\s]+)=([^=].*)$/;

export interface JwtConfig {
  /** HS256 shared secret (AUTH_JWT_SECRET); exclusive with `jwksUrl`. */
  secret?: string;
  /** Remote key set for RS256/ES256 tokens (AUTH_JWKS_URL). */
  jwksUrl?: string;
  /** The claim naming the caller's user (AUTH_JWT_USER_CLAIM): sent to Trino when impersonating. */
  userClaim: string;
  issuer?: string;
  /** Accepted `aud` values; empty = audience not checked. */
  audience: string[];
  clockSkewSeconds: number;
  /** How long a fetched key set is trusted before it is fetched again. */
  jwksCacheSeconds: number;
  /** Minimum pause between key set fetches (an unknown `kid` triggers one). */
  jwksCooldownSeconds: number;
}

/** One AUTH_TOOL_SCOPES entry: a tool name (or `prefix*`) and the scope it requires. */
export interface ToolScopeRule {
  tool: string;
  scope: string;
}

/** One AUTH_CATALOG_SCOPES entry: a catalog (`prefix*`, or `*` for every catalog) and the scope it requires. */
export interface CatalogScopeRule {
  catalog: string;
  scope: string;
}

/** A static bearer token; a named one (`name=token`) gives its caller that user name. */
export interface StaticToken {
  token: string;
  name?: string;
}

export interface RateLimitConfig {
  /** Requests (HTTP requests and WebSocket messages) per principal per window; 0 = unlimited. */
  requests: number;
  windowSeconds: number;
}

export interface AuthFailureLimitConfig {
  /** Failed authentications (401) per client IP per window before that IP gets 429; 0 = unlimited. */
  failures: number;
  windowSeconds: number;
}

export interface AuthConfig {
  /** `none` disables authentication explicitly (required to run production without auth). */
  mode: (typeof AUTH_MODES)[number];
  /** Static bearer tokens (MCP_AUTH_TOKEN, comma-separated, plus MCP_AUTH_TOKENS_FILE, one per line), each `token` or `name=token`. */
  tokens: StaticToken[];
  /** Present when JWT validation is configured. */
  jwt?: JwtConfig;
  /**
   * Production over HTTP with no credential configured and no AUTH_MODE=none: the server starts
   * (probes pass, no crash loop) but refuses every client request until a credential is set.
   */
  locked: boolean;
  /** Per-tool scope requirements; empty = every authenticated caller may call every tool. */
  toolScopes: ToolScopeRule[];
  /** Per-catalog scope requirements; empty = no per-caller catalog bound. Non-empty = a catalog without a rule is closed. */
  catalogScopes: CatalogScopeRule[];
  /** Published in the OAuth protected-resource metadata; defaults to the JWT issuer. */
  authorizationServers: string[];
  /** Public URL of the /mcp endpoint (the OAuth resource identifier); derived from the request when unset. */
  resourceUrl?: string;
  /** Browser origins allowed by CORS and on /mcp and /ws; empty = no cross-origin browser access. */
  corsOrigins: string[];
  /**
   * Host names (lower-case, no port) besides the localhost names that requests may address: the
   * public and in-cluster names behind an ingress. The DNS-rebinding defence refuses any other Host.
   */
  allowedHosts: string[];
  rateLimit: RateLimitConfig;
  /** Brute-force brake: repeated failed authentications from one client IP. */
  authFailureLimit: AuthFailureLimitConfig;
  /**
   * Trust X-Forwarded-For/-Host/-Proto (set by the ingress). Off by default: a client reaching the
   * pod directly could otherwise choose its own IP (rate limits) and host (OAuth metadata URLs).
   */
  trustProxy: boolean;
  /** Open WebSocket connections per principal (or IP when anonymous); 0 = unlimited. */
  wsMaxConnectionsPerClient: number;
  /** Tool calls running at once in one MCP session; 0 = unlimited. */
  maxInFlightPerSession: number;
  /** One `Audit` log line per tool call. */
  auditLog: boolean;
}

export function readAuthConfig(env: EnvReader, server: Pick<ServerConfig, 'nodeEnv' | 'transport'>): AuthConfig {
  const mode = env.oneOf('AUTH_MODE', AUTH_MODES, 'auto');
  const tokens = readStaticTokens(env, server.nodeEnv === 'production');
  const jwt = readJwtConfig(env);
  const toolScopes = readToolScopes(env);
  const catalogScopes = readCatalogScopes(env);
  const config: AuthConfig = {
    mode,
    tokens,
    jwt,
    locked: false,
    toolScopes,
    catalogScopes,
    authorizationServers: readUrlList(env, 'AUTH_AUTHORIZATION_SERVERS'),
    resourceUrl: env.httpUrl('AUTH_RESOURCE_URL'),
    corsOrigins: readOrigins(env),
    allowedHosts: readAllowedHosts(env),
    rateLimit: {
      requests: env.int('RATE_LIMIT_REQUESTS', 3000, { min: 0, max: 10_000_000 }),
      windowSeconds: env.int('RATE_LIMIT_WINDOW_SECONDS', 60, { min: 1, max: 86_400 }),
    },
    authFailureLimit: {
      failures: env.int('AUTH_FAILURE_LIMIT', 20, { min: 0, max: 1_000_000 }),
      windowSeconds: env.int('AUTH_FAILURE_WINDOW_SECONDS', 300, { min: 1, max: 86_400 }),
    },
    trustProxy: env.bool('TRUST_PROXY', false),
    wsMaxConnectionsPerClient: env.int('WS_MAX_CONNECTIONS_PER_CLIENT', 256, { min: 0, max: 1_000_000 }),
    maxInFlightPerSession: env.int('MAX_IN_FLIGHT_PER_SESSION', 64, { min: 0, max: 100_000 }),
    auditLog: env.bool('AUDIT_LOG', true),
  };
  checkConsistency(env, config);
  // stdio serves a single local parent process and opens no network port, so it is never locked.
  const configured = config.tokens.length > 0 || config.jwt !== undefined;
  config.locked = server.nodeEnv === 'production' && server.transport === 'http' && mode === 'auto' && !configured;
  return config;
}

function readStaticTokens(env: EnvReader, production: boolean): StaticToken[] {
  const entries = [...env.list('MCP_AUTH_TOKEN'), ...readTokensFile(env)];
  // The whole entry is secret too: a log line quoting `name=token` must lose the token either way.
  for (const entry of entries) env.secrets.push(entry);
  const tokens = entries.map(parseStaticToken);
  for (const { token } of tokens) env.secrets.push(token);
  const minLength = production ? MIN_TOKEN_LENGTH : 4;
  if (tokens.some(({ token }) => token.length < minLength)) {
    env.problem(
      `MCP_AUTH_TOKEN / MCP_AUTH_TOKENS_FILE tokens must be at least ${minLength} characters long${production ? ' in production' : ''}`,
    );
  }
  if (tokens.some(({ token }) => /\s/.test(token))) env.problem('MCP_AUTH_TOKEN / MCP_AUTH_TOKENS_FILE tokens must not contain whitespace');
  for (const { name } of tokens) {
    // The name is not secret (it is the caller's user name), so it may be quoted.
    if (name !== undefined && !SAFE_USER_NAME.test(name))
      env.problem(`MCP_AUTH_TOKEN / MCP_AUTH_TOKENS_FILE token name "${name}" is not a valid user name (${SAFE_USER_NAME})`);
  }
  const seen = new Set<string>();
  return tokens.filter(({ token }) => !seen.has(token) && seen.add(token));
}

function parseStaticToken(entry: string): StaticToken {
  const match = NAMED_TOKEN.exec(entry);
  return match ? { name: match[1], token: match[2] } : { token: entry };
}

/** One token per line; blank lines and `#` comments are skipped (lets operators label tokens). */
function readTokensFile(env: EnvReader): string[] {
  const path = env.string('MCP_AUTH_TOKENS_FILE');
  if (path === undefined) return [];
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    env.problem(`MCP_AUTH_TOKENS_FILE cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'}: ${path})`);
    return [];
  }
  const tokens = text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  if (tokens.length === 0) env.problem(`MCP_AUTH_TOKENS_FILE contains no tokens (${path})`);
  return tokens;
}

function readJwtConfig(env: EnvReader): JwtConfig | undefined {
  const secret = env.secret('AUTH_JWT_SECRET');
  const jwksUrl = env.httpUrl('AUTH_JWKS_URL');
  const userClaim = env.string('AUTH_JWT_USER_CLAIM', 'sub');
  const issuer = env.string('AUTH_JWT_ISSUER');
  const audience = env.list('AUTH_JWT_AUDIENCE');
  const clockSkewSeconds = env.int('AUTH_JWT_CLOCK_SKEW_SECONDS', 30, { min: 0, max: 600 });
  const jwksCacheSeconds = env.int('AUTH_JWKS_CACHE_SECONDS', 600, { min: 0, max: 86_400 });
  const jwksCooldownSeconds = env.int('AUTH_JWKS_COOLDOWN_SECONDS', 30, { min: 0, max: 3600 });
  if (secret !== undefined && env.isSet('AUTH_JWKS_URL'))
    env.problem('Set only one of AUTH_JWT_SECRET (HS256) and AUTH_JWKS_URL (RS256/ES256)');
  if (secret !== undefined && Buffer.byteLength(secret, 'utf8') < MIN_JWT_SECRET_BYTES) {
    env.problem(`AUTH_JWT_SECRET must be at least ${MIN_JWT_SECRET_BYTES} bytes long (HS256 needs a 256-bit key)`);
  }
  // A third-party identity provider signs tokens for many applications: without an audience
  // check, any token it issued for anything would open this server.
  if (env.isSet('AUTH_JWKS_URL') && audience.length === 0) env.problem('AUTH_JWT_AUDIENCE is required with AUTH_JWKS_URL');
  if (secret === undefined && jwksUrl === undefined) {
    if (issuer !== undefined || audience.length > 0)
      env.problem('AUTH_JWT_ISSUER / AUTH_JWT_AUDIENCE need AUTH_JWT_SECRET or AUTH_JWKS_URL');
    return undefined;
  }
  return { secret, jwksUrl, userClaim, issuer, audience, clockSkewSeconds, jwksCacheSeconds, jwksCooldownSeconds };
}

/** `tool=scope` pairs, comma-separated; `prefix*=scope` covers a family of tools; a tool may repeat. */
function readToolScopes(env: EnvReader): ToolScopeRule[] {
  const rules: ToolScopeRule[] = [];
  for (const entry of env.list('AUTH_TOOL_SCOPES')) {
    const match = /^([A-Za-z0-9_-]+\*?)\s*=\s*(\S+)$/.exec(entry);
    if (!match) {
      env.problem(`AUTH_TOOL_SCOPES entries must look like tool_name=scope or tool_prefix*=scope (got "${entry}")`);
      continue;
    }
    rules.push({ tool: match[1], scope: match[2] });
  }
  return rules;
}

/** `catalog=scope` pairs, comma-separated, like AUTH_TOOL_SCOPES; `prefix*=scope` and `*=scope` cover several catalogs. */
function readCatalogScopes(env: EnvReader): CatalogScopeRule[] {
  const rules: CatalogScopeRule[] = [];
  for (const entry of env.list('AUTH_CATALOG_SCOPES')) {
    const match = /^([A-Za-z0-9_-]*\*?)\s*=\s*(\S+)$/.exec(entry);
    if (!match || match[1] === '') {
      env.problem(`AUTH_CATALOG_SCOPES entries must look like catalog=scope, catalog_prefix*=scope or *=scope (got "${entry}")`);
      continue;
    }
    // Catalog names are matched as Trino matches identifiers: case-insensitively.
    rules.push({ catalog: match[1].toLowerCase(), scope: match[2] });
  }
  return rules;
}

function readOrigins(env: EnvReader): string[] {
  const origins: string[] = [];
  for (const origin of env.list('CORS_ORIGINS')) {
    if (origin === '*') {
      env.problem('CORS_ORIGINS must list origins explicitly (a wildcard would disable DNS-rebinding protection)');
      continue;
    }
    if (!env.urlWithoutCredentials('CORS_ORIGINS', origin)) continue;
    try {
      const url = new URL(origin);
      if (url.origin === 'null' || url.href.replace(/\/$/, '') !== url.origin) throw new Error('not an origin');
      origins.push(url.origin);
    } catch {
      env.problem(`CORS_ORIGINS entries must be origins like https://app.example.com (got "${origin}")`);
    }
  }
  return origins;
}

/** A DNS name or an IPv4 address, or an IPv6 address in brackets: what a Host header names, without the port. */
const HOST_NAME = /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*|\[[0-9a-f:.]+\])$/;

function readAllowedHosts(env: EnvReader): string[] {
  const hosts: string[] = [];
  for (const entry of env.list('ALLOWED_HOSTS')) {
    const host = entry.toLowerCase().replace(/\.$/, '');
    if (host === '*') {
      env.problem('ALLOWED_HOSTS must list host names explicitly (a wildcard would disable DNS-rebinding protection)');
      continue;
    }
    const name = HOST_NAME.test(host) ? hostnameAsRead(host) : undefined;
    if (name === undefined)
      env.problem(`ALLOWED_HOSTS entries must be host names without scheme or port, like mcp.example.com (got "${entry}")`);
    else hosts.push(name);
  }
  return hosts;
}

/** The name as a Host header's will be read (IPv6 compressed), so the two compare equal; undefined when it is no host. */
function hostnameAsRead(host: string): string | undefined {
  try {
    return new URL(`http://${host}/`).hostname;
  } catch {
    return undefined;
  }
}

function readUrlList(env: EnvReader, name: string): string[] {
  return env.list(name).filter((value) => {
    if (!env.urlWithoutCredentials(name, value)) return false;
    const valid = URL.canParse(value) && /^https?:$/.test(new URL(value).protocol);
    if (!valid) env.problem(`${name} entries must be absolute http(s) URLs (got "${value}")`);
    return valid;
  });
}

function checkConsistency(env: EnvReader, config: AuthConfig): void {
  const configured = config.tokens.length > 0 || config.jwt !== undefined;
  if (config.mode === 'none' && configured) {
    env.problem(
      'AUTH_MODE=none contradicts MCP_AUTH_TOKEN / MCP_AUTH_TOKENS_FILE / AUTH_JWT_SECRET / AUTH_JWKS_URL: remove one or the other',
    );
  }
  if (config.toolScopes.length > 0 && config.jwt === undefined) {
    env.problem('AUTH_TOOL_SCOPES needs JWT authentication (AUTH_JWT_SECRET or AUTH_JWKS_URL): scopes come from the token');
  }
  // The Trino section owns TRINO_AUTH; its passthrough mode only works with callers who present a JWT.
  if (env.string('TRINO_AUTH') === 'passthrough' && config.jwt === undefined) {
    env.problem(
      "TRINO_AUTH=passthrough needs JWT authentication (AUTH_JWT_SECRET or AUTH_JWKS_URL): it sends the caller's own token to Trino",
    );
  }
  if (config.catalogScopes.length > 0 && config.jwt === undefined) {
    env.problem('AUTH_CATALOG_SCOPES needs JWT authentication (AUTH_JWT_SECRET or AUTH_JWKS_URL): scopes come from the token');
  }
}
