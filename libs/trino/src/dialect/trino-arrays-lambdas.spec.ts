import { TrinoOnDuckDb } from './trino-dialect.testing.js';

// Expected values are Trino's, as its documentation states them (array, map and lambda functions).
let db: TrinoOnDuckDb;
beforeAll(async () => (db = await TrinoOnDuckDb.open()), 60_000);
afterAll(() => db.close());

describe('Trino arrays, maps and lambdas on DuckDB', () => {
  it('subscripts arrays from 1', async () => {
    expect(await db.row('SELECT ARRAY[10, 20, 30][1], ARRAY[10, 20, 30][3]')).toEqual([10, 30]);
  });

  it('element_at counts from 1, from the end when negative, NULL out of range, and looks keys up in maps', async () => {
    expect(
      await db.row(
        "SELECT element_at(ARRAY[10, 20, 30], 2), element_at(ARRAY[10, 20, 30], -1), element_at(ARRAY[10, 20, 30], 4), element_at(MAP(ARRAY['a'], ARRAY[1]), 'a'), element_at(MAP(ARRAY['a'], ARRAY[1]), 'b')",
      ),
    ).toEqual([20, 30, null, 1, null]);
  });

  it('cardinality and contains', async () => {
    expect(await db.row('SELECT cardinality(ARRAY[1, 2, 3]), contains(ARRAY[1, 2], 2), contains(ARRAY[1, 2], 3)')).toEqual([
      '3',
      true,
      false,
    ]);
  });

  it('sequence includes its stop and takes a step', async () => {
    expect(await db.row('SELECT sequence(1, 5), sequence(5, 1, -2)')).toEqual([
      ['1', '2', '3', '4', '5'],
      ['5', '3', '1'],
    ]);
  });

  it('UNNEST(sequence(...)) makes rows', async () => {
    expect(await db.rows('SELECT x FROM UNNEST(sequence(1, 3)) AS t(x)')).toEqual([['1'], ['2'], ['3']]);
  });

  it('transform and filter take lambdas', async () => {
    expect(await db.row('SELECT transform(ARRAY[5, 6], x -> x + 1), filter(ARRAY[5, -6, NULL, 7], x -> x > 0)')).toEqual([
      [6, 7],
      [5, 7],
    ]);
  });

  it('array_join and map_keys', async () => {
    expect(await db.row("SELECT array_join(ARRAY['a', 'b'], '-'), map_keys(MAP(ARRAY['k'], ARRAY[1]))")).toEqual(['a-b', ['k']]);
  });
});
