import { ApiExtension } from '@nestjs/swagger';

/** OpenAPI extension naming the tool an operation runs; swagger.ts replaces it with the tool's schemas. */
export const TOOL_OPERATION_EXTENSION = 'x-tool-operation';

export interface ToolOperationSpec {
  tool: string;
  /** Where the arguments travel: the JSON body or the query string. */
  in: 'body' | 'query';
  /** A working "Try it out" request on the default data; the schema itself is the tool's. */
  example: Record<string, unknown>;
}

/**
 * Marks an operation as the REST face of one tool. Its request and response schemas are not
 * declared here: they are generated from the registered tool's inputSchema/outputSchema, the same
 * schemas tools/list publishes and the registry validates with.
 */
export function ToolOperation(spec: ToolOperationSpec): MethodDecorator {
  return ApiExtension(TOOL_OPERATION_EXTENSION, spec);
}
