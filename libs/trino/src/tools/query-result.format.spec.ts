import { renderResultText, type QueryResultContent } from './query-result.format.js';

function content(rows: QueryResultContent['rows'], truncated = false): QueryResultContent {
  return {
    dataplane: 'local',
    columns: [{ name: 'id', type: 'integer' }, { name: 'note', type: 'varchar' }],
    rows,
    rowCount: rows.length,
    truncated,
    queryId: 'q1',
    elapsedMs: 5,
  };
}

describe('renderResultText', () => {
  it('renders a header with types, one line per row, and a summary', () => {
    const text = renderResultText(content([[1, 'a'], [2, null], [3, { x: [1] } as never]]), 4096, 100);
    expect(text).toBe('id (integer) | note (varchar)\n1 | a\n2 | NULL\n3 | {"x":[1]}\n3 row(s) · query q1 on dataplane "local" · 5 ms');
  });

  it('says when the row cap cut the result', () => {
    expect(renderResultText(content([[1, 'a']], true), 4096, 1)).toContain('Result truncated at maxRows=1: the query has more rows.');
  });

  it('stays within the byte budget with multi-byte text and says how many rows it shows', () => {
    const rows = Array.from({ length: 500 }, (_, i) => [i, 'ü€😀'.repeat(10)]);
    const text = renderResultText(content(rows), 2048, 1000);
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(2048);
    const shown = text.split('\n').length - 3;
    expect(text).toContain(`Text truncated: ${shown} of 500 rows shown to stay within 2048 bytes`);
  });

  it('flattens newlines and shortens very long cells', () => {
    const text = renderResultText(content([[1, `line1\nline2${'x'.repeat(500)}`]]), 4096, 100);
    const line = text.split('\n')[1];
    expect(line.startsWith('1 | line1 line2')).toBe(true);
    expect(line.length).toBeLessThanOrEqual(4 + 200);
    expect(line.endsWith('…')).toBe(true);
  });

  it('still fits when even the header is larger than the budget', () => {
    const wide: QueryResultContent = { ...content([]), columns: Array.from({ length: 400 }, (_, i) => ({ name: `column_${i}`, type: 'varchar' })) };
    const text = renderResultText(wide, 1024, 100);
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(1024);
    expect(text).toContain('[text truncated to the result size budget]');
  });
});
