import { sqlFingerprint } from './sql-fingerprint.js';

describe('sqlFingerprint', () => {
  it('is the same for queries that differ only in literals, case, whitespace, comments and a final semicolon', () => {
    const base = sqlFingerprint("SELECT * FROM t WHERE email = 'a@example.com' AND n > 5");
    expect(sqlFingerprint("select *\n  from t -- who\nwhere email = 'b@example.com' and n > 42.5;")).toBe(base);
    expect(sqlFingerprint("SELECT /* hint */ * FROM t WHERE email = 'it''s' AND n > 1e3")).toBe(base);
  });

  it('differs for a different statement shape', () => {
    expect(sqlFingerprint('SELECT a FROM t')).not.toBe(sqlFingerprint('SELECT b FROM t'));
  });

  it('is a short hex digest that does not contain the literals', () => {
    const fingerprint = sqlFingerprint("SELECT 'secret-value'");
    expect(fingerprint).toMatch(/^[0-9a-f]{16}$/);
  });
});
