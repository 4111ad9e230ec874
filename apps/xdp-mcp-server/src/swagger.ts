import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { ToolRegistryService } from '#tool-registry';
import { TOOL_OPERATION_EXTENSION, type ToolOperationSpec } from './api/tool-operation.decorator.js';

export const SWAGGER_PATH = 'api/docs';

/**
 * Swagger UI at /api/docs, OpenAPI JSON at /api/docs-json. The document is built on the first
 * request for it, not at startup: scanning every route's metadata is start-up time nobody waits for.
 */
export function setupSwagger(app: INestApplication, version: string): void {
  const buildDocument = () => {
    const document = SwaggerModule.createDocument(
      app,
      new DocumentBuilder()
        .setTitle('XDP MCP Server REST API')
        .setDescription(
          'REST entrance to the same tools served over MCP (/mcp Streamable HTTP, /ws WebSocket, stdio). ' +
            'Every error answers `{ "error": { "status", "code", "message", "fields"? } }`; a tool that ran and failed also keeps its `content`.',
        )
        .setVersion(version)
        // Required by the /api operations (ApiController); /health, /ready and /metrics stay open.
        .addBearerAuth(undefined, 'bearer')
        .build(),
      // Automatic controller tags would list every /api operation twice in Swagger UI ("Api" and its own tag).
      { autoTagControllers: false },
    );
    tagUntaggedOperations(document);
    applyToolSchemas(document, app.get(ToolRegistryService));
    return document;
  };
  SwaggerModule.setup(SWAGGER_PATH, app, buildDocument, { jsonDocumentUrl: `${SWAGGER_PATH}-json` });
}

/** Routes from packages we do not decorate (Prometheus' /metrics) get their first path segment as tag. */
function tagUntaggedOperations(document: OpenAPIObject): void {
  for (const [path, item] of Object.entries(document.paths)) {
    for (const operation of Object.values(item as Record<string, { tags?: string[] } | undefined>)) {
      if (operation && typeof operation === 'object' && 'responses' in operation && !operation.tags?.length)
        operation.tags = [path.split('/')[1] || 'default'];
    }
  }
}

type OperationObject = Record<string, unknown> & {
  parameters?: { in: string }[];
  responses?: Record<string, { content?: Record<string, { schema?: unknown }> }>;
};

/**
 * Each tool operation's request and 200 answer are documented with the registered tool's own
 * inputSchema/outputSchema, so Swagger shows exactly what the registry validates. A tool that is
 * not registered (XDP not configured) keeps an operation without arguments: it answers 503.
 */
function applyToolSchemas(document: OpenAPIObject, registry: ToolRegistryService): void {
  for (const item of Object.values(document.paths)) {
    for (const operation of Object.values(item as Record<string, OperationObject | undefined>)) {
      const spec = operation?.[TOOL_OPERATION_EXTENSION] as ToolOperationSpec | undefined;
      if (!operation || !spec) continue;
      delete operation[TOOL_OPERATION_EXTENSION];
      const tool = registry.describe(spec.tool);
      if (!tool) continue;
      const { inputSchema, outputSchema } = tool;
      if (spec.in === 'body') {
        operation.requestBody = { required: true, content: { 'application/json': { schema: inputSchema, example: spec.example } } };
      } else {
        const required = new Set(inputSchema.required ?? []);
        const parameters = Object.entries(inputSchema.properties).map(([name, { description, ...schema }]) => ({
          name,
          in: 'query',
          required: required.has(name),
          ...(description === undefined ? {} : { description }),
          schema,
          ...(spec.example[name] === undefined ? {} : { example: spec.example[name] }),
        }));
        operation.parameters = [...(operation.parameters ?? []).filter((parameter) => parameter.in !== 'query'), ...parameters];
      }
      const success = operation.responses?.['200']?.content?.['application/json'];
      if (success && outputSchema)
        success.schema = { allOf: [success.schema, { type: 'object', properties: { structuredContent: outputSchema } }] };
    }
  }
}
