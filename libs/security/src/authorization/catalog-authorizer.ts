import type { CatalogScopeRule } from '#config';
import { type ToolContext, ToolError } from '#tool-contract';

/**
 * Per-caller catalog bounds from token scopes (AUTH_CATALOG_SCOPES). A catalog requires every
 * scope of the rules matching it (`name`, `prefix*`, `*`); once any rule is configured, a catalog
 * no rule matches is closed to everyone, so a newly added catalog is not open by accident. stdio is
 * exempt, as for tool scopes: its one caller is the local process that started the server.
 */
export class CatalogAuthorizer {
  private readonly rules: readonly CatalogScopeRule[];

  constructor(rules: readonly CatalogScopeRule[]) {
    this.rules = rules;
  }

  /** False when AUTH_CATALOG_SCOPES is empty: every caller may use every catalog the allow-list admits. */
  get enforcing(): boolean {
    return this.rules.length > 0;
  }

  /** A ToolError `forbidden` naming the first refused catalog and the missing scopes, or undefined when all are allowed. */
  refusal(catalogs: Iterable<string>, caller: Pick<ToolContext, 'principal' | 'transport'>): ToolError | undefined {
    if (!this.applies(caller)) return undefined;
    for (const catalog of catalogs) {
      const folded = catalog.toLowerCase();
      const required = this.requiredScopes(folded);
      if (required.length === 0)
        return new ToolError('forbidden', `Catalog "${folded}" is not open to any caller (no AUTH_CATALOG_SCOPES rule matches it)`);
      const missing = required.filter((scope) => !caller.principal.scopes.includes(scope));
      if (missing.length > 0) {
        return new ToolError(
          'forbidden',
          `Catalog "${folded}" requires scope ${missing.map((scope) => `"${scope}"`).join(', ')}, which the caller's token does not grant`,
        );
      }
    }
    return undefined;
  }

  allows(catalog: string, caller: Pick<ToolContext, 'principal' | 'transport'>): boolean {
    return this.refusal([catalog], caller) === undefined;
  }

  private applies({ transport }: Pick<ToolContext, 'transport'>): boolean {
    return this.enforcing && transport !== 'stdio';
  }

  private requiredScopes(catalog: string): string[] {
    return [...new Set(this.rules.filter((rule) => matches(rule.catalog, catalog)).map((rule) => rule.scope))];
  }
}

function matches(pattern: string, catalog: string): boolean {
  return pattern.endsWith('*') ? catalog.startsWith(pattern.slice(0, -1)) : pattern === catalog;
}
