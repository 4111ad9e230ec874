import { context, trace } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { createSecretScrubber } from '../logging/secret-scrubber.js';
import { ScrubbingSpanProcessor } from './scrubbing-span.processor.js';
import { urlWithoutSecrets } from './http-client.span.js';

describe('ScrubbingSpanProcessor', () => {
  const exporter = new InMemorySpanExporter();
  const scrub = createSecretScrubber({
    secrets: ['sup3r-secret-value'],
    internalEndpoints: [{ label: 'Trino', url: 'http://trino.internal:8080' }],
  });
  const provider = new BasicTracerProvider({ spanProcessors: [new ScrubbingSpanProcessor(scrub, new SimpleSpanProcessor(exporter))] });

  afterAll(() => provider.shutdown());

  it('scrubs string and string-array attributes and the status message before export', () => {
    const span = provider.getTracer('test').startSpan('call', {}, context.active());
    span.setAttributes({
      'url.full': 'http://trino.internal:8080/v1/statement',
      note: 'token=sup3r-secret-value',
      list: ['a', 'sup3r-secret-value'],
      count: 3,
    });
    span.setStatus({ code: 2, message: 'failed with sup3r-secret-value' });
    span.end();
    const [exported] = exporter.getFinishedSpans();
    expect(exported.attributes).toEqual({
      'url.full': '[Trino]/v1/statement',
      note: 'token=[REDACTED]',
      list: ['a', '[REDACTED]'],
      count: 3,
    });
    expect(exported.status.message).toBe('failed with [REDACTED]');
    expect(trace.getActiveSpan()).toBeUndefined();
  });
});

describe('urlWithoutSecrets', () => {
  it('keeps scheme, host and path only', () => {
    expect(urlWithoutSecrets('https://user:pw@xdp.example.com:8443/api/query?token=abc#frag')).toBe(
      'https://xdp.example.com:8443/api/query',
    );
    expect(urlWithoutSecrets('not a url')).toBe('[unparseable URL]');
  });
});
