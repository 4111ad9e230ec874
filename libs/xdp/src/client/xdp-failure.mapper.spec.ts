import { errors } from 'undici';
import { createMessageSanitizer } from './message-sanitizer.js';
import { classifyTransportError, errorForOpenCircuit, errorForStatus, queryFailureOf, upstreamSaid } from './xdp-failure.mapper.js';

const sanitize = createMessageSanitizer(['s3cr3t-value']);

describe('XDP failure mapping', () => {
  it('reads message, detailedMessage and errorCode from an envelope, sanitised', () => {
    const said = upstreamSaid(
      { errorCode: 12, message: 'Denied\n\u001b[31mforged line', detailedMessage: 'key s3cr3t-value rejected' },
      sanitize,
    );
    expect(said).toEqual({ errorCode: 12, message: 'Denied [31mforged line — key [REDACTED] rejected' });
  });

  it('reads a Trino-style error object and drops duplicates and blanks', () => {
    expect(upstreamSaid({ message: 'x', detailedMessage: 'x', error: { message: 'y' } }, sanitize)).toEqual({
      message: 'x — y',
      errorCode: undefined,
    });
    expect(upstreamSaid({ message: ' ', detailedMessage: null }, sanitize)).toEqual({ message: undefined, errorCode: undefined });
    expect(upstreamSaid('<html>502</html>', sanitize)).toEqual({});
  });

  it('truncates long upstream text', () => {
    expect(upstreamSaid({ message: 'a'.repeat(2000) }, sanitize).message).toHaveLength(501);
  });

  it.each([
    [
      401,
      'upstream',
      'credentials_rejected',
      'XDP rejected the credentials (HTTP 401) for GET /datastore: check XDP_ACCESS_KEY and XDP_SECRET_KEY',
    ],
    [
      403,
      'upstream',
      'credentials_rejected',
      'XDP rejected the credentials (HTTP 403) for GET /datastore: check XDP_ACCESS_KEY and XDP_SECRET_KEY',
    ],
    [
      404,
      'upstream',
      'not_found',
      'XDP answered 404 Not Found for GET /datastore: check that XDP_BASE_URL is the control-plane API root (https://<host>/xdp-cp-service/api)',
    ],
    [400, 'invalid_arguments', 'rejected_request', 'XDP rejected GET /datastore with HTTP 400'],
    [409, 'upstream', 'rejected_request', 'XDP rejected GET /datastore with HTTP 409'],
    [302, 'upstream', 'redirect', expect.stringContaining('redirects are not followed so the credentials are never sent elsewhere')],
    [503, 'upstream', 'server_error', 'XDP failed with HTTP 503 for GET /datastore after 3 attempts'],
  ])('maps HTTP %i to %s (%s)', (status, kind, reason, message) => {
    expect(errorForStatus('GET /datastore', status, {}, status === 503 ? 3 : 1)).toMatchObject({
      kind,
      reason,
      message,
      details: { upstreamStatus: status },
    });
  });

  it('maps 429 to rate_limited with the retry delay in seconds', () => {
    expect(errorForStatus('GET /dataplane', 429, { message: 'slow down' }, 1, 1500)).toMatchObject({
      kind: 'rate_limited',
      message: 'XDP is rate limiting requests (HTTP 429) for GET /dataplane; retry after 2 s. XDP said: slow down',
      details: { retryAfterSeconds: 2 },
    });
  });

  it('explains an open breaker and when it will try again', () => {
    expect(
      errorForOpenCircuit('GET /dataplane', { state: 'open', consecutiveFailures: 5, lastFailure: 'HTTP 503', retryInMs: 7200 }).message,
    ).toBe(
      'XDP is unavailable: 5 consecutive requests failed (last: HTTP 503); new requests are refused for another 8 s. Failing fast instead of waiting for GET /dataplane',
    );
  });

  it('classifies transport errors by code, retrying only those that can heal', () => {
    const system = (code: string, message: string) => Object.assign(new Error(message), { code });
    expect(classifyTransportError(system('ECONNREFUSED', 'connect ECONNREFUSED 10.0.0.7:443'))).toEqual({
      description: 'connection refused (ECONNREFUSED)',
      retryable: true,
      tooLarge: false,
    });
    expect(classifyTransportError(system('ENOTFOUND', 'getaddrinfo ENOTFOUND xdp.internal'))).toEqual({
      description: 'host not found (ENOTFOUND)',
      retryable: false,
      tooLarge: false,
    });
    expect(classifyTransportError(new errors.SocketError('other side closed'))).toEqual({
      description: 'connection closed before the response was complete (UND_ERR_SOCKET)',
      retryable: true,
      tooLarge: false,
    });
    expect(classifyTransportError(new errors.ConnectTimeoutError())).toMatchObject({ retryable: true });
    expect(classifyTransportError(new errors.HeadersTimeoutError())).toMatchObject({ retryable: true });
    expect(classifyTransportError(new errors.ClientDestroyedError())).toMatchObject({ retryable: false });
    expect(classifyTransportError(new errors.ResponseExceededMaxSizeError())).toEqual({
      description: 'response too large',
      retryable: false,
      tooLarge: true,
    });
    expect(classifyTransportError(system('HPE_INVALID_CONSTANT', 'Expected HTTP/'))).toEqual({
      description: 'invalid HTTP response (HPE_INVALID_CONSTANT)',
      retryable: false,
      tooLarge: false,
    });
    expect(classifyTransportError(system('DEPTH_ZERO_SELF_SIGNED_CERT', 'self-signed certificate'))).toEqual({
      description: 'self-signed certificate (DEPTH_ZERO_SELF_SIGNED_CERT)',
      retryable: false,
      tooLarge: false,
    });
  });

  it('never reads the message to classify: the same text under another code is not a size failure', () => {
    const error = Object.assign(new Error('maxContentLength size of 1024 exceeded'), { code: 'ERR_SOMETHING' });
    expect(classifyTransportError(error)).toMatchObject({ tooLarge: false, retryable: false });
  });

  it('finds a query failure in error or result.error, and none in a successful run', () => {
    expect(queryFailureOf({ queryId: 'q1', error: null, result: { error: null, data: [] } }, 200, sanitize)).toBeUndefined();
    expect(queryFailureOf({ queryId: 'q1', error: 'boom' }, 200, sanitize)).toMatchObject({
      message: 'Query failed [q1]: boom',
      kind: 'upstream',
    });
    expect(
      queryFailureOf({ result: { id: 'q2', error: { message: 'no', errorName: 'X', errorType: 'INTERNAL_ERROR' } } }, 200, sanitize),
    ).toMatchObject({
      message: 'Query failed [q2]: no (X)',
      kind: 'upstream',
      queryId: 'q2',
    });
  });
});

