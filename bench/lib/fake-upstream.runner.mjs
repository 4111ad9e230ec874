// Child process hosting one compiled fake upstream: starts it with the options given as JSON,
// prints `{"env": {...}}` on its first stdout line, and keeps its request log from growing
// during long load runs.
const [modulePath, optionsJson] = process.argv.slice(2);
const fakes = await import(modulePath);
const FakeServer = Object.values(fakes).find((value) => typeof value === 'function' && typeof value.start === 'function');
if (!FakeServer) throw new Error(`${modulePath} exports no class with a static start()`);
const fake = await FakeServer.start(JSON.parse(optionsJson));
process.stdout.write(`${JSON.stringify({ env: fake.env() })}\n`);
setInterval(() => fake.reset(), 1000);
process.on('SIGTERM', () => process.exit(0));
