import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { InFlightCalls, inSpan, markFailed, MetricsService, OutboundScrubber, type ToolCallOutcome as MetricOutcome } from '#observability';
import { AuditLog, ToolAuthorizer } from '#security';
import {
  errorClassOf,
  isToolError,
  type PublishedTool,
  type ToolContext,
  type ToolDefinition,
  ToolError,
  ToolProvider,
  type ToolSource,
} from '#tool-contract';
import { coerceQueryArguments } from './query-arguments.js';
import { type ArgumentsValidator, compileArgumentsValidator, createAjv, formatProblems } from './schema-validator.js';
import type { ToolCallOutcome, ToolCallResult } from './tool-call.types.js';

const TOOL_NAME = /^[A-Za-z0-9_-]{1,64}$/;

interface RegisteredTool {
  definition: ToolDefinition<any, any>;
  published: PublishedTool;
  validate: ArgumentsValidator;
}

/**
 * The one place tools live. Discovers every `@ToolProvider()` at bootstrap, checks and
 * compiles each tool's schema once (on its first call), and runs calls for all transports with the same
 * validation, error mapping and metrics.
 */
@Injectable()
export class ToolRegistryService implements OnApplicationBootstrap {
  private readonly logger = new Logger(ToolRegistryService.name);
  private readonly ajv = createAjv();
  private readonly tools = new Map<string, RegisteredTool>();
  private publishedList: readonly PublishedTool[] = [];

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly metrics: MetricsService,
    private readonly inFlight: InFlightCalls,
    private readonly authorizer: ToolAuthorizer,
    private readonly audit: AuditLog,
    private readonly scrubber: OutboundScrubber,
  ) {}

  onApplicationBootstrap(): void {
    const sources = this.discovery
      .getProviders({ metadataKey: ToolProvider.KEY })
      .map((wrapper) => wrapper.instance as ToolSource | undefined)
      .filter((instance): instance is ToolSource => typeof instance?.tools === 'function');
    for (const source of sources) {
      for (const tool of source.tools()) this.register(tool);
    }
    this.logger.log(`Registered ${this.tools.size} tool(s): ${[...this.tools.keys()].join(', ') || 'none'}`);
  }

  register(definition: ToolDefinition<any, any>): void {
    if (!TOOL_NAME.test(definition.name)) throw new Error(`Tool name "${definition.name}" must match ${TOOL_NAME}`);
    if (this.tools.has(definition.name)) throw new Error(`Tool "${definition.name}" is registered twice`);
    if (definition.inputSchema?.type !== 'object') throw new Error(`Tool "${definition.name}" inputSchema must have type "object"`);
    const { handler: _handler, ...published } = definition;
    this.tools.set(definition.name, {
      definition,
      published: Object.freeze(published),
      validate: compileArgumentsValidator(this.ajv, definition.inputSchema),
    });
    this.publishedList = Object.freeze([...this.tools.values()].map((tool) => tool.published));
  }

  /**
   * Computed at registration, so listing costs nothing per request. Given a caller, tools whose
   * scope (AUTH_TOOL_SCOPES) the caller lacks are left out: a model is not offered what it may not call.
   * The unfiltered array itself is returned whenever nothing is hidden, so callers can cache on identity.
   */
  list(caller?: Pick<ToolContext, 'principal' | 'transport'>): readonly PublishedTool[] {
    if (caller === undefined || !this.authorizer.enforcing) return this.publishedList;
    const visible = this.publishedList.filter((tool) => this.authorizer.refusal(tool.name, caller) === undefined);
    return visible.length === this.publishedList.length ? this.publishedList : visible;
  }

  has(name: string): boolean {
    return this.tools.has(name);
  }

  /** The published definition (input and output schema) whose compiled validator judges calls to `name`. */
  describe(name: string): PublishedTool | undefined {
    return this.tools.get(name)?.published;
  }

  /**
   * Arguments sent as a query string, typed per the tool's inputSchema so that `call` validates
   * them exactly as it validates JSON arguments. Unknown tools' arguments pass through for `call` to refuse.
   */
  queryArguments(name: string, query: Record<string, unknown>): Record<string, unknown> {
    const tool = this.tools.get(name);
    return tool ? coerceQueryArguments(tool.published.inputSchema, query) : { ...query };
  }

  /**
   * Validates and runs one call. Throws ToolError `not_found` or `invalid_arguments` (protocol
   * errors); any failure inside the handler becomes an `isError` result instead. `controller`, when
   * given, is the one behind `context.signal`, lent so the server's aborts (drain deadline) fire it
   * instead of a second controller linked to it.
   */
  call(name: string, args: unknown, context: ToolContext, controller?: AbortController): Promise<ToolCallOutcome> {
    // Tool names are caller input until found: an unknown one is not put in the span name.
    const known = this.tools.has(name);
    const attributes = {
      'gen_ai.operation.name': 'execute_tool',
      'gen_ai.tool.name': known ? name : '(unknown)',
      'xdp.transport': context.transport,
    };
    return inSpan(`execute_tool${known ? ` ${name}` : ''}`, { attributes }, async (span) => {
      try {
        const outcome = await this.run(name, args, context, controller);
        span.setAttribute('xdp.tool.outcome', outcome.failure ? outcome.failure.kind : 'success');
        if (outcome.failure) markFailed(span, outcome.failure.kind);
        return outcome;
      } catch (error) {
        if (isToolError(error)) span.setAttribute('xdp.tool.outcome', error.kind);
        throw error;
      }
    });
  }

  private async run(name: string, args: unknown, callerContext: ToolContext, controller?: AbortController): Promise<ToolCallOutcome> {
    const started = performance.now();
    // The handler fills in what only it learns (upstream user, dataplane, query id); the audit line reports it.
    const context: ToolContext = { ...callerContext, audit: {} };
    const tool = this.tools.get(name);
    if (!tool) {
      this.record(name, context, 'not_found', started, args);
      throw new ToolError('not_found', `Unknown tool "${name}". Available tools: ${[...this.tools.keys()].join(', ') || 'none'}`);
    }
    // Scope checks (AUTH_TOOL_SCOPES) refuse this tool only, as a tool error every transport reports alike.
    const refusal = this.authorizer.refusal(name, context);
    if (refusal) {
      this.record(name, context, 'forbidden', started, args, refusal.kind);
      return {
        result: { content: [{ type: 'text', text: refusal.message }], isError: true },
        failure: { kind: refusal.kind, message: refusal.message },
      };
    }
    const validated = tool.validate(args);
    if (!validated.ok) {
      this.record(name, context, 'invalid_arguments', started, args);
      throw new ToolError('invalid_arguments', `Invalid arguments for tool "${name}": ${formatProblems(validated.problems)}`, {
        fields: validated.problems,
      });
    }
    try {
      // Every transport's calls pass here, so the global and per-principal caps and the shutdown drain are enforced once.
      const owner = context.principal.authenticated ? context.principal.subject : undefined;
      const output = await this.inFlight.run(
        controller?.signal === context.signal ? controller : context.signal,
        (signal) => tool.definition.handler(validated.value, { ...context, signal }),
        owner,
      );
      this.record(name, context, 'success', started, args);
      const result: ToolCallResult = { content: [{ type: 'text', text: output.text }] };
      if (tool.definition.outputSchema && output.structuredContent)
        result.structuredContent = output.structuredContent as Record<string, unknown>;
      return { result };
    } catch (error) {
      const failure = this.describeFailure(name, error, context);
      this.record(
        name,
        context,
        failure.kind === 'forbidden' ? 'forbidden' : failure.kind === 'busy' ? 'busy' : 'tool_error',
        started,
        args,
        failure.kind,
      );
      return { result: { content: [{ type: 'text', text: failure.message }], isError: true }, failure };
    }
  }

  private describeFailure(name: string, error: unknown, context: ToolContext): { kind: ToolError['kind']; message: string } {
    // Tool errors quote upstreams (Trino, XDP, DuckDB): every transport's answer passes the one scrubber here.
    if (isToolError(error)) return { kind: error.kind, message: this.scrubber.scrub(error.message) };
    if (context.signal.aborted) return { kind: 'cancelled', message: `Tool "${name}" was cancelled` };
    // Unexpected failures are logged in full here and reported without internals.
    this.logger.error(`Tool "${name}" failed unexpectedly: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    return { kind: 'internal', message: `Tool "${name}" failed with an internal error` };
  }

  private record(
    name: string,
    context: ToolContext,
    outcome: MetricOutcome,
    started: number,
    args: unknown,
    error?: ToolError['kind'],
  ): void {
    const durationMs = performance.now() - started;
    // Unknown names are collapsed so callers cannot grow metric label cardinality.
    const tool = this.tools.has(name) ? name : '(unknown)';
    // Failures are labelled user or server, so the error-rate alert counts only what an operator must look at.
    this.metrics.recordToolCall(tool, context.transport, outcome, durationMs / 1000, error ? errorClassOf(error) : undefined);
    this.audit.toolCall({ tool: name, context, outcome, error, durationMs, args });
  }
}
