/**
 * Quoting for SQL we generate from caller-supplied names. Identifiers are always delimited and
 * embedded quotes doubled, so a name can never end the identifier and start new SQL; the same
 * holds for string literals.
 */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

export function quoteLiteral(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

export function qualifiedName(...parts: string[]): string {
  return parts.map(quoteIdentifier).join('.');
}
