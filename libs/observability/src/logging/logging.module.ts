import { type DynamicModule, Module, type OnApplicationShutdown } from '@nestjs/common';
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

/** Longest the shutdown waits for queued log lines to reach a reader that is slow to read. */
const FLUSH_WAIT_MS = 5_000;

const QUIET_ROUTES = /^\/(health|ready|metrics)\b/;

/**
 * The log file descriptor is written asynchronously: a line is queued and the write(2) happens off
 * the caller's path, with the lines queued meanwhile coalesced into one write, so a tool call
 * never waits on stdout (one Audit line per call). Nothing is delayed while the stream is idle.
 * What is still queued is written synchronously when the application shuts down (after the drain,
 * so every drained call's Audit line is in) and, as a last resort, by pino when the process exits.
 */
class LogDestination implements OnApplicationShutdown {
  private stream?: pino.DestinationStream & { flushSync(): void };

  open(fd: 1 | 2): pino.DestinationStream {
    this.stream ??= pino.destination({ dest: fd, sync: false });
    return this.stream;
  }

  /**
   * Waits for a write still in flight, then writes the rest synchronously: flushSync() alone skips
   * the buffer an asynchronous write holds, and with a full pipe that write is retried on a timer
   * the exiting process may never run (one Audit line in 400 was lost that way). The wait is
   * bounded, so a reader that never reads cannot hold the shutdown.
   */
  async onApplicationShutdown(): Promise<void> {
    const stream = this.stream;
    if (!stream) return;
    // sonic-boom exposes no "write in flight" state but this field; it stays set through EAGAIN retries.
    const deadline = Date.now() + FLUSH_WAIT_MS;
    while ((stream as unknown as { _writing: boolean })._writing && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    stream.flushSync();
  }
}

/**
 * Structured JSON logs via pino, honouring LOG_LEVEL, with credentials redacted from every line.
 * (nestjs-pino's LoggerModule makes its Logger available everywhere; nothing of ours is global.)
 */
@Module({})
export class LoggingModule {
  static forRoot(options: LoggingOptions = {}): DynamicModule {
    const logDestination = new LogDestination();
    return {
      module: LoggingModule,
      providers: [{ provide: LogDestination, useValue: logDestination }],
      imports: [
        ScrubberModule,
        LoggerModule.forRootAsync({
          inject: [AppConfig],
          useFactory: (config: AppConfig) => {
            const { scrub } = new OutboundScrubber(config);
            const destination = options.destination ?? logDestination.open(config.server.transport === 'stdio' ? 2 : 1);
            return {
              pinoHttp: {
                level: config.server.logLevel,
                // trace_id/span_id of the active span, so a log line can be found from its trace and back.
                mixin: () => activeTraceIds() ?? {},
                stream: destination,
                hooks: { streamWrite: scrub },
                redact: {
                  paths: [
                    'req.headers.authorization',
                    'req.headers.cookie',
                    'req.headers["x-api-key"]',
                    'req.headers.accesskey',
                    'req.headers.secretkey',
                  ],
                  censor: '[REDACTED]',
                },
                // Successful requests log at debug: a log line per call is a measurable cost on the hot path.
                customLogLevel: (_req, res, error) => (error || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'debug'),
                autoLogging: { ignore: (req) => QUIET_ROUTES.test(req.url ?? '') },
                // Our serializers read the raw request and response. pino-http would otherwise first run
                // pino's standard ones (a new object with every header, the socket address...) for the
                // request logger it binds on every request, logged or not.
                wrapSerializers: false,
                serializers: {
                  req: (req: { method?: string; originalUrl?: string; url?: string; id?: unknown }) => ({
                    id: req.id,
                    method: req.method,
                    url: req.originalUrl ?? req.url,
                  }),
                  // The status is what a 4xx/5xx line needs; the ~1 KB of response headers (CSP, CORS...) is noise.
                  res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
                  err: pino.stdSerializers.err,
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
