import { reportsQueryFailure, verdictForStatus } from './breaker-policy.js';
import { CircuitBreaker } from './circuit-breaker.js';

const QUERY_FAILED = { queryId: 'q1', error: "line 1:8: Column 'x' cannot be resolved", result: null };
const RESULT_FAILED = { queryId: 'q1', error: null, result: { error: { message: 'boom', errorType: 'USER_ERROR' } } };
const XDP_ERROR = { errorCode: 500, success: false, message: 'Internal Server Error', data: null };

describe('verdictForStatus', () => {
  it.each([
    [200, {}, false, 'healthy'],
    [400, XDP_ERROR, true, 'healthy'],
    [401, XDP_ERROR, false, 'healthy'],
    [404, XDP_ERROR, false, 'healthy'],
    [429, XDP_ERROR, false, 'healthy'],
    [500, QUERY_FAILED, true, 'healthy'],
    [500, RESULT_FAILED, true, 'healthy'],
    [500, XDP_ERROR, true, 'unhealthy'],
    [500, undefined, true, 'unhealthy'],
    [500, QUERY_FAILED, false, 'unhealthy'],
    [502, QUERY_FAILED, true, 'unhealthy'],
    [503, XDP_ERROR, false, 'unhealthy'],
    [504, undefined, true, 'unhealthy'],
  ])('HTTP %i with %j (query: %s) is %s', (status, body, isQuery, verdict) => {
    expect(verdictForStatus(status, body, isQuery)).toBe(verdict);
  });

  it('reads the query-failure shape only from a non-null error', () => {
    expect(reportsQueryFailure({ error: null, result: { error: null } })).toBe(false);
    expect(reportsQueryFailure('<html>500</html>')).toBe(false);
    expect(reportsQueryFailure(QUERY_FAILED)).toBe(true);
  });
});

describe('a shared breaker fed by the verdicts', () => {
  let now = 0;
  const breaker = () => new CircuitBreaker({ threshold: 3, cooldownMs: 1000, now: () => now });
  const feed = (subject: CircuitBreaker, status: number, body: unknown) =>
    verdictForStatus(status, body, true) === 'healthy' ? subject.recordSuccess() : subject.recordFailure(`HTTP ${status}`);

  beforeEach(() => {
    now = 0;
  });

  it('stays closed however many users send SQL that XDP reports as HTTP 500', () => {
    const subject = breaker();
    for (let call = 0; call < 50; call++) {
      now += 10;
      feed(subject, 500, call % 2 ? QUERY_FAILED : RESULT_FAILED);
    }
    expect(subject.snapshot()).toEqual({ state: 'closed', consecutiveFailures: 0 });
  });

  it('opens on gateway errors and bare 5xx, and closes once a probe is answered with a query failure', () => {
    const subject = breaker();
    feed(subject, 503, XDP_ERROR);
    feed(subject, 500, XDP_ERROR);
    feed(subject, 504, undefined);
    expect(subject.state).toBe('open');
    expect(subject.admit()).toBe(false);
    now += 1000;
    expect(subject.admit()).toBe(true);
    feed(subject, 500, QUERY_FAILED); // the probe got an answer judging the query: XDP is alive
    expect(subject.state).toBe('closed');
  });
});
