import { ANONYMOUS, type Principal } from '#tool-contract';
import { CatalogAuthorizer } from './catalog-authorizer.js';

const caller = (scopes: string[]) => ({
  principal: { subject: 'ann', scopes, authenticated: true } satisfies Principal,
  transport: 'rest' as const,
});

describe('CatalogAuthorizer', () => {
  const authorizer = new CatalogAuthorizer([
    { catalog: 'sales', scope: 'sql:sales' },
    { catalog: 'hr*', scope: 'sql:hr' },
    { catalog: '*', scope: 'sql:any' },
  ]);

  it('requires every scope of the rules matching a catalog', () => {
    expect(authorizer.allows('sales', caller(['sql:sales', 'sql:any']))).toBe(true);
    expect(authorizer.allows('SALES', caller(['sql:sales', 'sql:any']))).toBe(true);
    expect(authorizer.refusal(['sales'], caller(['sql:any']))?.message).toBe(
      'Catalog "sales" requires scope "sql:sales", which the caller\'s token does not grant',
    );
    expect(authorizer.refusal(['sales', 'hr_archive'], caller(['sql:sales', 'sql:any']))?.message).toContain(
      'Catalog "hr_archive" requires scope "sql:hr"',
    );
    expect(authorizer.refusal(['sales'], caller(['sql:any']))?.kind).toBe('forbidden');
  });

  it('closes catalogs no rule matches once any rule exists', () => {
    const narrow = new CatalogAuthorizer([{ catalog: 'sales', scope: 'sql:sales' }]);
    expect(narrow.refusal(['tpch'], caller(['sql:sales']))?.message).toContain('Catalog "tpch" is not open to any caller');
  });

  it('bounds nobody without rules, and exempts stdio', () => {
    expect(new CatalogAuthorizer([]).allows('anything', { principal: ANONYMOUS, transport: 'rest' })).toBe(true);
    expect(authorizer.allows('sales', { principal: ANONYMOUS, transport: 'stdio' })).toBe(true);
    expect(authorizer.allows('sales', { principal: ANONYMOUS, transport: 'mcp-http' })).toBe(false);
  });
});
