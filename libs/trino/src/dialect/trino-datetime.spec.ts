import { TrinoOnDuckDb } from './trino-dialect.testing.js';

// Expected values are Trino's, as its documentation states them (date and time functions).
let db: TrinoOnDuckDb;
beforeAll(async () => (db = await TrinoOnDuckDb.open()), 60_000);
afterAll(() => db.close());

const TS = "TIMESTAMP '2024-01-02 15:04:05.678'";

describe('Trino date and time functions on DuckDB', () => {
  it('date_format takes MySQL specifiers (%i is minutes, %M the month name, %W the weekday name)', async () => {
    expect(
      await db.row(`SELECT date_format(${TS}, '%Y-%m-%d %H:%i:%s'), date_format(${TS}, '%W %M %e, %Y %h %p'), date_format(${TS}, '%T.%f')`),
    ).toEqual(['2024-01-02 15:04:05', 'Tuesday January 2, 2024 03 PM', '15:04:05.678000']);
  });

  it('date_format keeps literal text, including quotes and %%', async () => {
    expect(await db.row(`SELECT date_format(${TS}, 'at %H o''clock, 100%%')`)).toEqual(["at 15 o'clock, 100%"]);
  });

  it('format_datetime takes Joda-Time patterns', async () => {
    expect(
      await db.row(
        `SELECT format_datetime(${TS}, 'yyyy-MM-dd HH:mm:ss.SSS'), format_datetime(${TS}, 'EEEE, MMMM d yy'), format_datetime(${TS}, 'h a ''week'' D')`,
      ),
    ).toEqual(['2024-01-02 15:04:05.678', 'Tuesday, January 2 24', '3 PM week 2']);
  });

  it('refuses a pattern field it cannot format, naming it', async () => {
    await expect(db.row(`SELECT date_format(${TS}, '%D')`)).rejects.toThrow('date_format specifier "%D" is not supported');
    await expect(db.row(`SELECT format_datetime(${TS}, 'ww')`)).rejects.toThrow('format_datetime pattern field "ww"');
  });

  it('day_of_week and dow are ISO: Monday 1, Sunday 7', async () => {
    expect(
      await db.row("SELECT day_of_week(DATE '2024-01-07'), dow(DATE '2024-01-08'), day_of_year(DATE '2024-02-01'), doy(DATE '2024-12-31')"),
    ).toEqual(['7', '1', '32', '366']);
  });

  it('from_unixtime and to_unixtime convert seconds since the epoch', async () => {
    expect(await db.row("SELECT CAST(from_unixtime(1700000000) AS varchar), to_unixtime(TIMESTAMP '2024-01-01 00:00:00')")).toEqual([
      '2023-11-14 22:13:20+00',
      1704067200,
    ]);
  });

  it('date_diff counts whole units elapsed', async () => {
    expect(
      await db.row(
        "SELECT date_diff('day', TIMESTAMP '2024-01-01 23:00:00', TIMESTAMP '2024-01-02 01:00:00'), date_diff('month', DATE '2024-01-31', DATE '2024-03-01'), date_diff('day', DATE '2024-01-01', DATE '2024-03-01')",
      ),
    ).toEqual(['0', '1', '60']);
  });

  it('date_trunc and date_add', async () => {
    expect(
      await db.row(
        "SELECT CAST(date_trunc('month', DATE '2024-05-17') AS date), CAST(date_add('day', 3, DATE '2024-01-30') AS date), date_add('hour', 2, TIMESTAMP '2024-01-01 23:00:00')",
      ),
    ).toEqual(['2024-05-01', '2024-02-02', '2024-01-02 01:00:00']);
  });
});
