// CPU per XDP request of the built XdpClient (dist/), as Nest wires it, against the fake XDP in a
// child process (its CPU is not counted). Each request is an `xdp_list_datastores` page of 20:
// `GET /datastore`, parsed and validated. Usage: `npm run build && node scripts/measure-xdp-client.mjs`.
// MEASURE_REQUESTS (default 2000) and MEASURE_IN_FLIGHT (default 64) shape the loop; it runs a
// warm-up of the same size first, then prints one JSON line per configuration.
import 'reflect-metadata';
import { fileURLToPath } from 'node:url';
import { NestFactory } from '@nestjs/core';
import { AppConfigModule, loadAppConfig, processEnv } from '#config';
import { XdpClient, XdpModule } from '#xdp';
import { startFakeUpstream } from '../bench/lib/fakes.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const env = processEnv();
const requests = Number(env.MEASURE_REQUESTS ?? 2000);
const inFlightSettings = (env.MEASURE_IN_FLIGHT ?? '1,64').split(',').map(Number);
const PAGE = { page: 0, size: 20, sortBy: 'updatedAt:asc' };

const fake = await startFakeUpstream('xdp', root, { resetLogMs: 1000 });
if (!fake.ok) throw new Error(fake.reason);
const config = loadAppConfig({ ...fake.serverEnv, XDP_HEALTH_INTERVAL_MS: '3600000', LOG_LEVEL: 'error' });
const app = await NestFactory.createApplicationContext(
  { module: class MeasureXdpModule {}, imports: [AppConfigModule.forConfig(config), XdpModule] },
  { logger: ['error'] },
);
const client = app.get(XdpClient);

/** `count` requests, `inFlight` at a time; resolves with CPU and wall time per request in µs. */
async function run(count, inFlight) {
  let next = 0;
  const worker = async () => {
    while (next < count) {
      next++;
      await client.listDatastores(PAGE);
    }
  };
  const cpu = process.cpuUsage();
  const started = performance.now();
  await Promise.all(Array.from({ length: inFlight }, worker));
  const used = process.cpuUsage(cpu);
  return {
    cpuUsPerRequest: Math.round((used.user + used.system) / count),
    wallUsPerRequest: Math.round(((performance.now() - started) * 1000) / count),
  };
}

try {
  for (const inFlight of inFlightSettings) {
    await run(requests, inFlight);
    const measured = await run(requests, inFlight);
    process.stdout.write(`${JSON.stringify({ requests, inFlight, ...measured })}\n`);
  }
} finally {
  await app.close();
  await fake.stop();
}
