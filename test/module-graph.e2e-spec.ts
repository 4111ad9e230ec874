import { ModulesContainer } from '@nestjs/core';
import { RateLimiter } from '#security';
import { MetricsService, OutboundScrubber } from '#observability';
import { startTestServer, type TestServer } from './support/app-harness.js';

/** Modules from outside the repository that declare themselves global; ours may not. */
const THIRD_PARTY_GLOBALS = new Set(['InternalCoreModule', 'LoggerModule', 'ThrottlerModule']);

describe('module graph', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ imports: [] });
  });
  afterAll(() => server.close());

  it('has no global module of ours except the configuration module', () => {
    const globals = [...server.app.get(ModulesContainer).values()].filter((module) => module.isGlobal).map((module) => module.name);
    expect(globals.filter((name) => !THIRD_PARTY_GLOBALS.has(name))).toEqual(['AppConfigModule']);
  });

  it('builds one instance of each shared provider although several modules import it', () => {
    const app = server.app;
    const modules = [...app.get(ModulesContainer).values()];
    for (const token of [MetricsService, OutboundScrubber, RateLimiter]) {
      const instances = new Set(
        modules.filter((module) => module.providers.has(token)).map((module) => module.providers.get(token)?.instance),
      );
      expect({ token: token.name, instances: instances.size }).toEqual({ token: token.name, instances: 1 });
    }
  });
});
