import { cutMarker, fitRow, jsonBytes, RowCollector } from './row-budget.js';

describe('jsonBytes', () => {
  it.each(['plain', 'ü€😀 multi-byte', 'a"quote', 'back\\slash', 'tab\there\u0001', 'lone \ud800 surrogate', ''])(
    'counts %j as its JSON encoding',
    (text) => {
      expect(jsonBytes(text)).toBe(Buffer.byteLength(JSON.stringify(text)));
    },
  );
});

describe('fitRow', () => {
  it('returns a row that fits unchanged', () => {
    const row = [1, 'abc', null];
    expect(fitRow(row, jsonBytes(row))).toBe(row);
  });

  it('cuts the largest string with a marker giving its full size, keeping its start', () => {
    const big = 'x'.repeat(10_000);
    const fitted = fitRow([7, big, 'small'], 1000)!;
    expect(jsonBytes(fitted)).toBeLessThanOrEqual(1000);
    expect(fitted[0]).toBe(7);
    expect(fitted[2]).toBe('small');
    expect(fitted[1]).toMatch(/^x+…\[cut: 10002 bytes in full\]$/);
    expect((fitted[1] as string).length).toBeGreaterThan(900);
  });

  it('counts JSON escapes and multi-byte characters, and never splits a surrogate pair', () => {
    const fitted = fitRow(['"\\😀'.repeat(5000)], 3000)!;
    expect(jsonBytes(fitted)).toBeLessThanOrEqual(3000);
    expect(fitted[0]).not.toMatch(/[\uD800-\uDBFF]…/);
  });

  it('keeps the original size when a value cut before is cut again', () => {
    const once = fitRow(['z'.repeat(100_000)], 5000)!;
    const twice = fitRow(once, 1000)!;
    expect(jsonBytes(twice)).toBeLessThanOrEqual(1000);
    expect(twice[0]).toMatch(/^z+…\[cut: 100002 bytes in full\]$/);
  });

  it('replaces an over-large array or map by the marker', () => {
    const nested = Array.from({ length: 1000 }, (_, i) => i);
    const fitted = fitRow([1, nested], 200)!;
    expect(fitted).toEqual([1, cutMarker(jsonBytes(nested))]);
  });

  it('gives up when even cut cells cannot fit', () => {
    expect(
      fitRow(
        Array.from({ length: 100 }, () => 12345),
        50,
      ),
    ).toBeUndefined();
  });
});

describe('RowCollector', () => {
  it('stops at the row cap', () => {
    const collector = new RowCollector(2, 10_000);
    expect([collector.add([1]), collector.add([2]), collector.add([3])]).toEqual([true, true, false]);
    expect(collector.rows).toEqual([[1], [2]]);
    expect(collector.truncatedBy).toBe('rows');
  });

  it('keeps the rows JSON within the byte budget, the crossing row cut, then stops', () => {
    const collector = new RowCollector(1000, 5000);
    const rows = Array.from({ length: 60 }, (_, i) => [i, 'y'.repeat(1_000_000)]);
    let added = 0;
    for (const row of rows) if (collector.add(row)) added += 1;
    expect(added).toBe(0);
    expect(collector.truncatedBy).toBe('bytes');
    expect(collector.rows).toHaveLength(1);
    expect(jsonBytes(collector.rows)).toBeLessThanOrEqual(5000);
    expect(collector.rows[0][1]).toContain('…[cut: 1000002 bytes in full]');
  });

  it('takes rows whole while they fit', () => {
    const collector = new RowCollector(1000, 100);
    for (let i = 0; i < 50; i++) if (!collector.add([i, 'ab'])) break;
    expect(jsonBytes(collector.rows)).toBeLessThanOrEqual(100);
    expect(collector.rows.length).toBeGreaterThan(5);
    expect(collector.rows.slice(0, -1).every((row) => row[1] === 'ab')).toBe(true);
    expect(collector.add([1, 'ab'])).toBe(false);
  });
});
