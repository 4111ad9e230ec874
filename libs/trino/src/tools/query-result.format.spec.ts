import { jsonBytes } from '../engine/row-budget.js';
import {
  planLines,
  renderBoundedAnswer,
  renderPlanAnswer,
  renderResultText,
  toContent,
  type QueryResultContent,
} from './query-result.format.js';

function content(rows: QueryResultContent['rows'], truncated = false): QueryResultContent {
  return {
    dataplane: 'local',
    columns: [
      { name: 'id', type: 'integer' },
      { name: 'note', type: 'varchar' },
    ],
    rows,
    rowCount: rows.length,
    truncated,
    queryId: 'q1',
    elapsedMs: 5,
  };
}

describe('renderResultText', () => {
  it('renders a header with types, one line per row, and a summary', () => {
    const text = renderResultText(
      content([
        [1, 'a'],
        [2, null],
        [3, { x: [1] } as never],
      ]),
      4096,
      100,
    );
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
    const wide: QueryResultContent = {
      ...content([]),
      columns: Array.from({ length: 400 }, (_, i) => ({ name: `column_${i}`, type: 'varchar' })),
    };
    const text = renderResultText(wide, 1024, 100);
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(1024);
    expect(text).toContain('[text truncated to the result size budget]');
  });
});

/** What the registry sends for a tool answer, inside the JSON-RPC envelope. */
function wireBytes(answer: { text: string; structuredContent: QueryResultContent }): number {
  return jsonBytes({
    jsonrpc: '2.0',
    id: 12345,
    result: { content: [{ type: 'text', text: answer.text }], structuredContent: answer.structuredContent },
  });
}

describe('renderBoundedAnswer', () => {
  it('leaves a result that fits untouched', () => {
    const small = content([
      [1, 'a'],
      [2, 'b'],
    ]);
    const answer = renderBoundedAnswer(small, 4096, 100);
    expect(answer.structuredContent).toBe(small);
    expect(answer.structuredContent.truncatedBy).toBeUndefined();
    expect(answer.text).not.toContain('Result cut');
  });

  it('keeps text and structuredContent together within the budget, the wide row cut with a marker', () => {
    const rows = Array.from({ length: 60 }, (_, i) => [i, 'x'.repeat(1_000_000)]);
    const answer = renderBoundedAnswer(content(rows), 262_144, 100);
    expect(wireBytes(answer)).toBeLessThanOrEqual(262_144);
    expect(answer.structuredContent).toMatchObject({ rowCount: 1, truncated: true, truncatedBy: 'bytes' });
    expect(answer.structuredContent.rows[0][1]).toMatch(/^x+…\[cut: 1000002 bytes in full\]$/);
    expect(answer.text).toContain('Result cut to fit the 262144-byte result budget (RESULT_MAX_BYTES): 1 row(s) kept');
    expect(answer.text).toContain('Add a LIMIT, select fewer or narrower columns');
  });

  it('keeps as many whole rows as fit and says how many', () => {
    const rows = Array.from({ length: 4000 }, (_, i) => [i, `row ${i} `.repeat(20)]);
    const answer = renderBoundedAnswer(content(rows), 65_536, 10_000);
    expect(wireBytes(answer)).toBeLessThanOrEqual(65_536);
    const kept = answer.structuredContent.rowCount;
    expect(kept).toBeGreaterThan(100);
    expect(kept).toBeLessThan(4000);
    expect(answer.structuredContent.rows.slice(0, kept - 1)).toEqual(rows.slice(0, kept - 1));
    expect(answer.text).toContain(`${kept} row(s) kept`);
  });

  it('counts JSON escapes of quotes and control characters in the text', () => {
    const rows = Array.from({ length: 2000 }, (_, i) => [i, '"\\\u0001'.repeat(60)]);
    for (const budget of [1024, 8192, 100_000]) {
      expect(wireBytes(renderBoundedAnswer(content(rows), budget, 10_000))).toBeLessThanOrEqual(budget);
    }
  });

  it('says when the engine stopped at the byte budget even if the rows now fit', () => {
    const answer = renderBoundedAnswer({ ...content([[1, 'a']], true), truncatedBy: 'bytes' }, 4096, 100);
    expect(answer.structuredContent.truncatedBy).toBe('bytes');
    expect(answer.text).toContain('Result cut to fit the 4096-byte result budget');
    expect(answer.text).not.toContain('maxRows');
  });
});

describe('plan answers (trino_explain)', () => {
  const result = (rows: string[][]) => ({
    columns: [
      { name: 'explain_key', type: 'varchar' },
      { name: 'explain_value', type: 'varchar' },
    ],
    rows,
    truncated: false,
    queryId: 'q2',
    stats: { state: 'FINISHED', elapsedMs: 3 },
  });

  it('splits the plan cell into lines, uncut however long', () => {
    const long = `│ ${'x'.repeat(400)} │`;
    const answer = renderPlanAnswer(toContent('local', planLines(result([['physical_plan', `┌───┐\n${long}\n└───┘\n`]]))), 64 * 1024);
    expect(answer.text.split('\n').slice(0, 3)).toEqual(['┌───┐', long, '└───┘']);
    expect(answer.structuredContent.rows).toEqual([['┌───┐'], [long], ['└───┘']]);
  });

  it('stays within the byte budget and says how many lines it left out', () => {
    const plan = Array.from({ length: 2000 }, (_, i) => `line ${i} ${'─'.repeat(60)}`).join('\n');
    const answer = renderPlanAnswer(toContent('local', planLines(result([['physical_plan', plan]]))), 16 * 1024);
    const wire = jsonBytes({
      jsonrpc: '2.0',
      id: 1,
      result: { content: [{ type: 'text', text: answer.text }], structuredContent: answer.structuredContent },
    });
    expect(wire).toBeLessThanOrEqual(16 * 1024);
    expect(answer.text).toMatch(/Plan cut to fit the 16384-byte result budget \(RESULT_MAX_BYTES\): \d+ of 2000 lines shown\./);
    expect(answer.structuredContent).toMatchObject({ truncated: true, truncatedBy: 'bytes' });
  });
});
