import { Injectable, Module } from '@nestjs/common';
import { ToolError, ToolProvider, type ToolContext, type ToolDefinition, type ToolSource } from '#tool-contract';

/**
 * Test-only tools (production code registers no demo tools). They exercise the registry's
 * contract: validation with defaults, structured output, failures, cancellation and progress.
 */
@ToolProvider()
@Injectable()
export class FixtureToolsProvider implements ToolSource {
  tools(): ToolDefinition<any, any>[] {
    return [echoTool, failTool, slowTool];
  }
}

export const echoTool: ToolDefinition<{ message: string; repeat: number }, { echoed: string; repeat: number }> = {
  name: 'test_echo',
  title: 'Echo',
  description: 'Echoes a message, optionally repeated',
  inputSchema: {
    type: 'object',
    properties: {
      message: { type: 'string', minLength: 1, maxLength: 1000 },
      repeat: { type: 'integer', minimum: 1, maximum: 5, default: 1 },
    },
    required: ['message'],
    additionalProperties: false,
  },
  outputSchema: {
    type: 'object',
    properties: { echoed: { type: 'string' }, repeat: { type: 'integer' } },
    required: ['echoed', 'repeat'],
  },
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
  async handler({ message, repeat }) {
    const echoed = Array.from({ length: repeat }, () => message).join(' ');
    return { text: echoed, structuredContent: { echoed, repeat } };
  },
};

export const failTool: ToolDefinition<{ kind: 'upstream' | 'timeout' | 'crash' }> = {
  name: 'test_fail',
  title: 'Fail',
  description: 'Fails the way it is told to',
  inputSchema: {
    type: 'object',
    properties: { kind: { type: 'string', enum: ['upstream', 'timeout', 'crash'] } },
    required: ['kind'],
    additionalProperties: false,
  },
  annotations: { readOnlyHint: true },
  async handler({ kind }) {
    if (kind === 'crash') throw new TypeError('internal detail that must not leak');
    throw new ToolError(kind, kind === 'upstream' ? 'Upstream answered 500' : 'Upstream timed out after 10 ms');
  },
};

export const slowTool: ToolDefinition<{ ms: number; steps: number }> = {
  name: 'test_slow',
  title: 'Slow',
  description: 'Waits, reporting progress each step, until done or cancelled',
  inputSchema: {
    type: 'object',
    properties: {
      ms: { type: 'integer', minimum: 0, maximum: 60000, default: 1000 },
      steps: { type: 'integer', minimum: 1, maximum: 100, default: 4 },
    },
    additionalProperties: false,
  },
  annotations: { readOnlyHint: true },
  async handler({ ms, steps }, context: ToolContext) {
    for (let step = 1; step <= steps; step++) {
      await sleep(ms / steps, context.signal);
      context.reportProgress({ progress: step, total: steps, message: `step ${step} of ${steps}` });
    }
    return { text: `waited ${ms} ms` };
  },
};

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new ToolError('cancelled', 'cancelled'));
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(new ToolError('cancelled', 'Call was cancelled'));
      },
      { once: true },
    );
  });
}

@Module({ providers: [FixtureToolsProvider] })
export class FixtureToolsModule {}
