import { knownSettings } from '#config';
import { settingsWarnings } from './settings.check.js';

describe('settings that look like ours but are unknown', () => {
  const known = knownSettings();

  it('names the nearest known setting for a misspelling with our prefixes or close to any setting', () => {
    expect(settingsWarnings({ MCP_AUTH_TOKENS: 'x', SHUTDOWN_GRACE_SM: '1', PORT: '8080' }, known)).toEqual([
      'MCP_AUTH_TOKENS is not a setting of this server and is ignored: did you mean MCP_AUTH_TOKEN?',
      'SHUTDOWN_GRACE_SM is not a setting of this server and is ignored: did you mean SHUTDOWN_GRACE_MS?',
    ]);
  });

  it('warns about any unknown MCP_/XDP_/TRINO_/AUTH_ variable even without a close match', () => {
    expect(settingsWarnings({ AUTH_SOMETHING_ELSE_ENTIRELY: '1' }, known)).toEqual([
      'AUTH_SOMETHING_ELSE_ENTIRELY is not a setting of this server and is ignored (docs/configuration.md lists every setting)',
    ]);
  });

  it("leaves the platform's own variables alone", () => {
    const platform = {
      PATH: '/bin',
      HOME: '/tmp',
      HOSTNAME: 'pod-1',
      NODE_OPTIONS: '',
      KUBERNETES_SERVICE_HOST: '10.0.0.1',
      npm_lifecycle_event: 'start',
      TERM: 'xterm',
      LANG: 'C',
    };
    expect(settingsWarnings(platform, known)).toEqual([]);
  });

  it('accepts every known setting', () => {
    expect(settingsWarnings(Object.fromEntries(known.map((name) => [name, 'x'])), known)).toEqual([]);
  });
});
