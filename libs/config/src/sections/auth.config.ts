import type { EnvReader } from '../env-reader.js';

export const AUTH_MODES = ['auto', 'none'] as const;

export interface AuthConfig {
  /** `none` disables authentication explicitly (required to run production without auth). */
  mode: (typeof AUTH_MODES)[number];
  /** Static bearer tokens (MCP_AUTH_TOKEN, comma-separated). */
  tokens: string[];
  /** Browser origins allowed by CORS and on /mcp and /ws; empty = no cross-origin browser access. */
  corsOrigins: string[];
}

export function readAuthConfig(env: EnvReader): AuthConfig {
  const tokens = env.list('MCP_AUTH_TOKEN');
  for (const token of tokens) env.secrets.push(token);
  return {
    mode: env.oneOf('AUTH_MODE', AUTH_MODES, 'auto'),
    tokens,
    corsOrigins: env.list('CORS_ORIGINS'),
  };
}
