import { candidatesQuery, missingNameOf } from './missing-name.js';

const session = {
  sql: 'SELECT totl FROM orders o JOIN "memory".sales."Customers" c ON o.customer_id = c.customer_id',
  catalog: 'memory',
  schema: 'sales',
};

describe('the missing name in a Trino *_NOT_FOUND error', () => {
  it("reads a table from direct Trino's message and from XDP's", () => {
    const table = { what: 'Table', name: 'ordres', catalog: 'memory', schema: 'sales' };
    expect(missingNameOf("Trino query failed: TABLE_NOT_FOUND: line 1:15: Table 'memory.sales.ordres' does not exist", session)).toEqual(
      table,
    );
    expect(missingNameOf("Query failed [q1]: line 1:15: Table 'memory.sales.ordres' does not exist (TABLE_NOT_FOUND)", session)).toEqual(
      table,
    );
  });

  it('completes a schema from the session catalog and reads a catalog', () => {
    expect(missingNameOf("Trino query failed: SCHEMA_NOT_FOUND: line 1:15: Schema 'salse' does not exist", session)).toEqual({
      what: 'Schema',
      name: 'salse',
      catalog: 'memory',
    });
    expect(missingNameOf("Trino query failed: CATALOG_NOT_FOUND: line 1:15: Catalog 'memroy' not found", session)).toEqual({
      what: 'Catalog',
      name: 'memroy',
    });
  });

  it('looks for a column among the tables the statement reads, quoted names exact and others folded', () => {
    expect(missingNameOf("Trino query failed: COLUMN_NOT_FOUND: line 1:8: Column 'totl' cannot be resolved", session)).toEqual({
      what: 'Column',
      name: 'totl',
      catalog: 'memory',
      tables: ['sales.orders', 'sales.Customers'],
    });
  });

  it('leaves other errors and unqualifiable names alone', () => {
    expect(missingNameOf("Trino query failed: FUNCTION_NOT_FOUND: line 1:8: Function 'nope' not registered", session)).toBeUndefined();
    expect(
      missingNameOf("Trino query failed: TABLE_NOT_FOUND: line 1:15: Table 'ordres' does not exist", { sql: 'SELECT 1' }),
    ).toBeUndefined();
  });
});

describe('the candidates query', () => {
  it('is bounded and quotes every name it was given', () => {
    expect(candidatesQuery({ what: 'Table', name: 'x', catalog: 'mem"ory', schema: "sa'les" }).sql).toBe(
      `SELECT table_name FROM "mem""ory"."information_schema"."tables" WHERE table_schema = 'sa''les' LIMIT 1000`,
    );
    expect(candidatesQuery({ what: 'Column', name: 'x', catalog: 'memory', tables: ["sales.o'rders"] }).sql).toBe(
      `SELECT DISTINCT column_name FROM "memory"."information_schema"."columns" WHERE ((table_schema = 'sales' AND table_name = 'o''rders')) LIMIT 1000`,
    );
  });
});
