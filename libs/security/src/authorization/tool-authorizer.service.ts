import { Injectable } from '@nestjs/common';
import { AppConfig, type ToolScopeRule } from '#config';
import { type ToolContext, ToolError } from '#tool-contract';

/**
 * Per-tool authorization from token scopes (AUTH_TOOL_SCOPES). Asked by the tool registry on
 * every call, so REST, /mcp and /ws enforce the same rule. Tools without a rule are open to every
 * authenticated caller. stdio is exempt: its one caller is the local process that started the server
 * with the server's own environment, and it carries no token to take scopes from.
 */
@Injectable()
export class ToolAuthorizer {
  private readonly rules: readonly ToolScopeRule[];
  private readonly required = new Map<string, readonly string[]>();

  constructor(config: AppConfig) {
    this.rules = config.auth.toolScopes;
  }

  /** False when AUTH_TOOL_SCOPES is empty: every caller may call (and see) every tool. */
  get enforcing(): boolean {
    return this.rules.length > 0;
  }

  /** Scopes the tool requires (all of them), memoised per tool name. */
  requiredScopes(tool: string): readonly string[] {
    let scopes = this.required.get(tool);
    if (scopes === undefined) {
      scopes = [...new Set(this.rules.filter((rule) => matches(rule.tool, tool)).map((rule) => rule.scope))];
      this.required.set(tool, scopes);
    }
    return scopes;
  }

  /** A ToolError `forbidden` naming the missing scopes (scope names are not secret), or undefined when allowed. */
  refusal(tool: string, { principal, transport }: Pick<ToolContext, 'principal' | 'transport'>): ToolError | undefined {
    if (transport === 'stdio') return undefined;
    const required = this.requiredScopes(tool);
    if (required.length === 0) return undefined;
    const missing = required.filter((scope) => !principal.scopes.includes(scope));
    if (missing.length === 0) return undefined;
    return new ToolError(
      'forbidden',
      `Tool "${tool}" requires scope ${missing.map((scope) => `"${scope}"`).join(', ')}, which the caller's token does not grant`,
    );
  }
}

function matches(pattern: string, tool: string): boolean {
  return pattern.endsWith('*') ? tool.startsWith(pattern.slice(0, -1)) : pattern === tool;
}