describe('XDP identifiers echoed by a hostile upstream', () => {
  const hostile = createMessageSanitizer({ secrets: ['XDP-SECRET-planted-0042'] });

  it('drops errorCode, errorName and queryId that carry a secret or free text, keeps real identifiers', () => {
    expect(upstreamSaid({ errorCode: 'XDP-SECRET-planted-0042', message: 'm' }, hostile)).toEqual({ message: 'm', errorCode: undefined });
    expect(upstreamSaid({ errorCode: 'E_QUERY 1; password=x', message: 'm' }, hostile).errorCode).toBeUndefined();
    expect(upstreamSaid({ errorCode: 'E_QUERY_1', message: 'm' }, hostile).errorCode).toBe('E_QUERY_1');
    const failed = queryFailureOf(
      {
        queryId: 'XDP-SECRET-planted-0042',
        error: { message: 'bad XDP-SECRET-planted-0042', errorName: 'XDP-SECRET-planted-0042', errorCode: 1 },
      },
      500,
      hostile,
    )!;
    expect(failed.message).toBe('Query failed: bad [REDACTED]');
    expect(failed.queryId).toBeUndefined();
    expect(JSON.stringify(failed.queryError)).not.toContain('XDP-SECRET-planted-0042');
    expect(
      queryFailureOf({ queryId: '20250821_164055_00012_x7k2p', error: { message: 'm', errorName: 'SYNTAX_ERROR' } }, 200, hostile)!.message,
    ).toBe('Query failed [20250821_164055_00012_x7k2p]: m (SYNTAX_ERROR)');
  });
});
