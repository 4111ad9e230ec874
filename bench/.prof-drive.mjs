// Temporary profiling driver (not committed).
import { startNodeServer } from './lib/processes.mjs';
import { runWsLoad } from './lib/ws-load.mjs';
const SERVER_ENV = { NODE_ENV: 'production', LOG_LEVEL: 'info', AUTH_MODE: 'none', RATE_LIMIT_REQUESTS: '0', WS_MAX_CONNECTIONS_PER_CLIENT: '0' };
const server = await startNodeServer({ script: new URL('./bench-server.mjs', import.meta.url).pathname, env: SERVER_ENV, nodeArgs: ['--cpu-prof', '--cpu-prof-dir=/tmp/wsfast-prof'] });
const echoCall = (id) => `{"jsonrpc":"2.0","id":${id},"method":"tools/call","params":{"name":"bench_echo","arguments":{"text":"hello"}}}`;
const r = await runWsLoad({ url: server.url.replace('http', 'ws') + '/ws', connections: 1, inFlight: 64, seconds: 6, request: echoCall });
console.log(JSON.stringify(r));
await server.stop();
