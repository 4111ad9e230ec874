import { readFileSync } from 'node:fs';
import { knownSettings } from '#config';

/** The configuration reference must list exactly what the loader reads: no missing, no stale rows. */
describe('docs/configuration.md', () => {
  const documented = [...readFileSync('docs/configuration.md', 'utf8').matchAll(/^\| `([A-Z][A-Z0-9_]+)` \|/gm)].map((match) => match[1]);

  it('documents every setting the app reads', () => {
    expect(knownSettings().filter((name) => !documented.includes(name))).toEqual([]);
  });

  it('documents no setting the app does not read', () => {
    const known = new Set(knownSettings());
    expect(documented.filter((name) => !known.has(name))).toEqual([]);
  });
});
