import { readFileSync } from 'node:fs';
import { checkNodeVersion, NODE_FLOOR, NODE_SUPPORTED } from './runtime.check.js';

describe('Node.js version check', () => {
  it('states the same supported version as package.json engines', () => {
    const manifest = JSON.parse(readFileSync('package.json', 'utf8')) as { engines: { node: string } };
    expect(manifest.engines.node).toBe(`>=${NODE_SUPPORTED.replace(/\.0$/, '')}`);
  });

  it('accepts the supported line silently', () => {
    expect(checkNodeVersion('v22.12.0')).toEqual({ ok: true });
    expect(checkNodeVersion('v22.20.0')).toEqual({ ok: true });
    expect(checkNodeVersion('v24.1.0')).toEqual({ ok: true });
  });

  it('runs between the floor and the supported version with a warning naming what is needed', () => {
    for (const version of ['v20.19.0', 'v20.20.2', 'v22.11.0']) {
      const verdict = checkNodeVersion(version);
      expect(verdict).toEqual({ ok: true, warning: expect.stringContaining(`use Node.js >= ${NODE_SUPPORTED}`) });
    }
  });

  it('refuses below the floor, where the ESM/CommonJS mix cannot load, saying what it needs', () => {
    for (const version of ['v18.20.4', 'v20.18.3', 'v20.9.0']) {
      const verdict = checkNodeVersion(version);
      expect(verdict.ok).toBe(false);
      expect(!verdict.ok && verdict.error).toContain(`needs Node.js >= ${NODE_SUPPORTED}`);
      expect(!verdict.ok && verdict.error).toContain(NODE_FLOOR);
    }
  });
});
