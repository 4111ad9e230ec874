import type { FromSchema, JSONSchema } from 'json-schema-to-ts';

/** A JSON Schema object describing tool arguments or structured results (JSON Schema 2020-12). */
export interface ObjectSchema {
  type: 'object';
  properties: Readonly<Record<string, JsonSchema>>;
  /** Readonly, so a schema declared `as const` (for ArgumentsOf) is one. */
  required?: readonly string[];
  additionalProperties?: boolean | JsonSchema;
  [keyword: string]: unknown;
}

export type JsonSchema = Record<string, unknown>;

/** Behaviour hints published with a tool. Clients treat them as untrusted. */
export interface ToolAnnotations {
  readOnlyHint?: boolean;
  destructiveHint?: boolean;
  idempotentHint?: boolean;
  openWorldHint?: boolean;
}

export type TransportKind = 'ws' | 'mcp-http' | 'stdio' | 'rest';

/** Who is calling, as established by the transport's authentication. */
export interface Principal {
  /** Stable identifier: token subject, static-token label, or `anonymous`. */
  subject: string;
  scopes: readonly string[];
  authenticated: boolean;
  /**
   * The caller's user name for upstreams (a named static token's name, or the JWT's
   * AUTH_JWT_USER_CLAIM), already checked against a safe pattern; absent = runs as the service user.
   */
  user?: string;
  /**
   * The caller's own bearer JWT, for TRINO_AUTH=passthrough only. A function, so serialising or
   * logging a principal never includes the token.
   */
  bearerToken?: () => string;
}

export const ANONYMOUS: Principal = Object.freeze({ subject: 'anonymous', scopes: Object.freeze([]), authenticated: false });

export interface ProgressUpdate {
  progress: number;
  total?: number;
  message?: string;
}

/** Everything a handler gets besides its validated arguments. */
export interface ToolContext {
  /** Aborted when the caller cancels, disconnects, or the server drains past its grace period. */
  signal: AbortSignal;
  /** No-op when the caller did not ask for progress. */
  reportProgress(update: ProgressUpdate): void;
  principal: Principal;
  transport: TransportKind;
  /**
   * Facts a tool adds to its audit line (upstream user, dataplane, query id). Created per call by
   * the registry; a handler fills it in as it learns them.
   */
  audit?: AuditFacts;
}

/** Per-call facts the audit line reports beyond who called what. */
export interface AuditFacts {
  upstreamUser?: string;
  dataplane?: string;
  queryId?: string;
}

/** What a handler returns: a compact text rendering and, when the tool declares `outputSchema`, the data. */
export interface ToolOutput<S extends object = Record<string, unknown>> {
  text: string;
  structuredContent?: S;
}

export interface ToolDefinition<A extends object = Record<string, unknown>, S extends object = Record<string, unknown>> {
  /** `^[A-Za-z0-9_-]{1,64}$`, prefixed by capability (`xdp_`, `trino_`). */
  name: string;
  title: string;
  description: string;
  inputSchema: ObjectSchema;
  outputSchema?: ObjectSchema;
  annotations: ToolAnnotations;
  /** Receives arguments already validated (and defaulted) against `inputSchema`. */
  handler(args: A, context: ToolContext): Promise<ToolOutput<S>>;
}

/**
 * The arguments a handler receives for an `inputSchema` declared `as const`, derived by the
 * compiler from the schema (json-schema-to-ts): validated, with every property that has a
 * `default` present (the registry's Ajv applies them). A tool typed
 * `ToolDefinition<ArgumentsOf<typeof inputSchema>, R>` cannot read an argument its schema does not
 * define, or with another type.
 */
export type ArgumentsOf<I extends JSONSchema> = Extract<FromSchema<I>, object>;

/** A tool as listed to clients: the definition without its handler. */
export type PublishedTool = Omit<ToolDefinition, 'handler'>;

/** Implemented by every class marked with `@ToolProvider()`. */
export interface ToolSource {
  /** Called once at application bootstrap; return [] when the capability is not configured. */
  tools(): readonly ToolDefinition<any, any>[];
}
