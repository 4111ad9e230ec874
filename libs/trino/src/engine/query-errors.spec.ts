import { queryFailure, upstreamExcerpt } from './query-errors.js';

describe('upstreamExcerpt', () => {
  it('keeps a short body whole, on one line', () => {
    expect(upstreamExcerpt('<html>\r\n  502 Bad Gateway\u001b[0m</html>')).toBe('<html> 502 Bad Gateway [0m</html>');
  });

  it('drops a token straddling the limit instead of showing part of it', () => {
    const secret = 'Tr1no-planted-secret-value';
    const body = `${'word '.repeat(58)}${secret} tail`; // the secret starts at character 290 of 300
    const excerpt = upstreamExcerpt(body);
    expect(excerpt.endsWith('word…')).toBe(true);
    expect(excerpt).not.toContain('Tr1no');
  });
});

describe('queryFailure', () => {
  it('quotes the error name, message and location of a Trino error, kind by name or type', () => {
    const failure = queryFailure(
      {
        message: "Column 'x' cannot be resolved",
        errorName: 'COLUMN_NOT_FOUND',
        errorType: 'USER_ERROR',
        errorLocation: { lineNumber: 1, columnNumber: 8 },
      },
      'Trino',
    );
    expect(failure).toMatchObject({
      kind: 'not_found',
      message: "Trino query failed: COLUMN_NOT_FOUND: Column 'x' cannot be resolved (line 1:8)",
    });
    expect(queryFailure({ message: 'syntax', errorName: 'SYNTAX_ERROR', errorType: 'USER_ERROR' }, 'Trino').kind).toBe('invalid_arguments');
  });

  it('leaves out an error name or location that is not what Trino sends (a hostile upstream echoes anything)', () => {
    const hostile = { message: 'boom', errorName: 'pw=Tr1no-Secret hunter2', errorLocation: { lineNumber: 'x', columnNumber: 2 } } as never;
    expect(queryFailure(hostile, 'Trino').message).toBe('Trino query failed: boom');
    expect(queryFailure({ message: 42 } as never, 'Trino').message).toBe('Trino query failed: unknown error');
  });
});
