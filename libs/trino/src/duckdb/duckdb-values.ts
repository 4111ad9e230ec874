import {
  DuckDBArrayType,
  type DuckDBBlobValue,
  DuckDBDecimalType,
  DuckDBListType,
  DuckDBMapType,
  DuckDBStructType,
  type DuckDBType,
  DuckDBTypeId,
  type DuckDBValue,
} from '@duckdb/node-api';
import type { CellValue } from '../engine/query-engine.js';

/**
 * DuckDB answers for the tools as if it were Trino: type names are Trino's and values use
 * Trino's JSON encodings (docs/trino-client-protocol.md §5), so callers see one result shape for every engine.
 */
export function trinoTypeName(type: DuckDBType): string {
  switch (type.typeId) {
    case DuckDBTypeId.BOOLEAN:
      return 'boolean';
    case DuckDBTypeId.TINYINT:
      return 'tinyint';
    case DuckDBTypeId.SMALLINT:
    case DuckDBTypeId.UTINYINT:
      return 'smallint';
    case DuckDBTypeId.INTEGER:
    case DuckDBTypeId.USMALLINT:
      return 'integer';
    // HUGEINT too: DuckDB's sum over integers is HUGEINT where Trino's is bigint; Trino SQL has no 128-bit type.
    case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.UINTEGER:
    case DuckDBTypeId.HUGEINT:
      return 'bigint';
    // Trino has no unsigned integers; decimals with scale 0 hold them exactly.
    case DuckDBTypeId.UBIGINT:
      return 'decimal(20,0)';
    case DuckDBTypeId.UHUGEINT:
      return 'decimal(38,0)';
    case DuckDBTypeId.FLOAT:
      return 'real';
    case DuckDBTypeId.DOUBLE:
      return 'double';
    case DuckDBTypeId.DECIMAL:
      return `decimal(${(type as DuckDBDecimalType).width},${(type as DuckDBDecimalType).scale})`;
    case DuckDBTypeId.VARCHAR:
    case DuckDBTypeId.ENUM:
    case DuckDBTypeId.BIT:
    case DuckDBTypeId.BIGNUM:
    case DuckDBTypeId.UNION:
      return 'varchar';
    case DuckDBTypeId.BLOB:
      return 'varbinary';
    case DuckDBTypeId.DATE:
      return 'date';
    case DuckDBTypeId.TIME:
      return 'time(6)';
    case DuckDBTypeId.TIME_NS:
      return 'time(9)';
    case DuckDBTypeId.TIME_TZ:
      return 'time(6) with time zone';
    case DuckDBTypeId.TIMESTAMP_S:
      return 'timestamp(0)';
    case DuckDBTypeId.TIMESTAMP_MS:
      return 'timestamp(3)';
    case DuckDBTypeId.TIMESTAMP:
      return 'timestamp(6)';
    case DuckDBTypeId.TIMESTAMP_NS:
      return 'timestamp(9)';
    case DuckDBTypeId.TIMESTAMP_TZ:
      return 'timestamp(6) with time zone';
    case DuckDBTypeId.INTERVAL:
      return 'interval day to second';
    case DuckDBTypeId.UUID:
      return 'uuid';
    case DuckDBTypeId.LIST:
      return `array(${trinoTypeName((type as DuckDBListType).valueType)})`;
    case DuckDBTypeId.ARRAY:
      return `array(${trinoTypeName((type as DuckDBArrayType).valueType)})`;
    case DuckDBTypeId.MAP:
      return `map(${trinoTypeName((type as DuckDBMapType).keyType)}, ${trinoTypeName((type as DuckDBMapType).valueType)})`;
    case DuckDBTypeId.STRUCT: {
      const struct = type as DuckDBStructType;
      return `row(${struct.entryNames.map((name, i) => `${quoteFieldName(name)} ${trinoTypeName(struct.entryTypes[i])}`).join(', ')})`;
    }
    case DuckDBTypeId.SQLNULL:
      return 'unknown';
    default:
      return type.toString().toLowerCase();
  }
}

function quoteFieldName(name: string): string {
  return /^[a-z_][a-z0-9_]*$/.test(name) ? name : `"${name.replaceAll('"', '""')}"`;
}

/** Converts one DuckDB value of the given column type to its Trino JSON encoding. */
export function trinoValue(value: DuckDBValue, type: DuckDBType): CellValue {
  if (value === null) return null;
  switch (type.typeId) {
    case DuckDBTypeId.BOOLEAN:
      return value as boolean;
    case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.UINTEGER:
    case DuckDBTypeId.HUGEINT:
      return safeInteger(value as bigint | number);
    case DuckDBTypeId.FLOAT:
    case DuckDBTypeId.DOUBLE:
      return Number.isFinite(value as number) ? (value as number) : String(value);
    case DuckDBTypeId.TINYINT:
    case DuckDBTypeId.SMALLINT:
    case DuckDBTypeId.INTEGER:
    case DuckDBTypeId.UTINYINT:
    case DuckDBTypeId.USMALLINT:
      return value as number;
    case DuckDBTypeId.BLOB:
      return Buffer.from((value as DuckDBBlobValue).bytes).toString('base64');
    case DuckDBTypeId.TIMESTAMP_S:
      return timestampText(String(value), 0);
    case DuckDBTypeId.TIMESTAMP_MS:
      return timestampText(String(value), 3);
    case DuckDBTypeId.TIMESTAMP:
      return timestampText(String(value), 6);
    case DuckDBTypeId.TIMESTAMP_NS:
      return timestampText(String(value), 9);
    case DuckDBTypeId.TIMESTAMP_TZ:
      return `${timestampText(String(value).replace(/[+-]\d\d(:\d\d)?$/, ''), 6)} UTC`;
    case DuckDBTypeId.LIST:
    case DuckDBTypeId.ARRAY: {
      const elementType = (type as DuckDBListType | DuckDBArrayType).valueType;
      return (value as { items: readonly DuckDBValue[] }).items.map((item) => trinoValue(item, elementType));
    }
    case DuckDBTypeId.STRUCT: {
      const struct = type as DuckDBStructType;
      const entries = (value as { entries: Readonly<Record<string, DuckDBValue>> }).entries;
      // Trino encodes a row as a positional array in declared field order.
      return struct.entryNames.map((name, i) => trinoValue(entries[name] ?? null, struct.entryTypes[i]));
    }
    case DuckDBTypeId.MAP: {
      const map = type as DuckDBMapType;
      const object: Record<string, CellValue> = {};
      for (const entry of (value as { entries: { key: DuckDBValue; value: DuckDBValue }[] }).entries) {
        object[String(trinoValue(entry.key, map.keyType))] = trinoValue(entry.value, map.valueType);
      }
      return object;
    }
    default:
      // decimals, uhugeint, ubigint, dates, times, intervals, uuids, enums: Trino sends text.
      return String(value);
  }
}

/** A bigint as a JSON number when exact, otherwise as its decimal string. */
export function safeInteger(value: bigint | number): number | string {
  if (typeof value === 'number') return value;
  return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value.toString();
}

/** DuckDB drops zero fractions (`10:11:12`); Trino prints the declared precision (`10:11:12.000000`). */
function timestampText(text: string, precision: number): string {
  const match = /^(.*\d\d:\d\d:\d\d)(?:\.(\d+))?$/.exec(text);
  if (!match) return text;
  if (precision === 0) return match[1];
  return `${match[1]}.${(match[2] ?? '').padEnd(precision, '0').slice(0, precision)}`;
}
