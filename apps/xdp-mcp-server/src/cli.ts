/**
 * The command line: `--help` and `--version` answer and exit without building the application;
 * `--stdio` selects the stdio transport (read by the configuration). Anything else is a mistake
 * worth stopping for, not something to ignore silently.
 */
export type CommandLine = { action: 'serve' } | { action: 'help' } | { action: 'version' } | { action: 'invalid'; message: string };

const SERVE_OPTIONS = new Set(['--stdio']);

export function parseCommandLine(args: readonly string[]): CommandLine {
  if (args.includes('--help') || args.includes('-h')) return { action: 'help' };
  if (args.includes('--version') || args.includes('-v')) return { action: 'version' };
  const unknown = args.filter((arg) => !SERVE_OPTIONS.has(arg));
  if (unknown.length > 0)
    return { action: 'invalid', message: `unknown argument ${unknown.map((arg) => `"${arg}"`).join(', ')} (see --help)` };
  return { action: 'serve' };
}

export function usage(version: string): string {
  return `xdp-mcp-server ${version} - MCP gateway for the XDP data platform

Usage:
  node dist/apps/xdp-mcp-server/main.js            HTTP mode (default): /mcp, /ws, /api, /health, /ready, /metrics
  node dist/apps/xdp-mcp-server/main.js --stdio    stdio mode: MCP over stdin/stdout for a local client
                                                   (Claude Desktop, Cursor); logs go to stderr
  node dist/apps/xdp-mcp-server/main.js --help     this text
  node dist/apps/xdp-mcp-server/main.js --version  the version

Main settings (environment variables, or a .env file in the working directory):
  PORT, HOST                 where HTTP mode listens (8080, 0.0.0.0)
  MCP_TRANSPORT              http or stdio (same as --stdio)
  NODE_ENV, LOG_LEVEL        production|development|test; error|warn|info|debug
  MCP_AUTH_TOKEN             client bearer token(s), comma-separated; or AUTH_JWT_SECRET,
                             AUTH_JWKS_URL + AUTH_JWT_AUDIENCE for JWTs. Production without any
                             of them starts locked: every client request is refused with 401.
  XDP_BASE_URL, XDP_ACCESS_KEY, XDP_SECRET_KEY   the XDP tools (off when XDP_BASE_URL is unset)
  TRINO_URL                  a direct Trino engine; without it SQL runs on an embedded DuckDB
                             with sample data (dataplane "local")

Docs: README.md, docs/configuration.md (every setting), docs/deployment.md (Docker, Kubernetes);
Swagger UI at http://<host>:<port>/api/docs while the server runs.
`;
}
