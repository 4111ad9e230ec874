import type { EnvReader } from '../env-reader.js';

export const NODE_ENVS = ['development', 'production', 'test'] as const;
export const LOG_LEVELS = ['error', 'warn', 'info', 'debug'] as const;
export const MCP_TRANSPORTS = ['http', 'stdio'] as const;

export type NodeEnv = (typeof NODE_ENVS)[number];
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface ServerConfig {
  nodeEnv: NodeEnv;
  port: number;
  host: string;
  logLevel: LogLevel;
  /** `stdio` serves MCP over stdin/stdout instead of starting the HTTP server. */
  transport: (typeof MCP_TRANSPORTS)[number];
}

export function readServerConfig(env: EnvReader, argv: readonly string[]): ServerConfig {
  return {
    nodeEnv: env.oneOf('NODE_ENV', NODE_ENVS, 'development'),
    port: env.int('PORT', 8080, { min: 0, max: 65535 }),
    host: env.string('HOST', '0.0.0.0'),
    logLevel: env.oneOf('LOG_LEVEL', LOG_LEVELS, 'info'),
    transport: argv.includes('--stdio') ? 'stdio' : env.oneOf('MCP_TRANSPORT', MCP_TRANSPORTS, 'http'),
  };
}
