import { UnsupportedPatternError } from './joda-pattern.js';

/**
 * Trino's date_format takes MySQL specifiers (`%Y-%m-%d %H:%i`), which differ from strftime's in
 * places (`%i` minutes, `%M` month name, `%W` weekday name). The translator turns them into a Joda
 * pattern for format_datetime, which has one exact conversion to strftime.
 */
const SPECIFIERS: Record<string, string> = {
  a: 'EEE',
  b: 'MMM',
  c: 'M',
  d: 'dd',
  e: 'd',
  f: 'SSSSSS',
  H: 'HH',
  h: 'hh',
  I: 'hh',
  i: 'mm',
  j: 'DDD',
  k: 'H',
  l: 'h',
  M: 'MMMM',
  m: 'MM',
  p: 'a',
  r: 'hh:mm:ss a',
  S: 'ss',
  s: 'ss',
  T: 'HH:mm:ss',
  W: 'EEEE',
  Y: 'yyyy',
  y: 'yy',
};

export function mysqlToJoda(pattern: string): string {
  let out = '';
  let literal = '';
  for (let i = 0; i < pattern.length; i += 1) {
    const char = pattern[i];
    const specifier = pattern[i + 1];
    if (char !== '%' || specifier === undefined) {
      literal += char;
      continue;
    }
    i += 1;
    const joda = SPECIFIERS[specifier];
    if (joda === undefined && /[A-Za-z]/.test(specifier))
      throw new UnsupportedPatternError(`date_format specifier "%${specifier}" is not supported on the local engine`);
    if (joda === undefined) {
      literal += specifier;
      continue;
    }
    out += jodaLiteral(literal) + joda;
    literal = '';
  }
  return out + jodaLiteral(literal);
}

/** Letters are pattern fields in Joda, so literal text goes in one quoted run (with quotes doubled). */
function jodaLiteral(text: string): string {
  return /[A-Za-z']/.test(text) ? `'${text.replaceAll("'", "''")}'` : text;
}
