import { existsSync } from 'node:fs';
import { type DynamicModule, Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
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
      imports: [ConfigModule.forRoot({ ignoreEnvFile: true, skipProcessEnv: true, validatePredefined: false, load: [() => ({ ...config })] })],
      providers: [{ provide: AppConfig, useValue: config }],
      exports: [AppConfig],
    };
  }
}
