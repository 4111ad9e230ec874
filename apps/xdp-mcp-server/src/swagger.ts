import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';

export const SWAGGER_PATH = 'api/docs';

/**
 * Swagger UI at /api/docs, OpenAPI JSON at /api/docs-json. The document is built on the first
 * request for it, not at startup: scanning every route's metadata is start-up time nobody waits for.
 */
export function setupSwagger(app: INestApplication, version: string): void {
  const buildDocument = () => SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('XDP MCP Server REST API')
      .setDescription(
        'REST entrance to the same tools served over MCP (/mcp Streamable HTTP, /ws WebSocket, stdio). ' +
          'Every error answers `{ "error": { "status", "code", "message", "fields"? } }`.',
      )
      .setVersion(version)
      .addBearerAuth()
      // Every /api operation needs the token once authentication is configured: "Authorize" applies it to all.
      .addSecurityRequirements('bearer')
      .build(),
  );
  SwaggerModule.setup(SWAGGER_PATH, app, buildDocument, { jsonDocumentUrl: `${SWAGGER_PATH}-json` });
}
