// Bench-only tool provider, written in plain JavaScript with the decorators applied
// programmatically, so the built server can be measured on a trivial in-process tool
// without any demo tool in production code.
import { Injectable, Module } from '@nestjs/common';
import { ToolProvider } from '#tool-contract';

export const benchEchoTool = {
  name: 'bench_echo',
  title: 'Bench echo',
  description: 'Returns its text argument unchanged (benchmark only)',
  inputSchema: {
    type: 'object',
    properties: { text: { type: 'string', maxLength: 1000 } },
    required: ['text'],
    additionalProperties: false,
  },
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
  async handler({ text }) {
    return { text };
  },
};

export class BenchToolsProvider {
  tools() {
    return [benchEchoTool];
  }
}
Injectable()(BenchToolsProvider);
ToolProvider()(BenchToolsProvider);

export class BenchToolsModule {}
Module({ providers: [BenchToolsProvider] })(BenchToolsModule);
