import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from './k8s-manifests.js';

/** `npm test` runs scripts/ensure-chromium.sh; where it cannot install, it must say what to do, not fail obscurely. */
const SCRIPT = join(REPO_ROOT, 'scripts/ensure-chromium.sh');

function run(env: Record<string, string>) {
  // bash by absolute path, so PATH can hide apt-get and sudo.
  return spawnSync('/bin/bash', [SCRIPT], { env, encoding: 'utf8' });
}

describe('scripts/ensure-chromium.sh', () => {
  it('without apt-get: exits 3 naming the package to install, CHROMIUM_PATH and SKIP_BROWSER_TESTS', () => {
    const result = run({ PATH: '/nonexistent', CHROMIUM_PATH: '/nonexistent/chromium' });
    expect(result.status).toBe(3);
    expect(result.stderr).toContain('apt-get is not available');
    expect(result.stderr).toContain('apt-get install -y --no-install-recommends chromium fonts-dejavu-core');
    expect(result.stderr).toContain('CHROMIUM_PATH=/path/to/chromium-or-chrome npm test');
    expect(result.stderr).toContain('SKIP_BROWSER_TESTS=1 npm test');
    expect(result.stdout).toBe('');
  });

  it('accepts a browser named by CHROMIUM_PATH that runs, installing nothing', () => {
    // Any executable answering `--version` stands in for the browser.
    const result = run({ PATH: '/nonexistent', CHROMIUM_PATH: process.execPath });
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
  });
});
