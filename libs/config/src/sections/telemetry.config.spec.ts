import { loadAppConfig } from '../app-config.js';
import { ConfigValidationError } from '../config.error.js';

describe('telemetry configuration (OTEL_*)', () => {
  it('is off without an endpoint, with the standard defaults', () => {
    const { telemetry } = loadAppConfig({});
    expect(telemetry).toMatchObject({
      tracingEnabled: false,
      serviceName: 'xdp-mcp-server',
      protocol: 'http/protobuf',
      sampler: 'parentbased_always_on',
      samplerRatio: 1,
    });
    expect(telemetry.batch.scheduleDelayMs).toBe(5000);
  });

  it('appends /v1/traces to the base endpoint, and takes the traces endpoint as is', () => {
    expect(loadAppConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' }).telemetry).toMatchObject({
      tracingEnabled: true,
      tracesEndpoint: 'http://collector:4318/v1/traces',
    });
    const both = loadAppConfig({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://tempo.example.com/otlp/v1/traces',
    });
    expect(both.telemetry.tracesEndpoint).toBe('https://tempo.example.com/otlp/v1/traces');
  });

  it('stays off when OTEL_SDK_DISABLED is true, whatever the endpoint', () => {
    expect(
      loadAppConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_SDK_DISABLED: 'true' }).telemetry.tracingEnabled,
    ).toBe(false);
  });

  it('reads headers as secrets, percent-decoded, the traces list winning', () => {
    const config = loadAppConfig({
      OTEL_EXPORTER_OTLP_HEADERS: 'api-key=abc%20def,x-team=data',
      OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'x-team=traces',
    });
    expect(config.telemetry.headers).toEqual({ 'api-key': 'abc def', 'x-team': 'traces' });
    expect(config.secretValues).toEqual(expect.arrayContaining(['abc def', 'api-key=abc%20def,x-team=data']));
  });

  it('names every bad setting without echoing header values', () => {
    const attempt = () =>
      loadAppConfig({
        OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
        OTEL_TRACES_SAMPLER: 'sometimes',
        OTEL_TRACES_SAMPLER_ARG: '2',
        OTEL_BSP_SCHEDULE_DELAY: 'soon',
        OTEL_EXPORTER_OTLP_HEADERS: 'hunter2-no-equals',
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://user:pw@collector:4318',
      });
    expect(attempt).toThrow(ConfigValidationError);
    const message = (() => {
      try {
        attempt();
        return '';
      } catch (error) {
        return (error as Error).message;
      }
    })();
    for (const name of [
      'OTEL_EXPORTER_OTLP_PROTOCOL',
      'OTEL_TRACES_SAMPLER ',
      'OTEL_TRACES_SAMPLER_ARG',
      'OTEL_BSP_SCHEDULE_DELAY',
      'OTEL_EXPORTER_OTLP_HEADERS',
      'OTEL_EXPORTER_OTLP_ENDPOINT',
    ])
      expect(message).toContain(name);
    expect(message).not.toContain('hunter2');
    expect(message).not.toContain('user:pw');
  });
});
