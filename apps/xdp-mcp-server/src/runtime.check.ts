/**
 * Node.js versions. NestJS 12 is ESM-only and some of its ecosystem packages are CommonJS that
 * `require()` it: that needs require(esm) without a flag, which Node has from 20.19 and 22.12.
 * Below the floor the server cannot load at all; the 20.x line works but is past its end of
 * life (April 2026), so it gets a warning. package.json `engines` states the supported range.
 */
export const NODE_SUPPORTED = '22.12.0';
export const NODE_FLOOR = '20.19.0';

export type RuntimeVerdict = { ok: true; warning?: string } | { ok: false; error: string };

function parse(version: string): number[] {
  return version
    .replace(/^v/, '')
    .split('.')
    .map((part) => Number.parseInt(part, 10) || 0);
}

function atLeast(version: string, minimum: string): boolean {
  const [a, b] = [parse(version), parse(minimum)];
  for (let i = 0; i < 3; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0);
  return true;
}

export function checkNodeVersion(version: string): RuntimeVerdict {
  if (!atLeast(version, NODE_FLOOR)) {
    return {
      ok: false,
      error: `Node.js ${version} is too old: xdp-mcp-server needs Node.js >= ${NODE_SUPPORTED} (22 LTS; the image uses it). It cannot load below ${NODE_FLOOR}`,
    };
  }
  if (!atLeast(version, NODE_SUPPORTED)) {
    return {
      ok: true,
      warning: `Node.js ${version} is past its end of life and not supported: use Node.js >= ${NODE_SUPPORTED} (22 LTS, as the image does)`,
    };
  }
  return { ok: true };
}
