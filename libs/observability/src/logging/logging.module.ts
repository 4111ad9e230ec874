import { type DynamicModule, Module } from '@nestjs/common';
import { AppConfig } from '#config';
import { LoggerModule } from 'nestjs-pino';
import pino from 'pino';
import { activeTraceIds } from '../tracing/tracer.js';
import { OutboundScrubber } from './outbound-scrubber.js';
import { ScrubberModule } from './scrubber.module.js';

export interface LoggingOptions {
  /** Where log lines go; defaults to stdout, or stderr when MCP is served over stdio. */
  destination?: NodeJS.WritableStream;
}

const QUIET_ROUTES = /^\/(health|ready|metrics)\b/;

/**
 * Structured JSON logs via pino, honouring LOG_LEVEL, with credentials redacted from every line.
 * (nestjs-pino's LoggerModule makes its Logger available everywhere; nothing of ours is global.)
 */
@Module({})
export class LoggingModule {
  static forRoot(options: LoggingOptions = {}): DynamicModule {
    return {
      module: LoggingModule,
      imports: [
        ScrubberModule,
        LoggerModule.forRootAsync({
          inject: [AppConfig],
          useFactory: (config: AppConfig) => {
            const { scrub } = new OutboundScrubber(config);
            const destination =
              options.destination ?? (config.server.transport === 'stdio' ? pino.destination(2) : pino.destination(1));
            return {
              pinoHttp: {
                level: config.server.logLevel,
                // trace_id/span_id of the active span, so a log line can be found from its trace and back.
                mixin: () => activeTraceIds() ?? {},
                stream: destination,
                hooks: { streamWrite: scrub },
                redact: {
                  paths: ['req.headers.authorization', 'req.headers.cookie', 'req.headers["x-api-key"]', 'req.headers.accesskey', 'req.headers.secretkey'],
                  censor: '[REDACTED]',
                },
                // Successful requests log at debug: a log line per call is a measurable cost on the hot path.
                customLogLevel: (_req, res, error) => (error || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'debug'),
                autoLogging: { ignore: (req) => QUIET_ROUTES.test(req.url ?? '') },
                serializers: {
                  req: (req: { method?: string; url?: string; id?: unknown }) => ({ id: req.id, method: req.method, url: req.url }),
                  // The status is what a 4xx/5xx line needs; the ~1 KB of response headers (CSP, CORS...) is noise.
                  res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
                },
              },
            };
          },
        }),
      ],
      exports: [LoggerModule],
    };
  }
}
