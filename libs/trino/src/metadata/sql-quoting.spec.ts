import { qualifiedName, quoteIdentifier, quoteLiteral } from './sql-quoting.js';
import { TRINO_METADATA } from './metadata-queries.js';

describe('SQL quoting for generated metadata queries', () => {
  it('delimits identifiers and doubles embedded quotes', () => {
    expect(quoteIdentifier('orders')).toBe('"orders"');
    expect(quoteIdentifier('a"b')).toBe('"a""b"');
    expect(qualifiedName('c', 's"; DROP TABLE t; --', 't')).toBe('"c"."s""; DROP TABLE t; --"."t"');
    expect(quoteLiteral("it's")).toBe("'it''s'");
  });

  it('quotes every caller-supplied name in Trino metadata SQL', () => {
    expect(TRINO_METADATA.schemas('x" OR "1').sql).toBe('SHOW SCHEMAS FROM "x"" OR ""1"');
    expect(TRINO_METADATA.tables('c', "s' OR '1'='1").sql).toBe(
      `SELECT table_schema AS "Schema", table_name AS "Table", table_type AS "Type" FROM "c"."information_schema"."tables" WHERE table_schema = 's'' OR ''1''=''1' ORDER BY 1, 2`,
    );
    expect(TRINO_METADATA.columns({ catalog: 'c', schema: 's', table: 't"x' }).sql).toBe('SHOW COLUMNS FROM "c"."s"."t""x"');
  });
});
