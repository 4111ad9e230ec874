import { UnsupportedPatternError, jodaToStrftime } from './joda-pattern.js';
import { mysqlToJoda } from './mysql-pattern.js';

describe('date/time pattern conversion', () => {
  it.each([
    ['yyyy-MM-dd HH:mm:ss', '%Y-%m-%d %H:%M:%S'],
    ['yy M d H m s', '%y %-m %-d %-H %-M %-S'],
    ['EEE, MMM d', '%a, %b %-d'],
    ['EEEE MMMM', '%A %B'],
    ['hh:mm a', '%I:%M %p'],
    ['SSS SSSSSS', '%g %f'],
    ["'T' HH 'o''clock' ''", "T %H o'clock '"],
    ['100%', '100%%'],
  ])('Joda %j → strftime %j', (joda, strftime) => {
    expect(jodaToStrftime(joda)).toBe(strftime);
  });

  it.each([
    ['%Y-%m-%d %H:%i:%s', 'yyyy-MM-dd HH:mm:ss'],
    ['%W %M %e %c', 'EEEE MMMM d M'],
    ['%T %r', 'HH:mm:ss hh:mm:ss a'],
    ["at %H o'clock 100%%", "'at 'HH' o''clock 100%'"],
  ])('MySQL %j → Joda %j', (mysql, joda) => {
    expect(mysqlToJoda(mysql)).toBe(joda);
  });

  it('refuses fields with no strftime equivalent', () => {
    expect(() => jodaToStrftime('ww')).toThrow(UnsupportedPatternError);
    expect(() => mysqlToJoda('%U')).toThrow('date_format specifier "%U"');
  });
});
