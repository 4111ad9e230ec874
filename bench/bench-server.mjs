// The built server (dist/) started exactly like main.js, plus the bench-only tool module.
import 'reflect-metadata';
import { loadAppConfig, processEnv } from '#config';
import { exitGracefullyOnSignals } from '#observability';
import { startHttpServer } from '../dist/apps/xdp-mcp-server/src/bootstrap.js';
import { BenchToolsModule } from './bench-tools.module.mjs';

const config = loadAppConfig(processEnv(), process.argv);
const { app } = await startHttpServer(config, { imports: [BenchToolsModule] });
exitGracefullyOnSignals(app);
