import type { EnvReader } from '../env-reader.js';

export interface XdpConfig {
  /** False when XDP_BASE_URL is unset: the XDP tools are not registered. */
  enabled: boolean;
  /** Control-plane API root, e.g. https://xdp.example.com/xdp-cp-service/api (no trailing slash). */
  baseUrl?: string;
  accessKey?: string;
  secretKey?: string;
  timeoutMs: number;
}

export function readXdpConfig(env: EnvReader): XdpConfig {
  const baseUrl = env.httpUrl('XDP_BASE_URL');
  const accessKey = env.secret('XDP_ACCESS_KEY');
  const secretKey = env.secret('XDP_SECRET_KEY');
  const timeoutMs = env.int('XDP_TIMEOUT_MS', 30_000, { min: 100, max: 600_000 });
  const urlSet = env.isSet('XDP_BASE_URL');
  if (urlSet && !accessKey) env.problem('XDP_ACCESS_KEY is required when XDP_BASE_URL is set');
  if (urlSet && !secretKey) env.problem('XDP_SECRET_KEY is required when XDP_BASE_URL is set');
  if (!urlSet && (accessKey || secretKey)) env.problem('XDP_BASE_URL is required when XDP_ACCESS_KEY or XDP_SECRET_KEY is set');
  return { enabled: urlSet && baseUrl !== undefined, baseUrl, accessKey, secretKey, timeoutMs };
}
