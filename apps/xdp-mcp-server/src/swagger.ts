import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';

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
    return document;
  };
  SwaggerModule.setup(SWAGGER_PATH, app, buildDocument, { jsonDocumentUrl: `${SWAGGER_PATH}-json` });
}

/** Routes from packages we do not decorate (Prometheus' /metrics) get their first path segment as tag. */
function tagUntaggedOperations(document: OpenAPIObject): void {
  for (const [path, item] of Object.entries(document.paths)) {
    for (const operation of Object.values(item as Record<string, { tags?: string[] } | undefined>)) {
      if (operation && typeof operation === 'object' && 'responses' in operation && !operation.tags?.length) operation.tags = [path.split('/')[1] || 'default'];
    }
  }
}
