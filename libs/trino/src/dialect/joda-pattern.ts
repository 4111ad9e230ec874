/**
 * Trino's format_datetime takes a Joda-Time pattern (`yyyy-MM-dd HH:mm`); DuckDB's strftime takes
 * C-style specifiers. Converting the pattern once, when the statement is translated, keeps the
 * per-row work in DuckDB's native function.
 */
const FIELDS: Record<string, (count: number) => string | undefined> = {
  y: (n) => (n === 2 ? '%y' : '%Y'),
  Y: (n) => (n === 2 ? '%y' : '%Y'),
  M: (n) => (n >= 4 ? '%B' : n === 3 ? '%b' : n === 2 ? '%m' : '%-m'),
  d: (n) => (n === 2 ? '%d' : n === 1 ? '%-d' : undefined),
  H: (n) => (n === 2 ? '%H' : n === 1 ? '%-H' : undefined),
  h: (n) => (n === 2 ? '%I' : n === 1 ? '%-I' : undefined),
  m: (n) => (n === 2 ? '%M' : n === 1 ? '%-M' : undefined),
  s: (n) => (n === 2 ? '%S' : n === 1 ? '%-S' : undefined),
  S: (n) => (n === 3 ? '%g' : n === 6 ? '%f' : n === 9 ? '%n' : undefined),
  E: (n) => (n >= 4 ? '%A' : '%a'),
  a: () => '%p',
  D: (n) => (n === 3 ? '%j' : n === 1 ? '%-j' : undefined),
  Z: () => '%z',
  z: () => '%Z',
};

export class UnsupportedPatternError extends Error {}

/** Converts a Joda-Time pattern to a strftime format; throws UnsupportedPatternError for fields strftime has no equivalent for. */
export function jodaToStrftime(pattern: string): string {
  let out = '';
  let i = 0;
  while (i < pattern.length) {
    const char = pattern[i];
    if (char === "'") {
      const [literal, next] = quotedText(pattern, i);
      out += literal.replaceAll('%', '%%');
      i = next;
    } else if (/[A-Za-z]/.test(char)) {
      let count = 1;
      while (pattern[i + count] === char) count += 1;
      const field = FIELDS[char]?.(count);
      if (field === undefined)
        throw new UnsupportedPatternError(`format_datetime pattern field "${char.repeat(count)}" has no equivalent on the local engine`);
      out += field;
      i += count;
    } else {
      out += char === '%' ? '%%' : char;
      i += 1;
    }
  }
  return out;
}

/** Text between single quotes is literal; '' is one quote, inside or outside a quoted run. */
function quotedText(pattern: string, start: number): [string, number] {
  if (pattern[start + 1] === "'") return ["'", start + 2];
  let text = '';
  let i = start + 1;
  while (i < pattern.length) {
    if (pattern[i] === "'" && pattern[i + 1] === "'") {
      text += "'";
      i += 2;
    } else if (pattern[i] === "'") {
      return [text, i + 1];
    } else {
      text += pattern[i];
      i += 1;
    }
  }
  return [text, i];
}
