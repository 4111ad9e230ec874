export { ToolProvider } from './tool-provider.decorator.js';
export { errorClassOf, kindOfDuckDbError, kindOfTrinoError, type ErrorClass, type TrinoErrorCode } from './engine-error.taxonomy.js';
export { ToolError, isToolError, type FieldProblem, type ToolErrorKind } from './tool.error.js';
export {
  ANONYMOUS,
  type ArgumentsOf,
  type AuditFacts,
  type JsonSchema,
  type ObjectSchema,
  type Principal,
  type ProgressUpdate,
  type PublishedTool,
  type ToolAnnotations,
  type ToolContext,
  type ToolDefinition,
  type ToolOutput,
  type ToolSource,
  type TransportKind,
} from './tool.types.js';
export { principalOf, type RequestWithPrincipal } from './request-principal.js';
