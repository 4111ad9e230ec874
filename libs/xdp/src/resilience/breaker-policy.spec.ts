import { reportsQueryFailure, verdictForStatus } from './breaker-policy.js';

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
