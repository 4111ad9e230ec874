import { applyDecorators } from '@nestjs/common';
import { ApiResponse, getSchemaPath } from '@nestjs/swagger';
import { XDP_NOT_CONFIGURED } from '#xdp';
import { ApiErrorDto } from './api-error.js';

/**
 * One true example per error status, written as the server answers it: refusals before a tool
 * runs are `{ error }`; a tool that ran and failed keeps its CallToolResult beside `error`.
 * A test checks the reproducible ones against the running server.
 */
type ErrorBody = { error: { status: number; code: string; message: string; fields?: { field: string; message: string }[] } } & Record<
  string,
  unknown
>;

const refusal = (status: number, code: string, message: string, fields?: { field: string; message: string }[]): ErrorBody => ({
  error: { status, code, message, ...(fields ? { fields } : {}) },
});
const toolFailure = (status: number, code: string, message: string): ErrorBody => ({
  content: [{ type: 'text', text: message }],
  isError: true,
  error: { status, code, message },
});

export const UNAUTHORIZED_EXAMPLE = refusal(401, 'unauthorized', 'Authentication required: send Authorization: Bearer <token>');
export const RATE_LIMITED_EXAMPLE = refusal(429, 'rate_limited', 'Rate limit exceeded: at most 3000 requests per 60 s; retry in 12 s');

/** A refusal by the tool's own schema, worded as the registry words it on every entrance. */
const invalidArguments = (tool: string, field: string, message: string): ErrorBody =>
  refusal(400, 'invalid_arguments', `Invalid arguments for tool "${tool}": ${field} ${message}`, [{ field, message }]);
const INVALID_TOOL_ARGUMENTS = invalidArguments('trino_execute_query', 'query', 'is required');
const INVALID_BODY = invalidArguments('trino_execute_query', 'maxRows', 'must be >= 1');
const INVALID_DATAPLANE = (tool: string) => invalidArguments(tool, 'dataplane', 'must NOT have fewer than 1 characters');
const INVALID_XDP_PARAMETER: Record<string, ErrorBody> = {
  xdp_list_datastores: invalidArguments('xdp_list_datastores', 'size', 'must be <= 100'),
  xdp_list_dataplanes: invalidArguments('xdp_list_dataplanes', 'page', 'is not an accepted argument'),
};
const UNKNOWN_TOOL = refusal(
  404,
  'not_found',
  'Unknown tool "trino_query". Available tools: trino_execute_query, trino_list_catalogs, trino_list_schemas, trino_list_tables, trino_describe_table, trino_explain',
);
const UNKNOWN_DATAPLANE = toolFailure(
  404,
  'not_found',
  'Unknown dataplane "nope": available dataplanes: "local" (embedded DuckDB sample data)',
);
const forbidden = (tool: string) =>
  toolFailure(403, 'forbidden', `Tool "${tool}" requires scope "sql:read", which the caller's token does not grant`);
const XDP_UPSTREAM = toolFailure(
  502,
  'upstream',
  'XDP is unreachable at https://xdp.example.com/xdp-cp-service/api for GET /datastore: connection refused (ECONNREFUSED)',
);
const TRINO_UPSTREAM = toolFailure(502, 'upstream', 'Trino answered HTTP 503 on POST /v1/statement: Server is starting');
const XDP_UNAVAILABLE = refusal(503, 'unavailable', XDP_NOT_CONFIGURED);
const BUSY = toolFailure(503, 'busy', 'The server is busy: 256 tool calls are already running (MAX_IN_FLIGHT_CALLS); retry shortly');
const TOO_LARGE = toolFailure(
  413,
  'too_large',
  'Trino query failed: EXCEEDED_LOCAL_MEMORY_LIMIT: Query exceeded per-node memory limit of 512MB',
);
const QUERY_TIMEOUT = toolFailure(504, 'timeout', 'Query exceeded the 60000 ms time limit and was cancelled');

/** The operations' families: each can fail in its own ways. */
export type ErrorFamily = 'list' | 'execute' | 'xdp' | 'trino-body' | 'trino-query';

const DESCRIPTIONS: Record<number, string> = {
  400: "Arguments break the tool's inputSchema (`invalid_arguments`), or the request itself is malformed (`invalid_request`); `error.fields` lists each failing field",
  401: 'Missing or invalid bearer token (`WWW-Authenticate` says why)',
  403: "The caller's token lacks the scope this tool requires (AUTH_TOOL_SCOPES)",
  404: 'Unknown tool or dataplane',
  413: 'The query hit a memory, scan or translation limit (`too_large`); narrow it (filter, aggregate, LIMIT)',
  429: 'Rate limit exceeded; `Retry-After` gives the seconds to wait',
  502: 'Upstream (XDP or Trino) failed',
  503: 'Capability not configured, or server busy',
  504: 'Upstream timed out',
};

/** The error answers of one operation, by status; `tool` is the tool the operation runs. */
export function errorExamples(family: ErrorFamily, tool?: string): Record<number, ErrorBody> {
  const common = { 401: UNAUTHORIZED_EXAMPLE, 429: RATE_LIMITED_EXAMPLE };
  switch (family) {
    case 'list':
      return common;
    case 'execute':
      return { ...common, ...trinoFailures('trino_execute_query'), 400: INVALID_TOOL_ARGUMENTS, 404: UNKNOWN_TOOL };
    case 'xdp':
      return { ...common, 400: INVALID_XDP_PARAMETER[tool!], 403: forbidden(tool!), 502: XDP_UPSTREAM, 503: XDP_UNAVAILABLE };
    case 'trino-body':
      return { ...common, ...trinoFailures(tool!), 400: INVALID_BODY };
    case 'trino-query':
      return { ...common, ...trinoFailures(tool!), 400: INVALID_DATAPLANE(tool!) };
  }
}

/** What every Trino-backed operation can answer besides bad input: scope, dataplane, limits, upstream, busy, time. */
function trinoFailures(tool: string): Record<number, ErrorBody> {
  return {
    403: forbidden(tool),
    404: UNKNOWN_DATAPLANE,
    413: TOO_LARGE,
    502: TRINO_UPSTREAM,
    503: BUSY,
    504: QUERY_TIMEOUT,
  };
}

/** Documents each error status the operation can answer, with its example. */
export function ApiErrors(family: ErrorFamily, tool?: string): MethodDecorator {
  return applyDecorators(
    ...Object.entries(errorExamples(family, tool)).map(([status, example]) =>
      ApiResponse({
        status: Number(status),
        description: DESCRIPTIONS[Number(status)],
        content: { 'application/json': { schema: { $ref: getSchemaPath(ApiErrorDto) }, example } },
      }),
    ),
  );
}
