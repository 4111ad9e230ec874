import { type Env, loadAppConfig } from '#config';
import { DependencyHealthRegistry, MetricsService } from '#observability';
import { FakeXdpServer } from '../../../../test/fakes/fake-xdp.server.js';
import { XdpClient } from '../client/xdp.client.js';
import { XdpHttpPool } from '../client/xdp-http.pool.js';
import { XdpHealthMonitor } from './xdp-health.monitor.js';

function monitorFor(env: Env) {
  const config = loadAppConfig(env);
  const pool = new XdpHttpPool(config);
  const registry = new DependencyHealthRegistry();
  const monitor = new XdpHealthMonitor(config, new XdpClient(pool, config, new MetricsService()), registry);
  return { monitor, pool, xdpState: () => registry.snapshot().xdp };
}

describe('XdpHealthMonitor', () => {
  let xdp: FakeXdpServer;
  let subject: ReturnType<typeof monitorFor>;

  beforeAll(async () => {
    xdp = await FakeXdpServer.start();
  });

  beforeEach(() => {
    xdp.reset();
    subject = monitorFor({ ...xdp.env(), XDP_TIMEOUT_MS: '2000' });
  });

  afterEach(async () => {
    subject.monitor.onModuleDestroy();
    await subject.pool.onModuleDestroy();
  });

  afterAll(() => xdp.close());

  it('reports disabled, and checks nothing, when XDP is not configured', () => {
    const disabled = monitorFor({});
    disabled.monitor.onApplicationBootstrap();
    expect(disabled.xdpState()).toEqual({ status: 'disabled', message: 'XDP_BASE_URL is not set' });
    disabled.monitor.onModuleDestroy();
  });

  it('is unknown until the first check, then up after the cheap datastore call', async () => {
    expect(subject.xdpState()).toMatchObject({ status: 'unknown' });
    await subject.monitor.check();
    expect(subject.xdpState()).toMatchObject({
      status: 'up',
      breaker: 'closed',
      latencyMs: expect.any(Number),
      checkedAt: expect.any(String),
    });
    expect(xdp.requests()).toEqual([expect.objectContaining({ method: 'GET', path: '/datastore', query: { page: '0', size: '1' } })]);
  });

  it('starts checking at bootstrap and serves the cached state without calling XDP', async () => {
    subject.monitor.onApplicationBootstrap();
    await xdp.waitFor((log) => log.length === 1);
    await subject.monitor.check();
    const calls = xdp.requests().length;
    for (let read = 0; read < 10; read++) subject.xdpState();
    expect(xdp.requests()).toHaveLength(calls);
  });

  it.each([
    ['credentials_rejected', { kind: 'status', status: 401 } as const, 'XDP rejected the credentials (HTTP 401)'],
    ['server_error', { kind: 'status', status: 503 } as const, 'XDP failed with HTTP 503'],
    ['failure_envelope', { kind: 'failure-envelope', message: 'Maintenance' } as const, 'XDP reported a failure for GET /datastore'],
    ['timeout', { kind: 'hang' } as const, 'XDP did not answer GET /datastore within 2000 ms'],
    ['bad_response', { kind: 'malformed-json' } as const, 'XDP returned a bad response body'],
  ])('classifies a failed check as %s, without retrying', async (reason, behaviour, message) => {
    xdp.setBehaviour(behaviour);
    await subject.monitor.check();
    expect(subject.xdpState()).toMatchObject({ status: 'down', reason, message: expect.stringContaining(message) });
    expect(xdp.requests()).toHaveLength(1);
  });

  it('classifies a closed port as unreachable, and recovers to up', async () => {
    const unreachable = monitorFor({ ...xdp.env(), XDP_BASE_URL: 'http://127.0.0.1:1/xdp-cp-service/api' });
    await unreachable.monitor.check();
    expect(unreachable.xdpState()).toMatchObject({ status: 'down', reason: 'unreachable' });
    await unreachable.pool.onModuleDestroy();

    xdp.enqueue({ kind: 'status', status: 502 });
    await subject.monitor.check();
    expect(subject.xdpState().status).toBe('down');
    await subject.monitor.check();
    expect(subject.xdpState().status).toBe('up');
  });

  it('runs one check at a time', async () => {
    xdp.enqueue({ kind: 'slow', delayMs: 100 });
    await Promise.all([subject.monitor.check(), subject.monitor.check(), subject.monitor.check()]);
    expect(xdp.requests()).toHaveLength(1);
  });

  it('aborts a running check when the module is destroyed', async () => {
    xdp.setBehaviour({ kind: 'hang' });
    const check = subject.monitor.check();
    await xdp.waitFor((log) => log.length === 1);
    subject.monitor.onModuleDestroy();
    await check;
    await xdp.waitFor((log) => log[0]?.outcome === 'aborted');
    expect(subject.xdpState().status).toBe('unknown');
  });
});
