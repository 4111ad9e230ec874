import { Injectable, Module } from '@nestjs/common';
import { ToolError, ToolProvider, type ToolDefinition, type ToolSource } from '#tool-contract';

interface ProbeCall {
  started: Promise<void>;
  aborted: Promise<string>;
  markStarted(): void;
  markAborted(reason: string): void;
}

const calls = new Map<string, ProbeCall>();

/**
 * Lets a transport test watch a handler from the server side: `test_wait_for_abort` blocks until
 * its AbortSignal fires, and the test awaits `started(key)` / `aborted(key)`.
 */
export const abortProbe = {
  started: (key: string) => callFor(key).started,
  aborted: (key: string) => callFor(key).aborted,
};

function callFor(key: string): ProbeCall {
  let call = calls.get(key);
  if (!call) {
    let markStarted!: () => void;
    let markAborted!: (reason: string) => void;
    const started = new Promise<void>((resolve) => (markStarted = resolve));
    const aborted = new Promise<string>((resolve) => (markAborted = resolve));
    call = { started, aborted, markStarted, markAborted };
    calls.set(key, call);
  }
  return call;
}

const waitForAbortTool: ToolDefinition<{ key: string }> = {
  name: 'test_wait_for_abort',
  title: 'Wait for abort',
  description: 'Runs until its call is cancelled; records start and abort under `key`',
  inputSchema: { type: 'object', properties: { key: { type: 'string', minLength: 1 } }, required: ['key'], additionalProperties: false },
  annotations: { readOnlyHint: true },
  handler({ key }, context) {
    const call = callFor(key);
    call.markStarted();
    return new Promise((_resolve, reject) => {
      if (context.signal.aborted) {
        call.markAborted(String(context.signal.reason ?? 'aborted'));
        return reject(new ToolError('cancelled', 'Call was cancelled'));
      }
      context.signal.addEventListener(
        'abort',
        () => {
          call.markAborted(String(context.signal.reason ?? 'aborted'));
          reject(new ToolError('cancelled', 'Call was cancelled'));
        },
        { once: true },
      );
    });
  },
};

@ToolProvider()
@Injectable()
class AbortProbeProvider implements ToolSource {
  tools() {
    return [waitForAbortTool];
  }
}

@Module({ providers: [AbortProbeProvider] })
export class AbortProbeModule {}
