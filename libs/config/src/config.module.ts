import { existsSync } from 'node:fs';
import { type DynamicModule, Module } from '@nestjs/common';
import { AppConfig, loadAppConfig } from './app-config.js';
import type { Env } from './env-reader.js';

export interface AppConfigModuleOptions {
  /** Environment to read; defaults to the process environment (plus `.env` when present). */
  env?: Env;
  argv?: readonly string[];
}

/** The process environment is read here and nowhere else. */
export function processEnv(): Env {
  if (existsSync('.env')) process.loadEnvFile('.env');
  return process.env;
}

/**
 * The one global module: AppConfig, read and validated once (loadAppConfig names every problem),
 * typed per section (`config.xdp`, `config.trino`, ...). @nestjs/config is not used: its
 * ConfigService would be a second, untyped way to reach the same values.
 */
@Module({})
export class AppConfigModule {
  static forRoot(options: AppConfigModuleOptions = {}): DynamicModule {
    const config = loadAppConfig(options.env ?? processEnv(), options.argv ?? process.argv);
    return AppConfigModule.forConfig(config);
  }

  static forConfig(config: AppConfig): DynamicModule {
    return {
      module: AppConfigModule,
      global: true,
      providers: [{ provide: AppConfig, useValue: config }],
      exports: [AppConfig],
    };
  }
}
