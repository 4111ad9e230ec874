export type { ToolCallOutcome, ToolCallResult } from './tool-call.types.js';
export { ToolRegistryModule } from './tool-registry.module.js';
export { ToolRegistryService } from './tool-registry.service.js';
