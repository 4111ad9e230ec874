import { knownSettings } from './known-settings.js';

describe('knownSettings', () => {
  it('lists variables from every section, secrets included', () => {
    const names = knownSettings();
    for (const name of [
      'PORT',
      'NODE_ENV',
      'LOG_LEVEL',
      'WS_MAX_PAYLOAD_BYTES',
      'XDP_BASE_URL',
      'XDP_SECRET_KEY',
      'TRINO_URL',
      'MCP_AUTH_TOKEN',
    ]) {
      expect(names).toContain(name);
    }
  });

  it('returns each name once, sorted', () => {
    const names = knownSettings();
    expect(names).toEqual([...new Set(names)].sort());
  });

  it('does not list names the configuration never reads', () => {
    expect(knownSettings()).not.toContain('HOME');
  });
});
