import { type DynamicModule, Module, type ModuleMetadata } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { AppConfig, AppConfigModule } from '#config';
import { McpTransportsModule } from '#mcp-transports';
import { HealthModule, LoggingModule, MetricsModule, TracingModule } from '#observability';
import { SecurityModule } from '#security';
import { ToolRegistryModule } from '#tool-registry';
import { TrinoModule } from '#trino';
import { XdpModule } from '#xdp';
import { ApiExceptionFilter } from './api/api-exception.filter.js';
import { ApiModule } from './api/api.module.js';
import { createValidationPipe } from './api/validation.pipe.js';
import { VERSION } from './version.js';

export interface AppModuleOptions {
  config: AppConfig;
  /** Log destination override (tests capture logs this way). */
  logDestination?: NodeJS.WritableStream;
  /** Extra modules, e.g. test-only tool providers. */
  imports?: ModuleMetadata['imports'];
}

/** Composes the libs: config → observability → tool providers → registry → transports. */
@Module({})
export class AppModule {
  static forRoot(options: AppModuleOptions): DynamicModule {
    return {
      module: AppModule,
      imports: [
        AppConfigModule.forConfig(options.config),
        LoggingModule.forRoot({ destination: options.logDestination }),
        MetricsModule,
        TracingModule.forRoot({ serviceVersion: VERSION }),
        HealthModule,
        SecurityModule,
        ToolRegistryModule,
        XdpModule,
        TrinoModule,
        ApiModule,
        McpTransportsModule.forRoot({ serverVersion: VERSION }),
        ...(options.imports ?? []),
      ],
      providers: [
        { provide: APP_FILTER, useClass: ApiExceptionFilter },
        { provide: APP_PIPE, useFactory: createValidationPipe },
      ],
    };
  }
}
