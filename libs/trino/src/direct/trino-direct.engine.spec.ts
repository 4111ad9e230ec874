import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppConfig, AppConfigModule, loadAppConfig } from '#config';
import { DIRECT_TRINO_ENGINE, directTrinoEngine } from '../routing/query-engines.providers.js';
import type { DirectTrinoEngine } from './trino-direct.engine.js';

describe('DirectTrinoEngine as a Nest provider', () => {
  let coordinator: Server;
  const sockets: Socket[] = [];

  beforeAll(async () => {
    coordinator = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"starting":false,"nodeVersion":{"version":"476"}}');
    });
    coordinator.on('connection', (socket: Socket) => sockets.push(socket));
    coordinator.listen(0, '127.0.0.1');
    await once(coordinator, 'listening');
  });

  afterAll(async () => {
    coordinator.closeAllConnections();
    await new Promise((resolve) => coordinator.close(resolve));
  });

  it('keeps its connection to the coordinator alive, and closes it when the module is destroyed', async () => {
    const config = loadAppConfig({ TRINO_URL: `http://127.0.0.1:${(coordinator.address() as AddressInfo).port}` });
    @Module({
      imports: [AppConfigModule.forConfig(config)],
      providers: [{ provide: DIRECT_TRINO_ENGINE, inject: [AppConfig], useFactory: directTrinoEngine }],
    })
    class HostModule {}
    const app = await NestFactory.createApplicationContext(HostModule, { logger: false });
    const engine = app.get<DirectTrinoEngine>(DIRECT_TRINO_ENGINE);
    await expect(engine.checkHealth()).resolves.toMatchObject({ status: 'up', message: 'Trino 476' });
    expect(sockets).toHaveLength(1);
    const closed = once(sockets[0]!, 'close');
    await app.close();
    await closed;
    await expect(engine.checkHealth()).resolves.toMatchObject({ status: 'down', message: expect.stringContaining('UND_ERR_DESTROYED') });
  });
});
