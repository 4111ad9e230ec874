// Child process hosting one compiled fake upstream. argv: module path, options JSON with
// `start` (the fake's own start options), optional `generated` (Trino: a scripted result of
// `rowCount` rows made page by page, matched by `match`), and `resetLogMs` (XDP: keep the
// request log from growing during long load runs). Prints `{"env": {...}}` on its first line.
const [modulePath, optionsJson] = process.argv.slice(2);
const options = JSON.parse(optionsJson);
const fakes = await import(modulePath);
const FakeServer = Object.values(fakes).find((value) => typeof value === 'function' && typeof value.start === 'function');
if (!FakeServer) throw new Error(`${modulePath} exports no class with a static start()`);
const fake = await FakeServer.start(options.start ?? {});

if (options.generated) {
  const { match, rowCount, pageSize } = options.generated;
  fake.script({
    match: new RegExp(match),
    pageSize,
    behaviour: {
      kind: 'generated',
      columns: [
        { name: 'n', type: 'bigint' },
        { name: 'label', type: 'varchar' },
        { name: 'amount', type: 'double' },
      ],
      rowCount,
      row: (index) => [index, `row-${index}`, index * 1.5],
    },
  });
}
if (options.resetLogMs) setInterval(() => fake.reset(), options.resetLogMs);

const env = typeof fake.env === 'function' ? fake.env() : { TRINO_URL: fake.url };
process.stdout.write(`${JSON.stringify({ env })}\n`);
process.on('SIGTERM', () => process.exit(0));
