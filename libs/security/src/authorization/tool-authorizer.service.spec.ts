import { loadAppConfig } from '#config';
import type { ToolContext } from '#tool-contract';
import { ToolAuthorizer } from './tool-authorizer.service.js';

const config = loadAppConfig({
  AUTH_JWT_SECRET: 'unit-test-secret-with-at-least-32-bytes',
  AUTH_TOOL_SCOPES: 'trino_execute_query=sql:read,xdp_*=xdp:read,xdp_delete=xdp:admin',
});

const caller = (...scopes: string[]): Pick<ToolContext, 'principal' | 'transport'> => ({
  principal: { subject: 'u', scopes, authenticated: true },
  transport: 'mcp-http',
});

describe('ToolAuthorizer', () => {
  const authorizer = new ToolAuthorizer(config);

  it('collects the scopes a tool needs from exact and prefix rules', () => {
    expect(authorizer.requiredScopes('trino_execute_query')).toEqual(['sql:read']);
    expect(authorizer.requiredScopes('xdp_list_datastores')).toEqual(['xdp:read']);
    expect(authorizer.requiredScopes('xdp_delete')).toEqual(['xdp:read', 'xdp:admin']);
    expect(authorizer.requiredScopes('test_echo')).toEqual([]);
  });

  it('allows a caller holding every required scope and tools without rules', () => {
    expect(authorizer.refusal('trino_execute_query', caller('sql:read'))).toBeUndefined();
    expect(authorizer.refusal('test_echo', caller())).toBeUndefined();
  });

  it('refuses with a forbidden ToolError naming only the missing scopes', () => {
    const refusal = authorizer.refusal('xdp_delete', caller('xdp:read'));
    expect(refusal?.kind).toBe('forbidden');
    expect(refusal?.message).toBe('Tool "xdp_delete" requires scope "xdp:admin", which the caller\'s token does not grant');
  });

  it('does not apply scope rules to the local stdio session', () => {
    expect(authorizer.refusal('xdp_delete', { principal: caller().principal, transport: 'stdio' })).toBeUndefined();
  });
});
