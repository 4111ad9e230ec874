// Baseline for startup time: the cost of starting Node itself and answering one HTTP request.
import { createServer } from 'node:http';

createServer((_request, response) => response.writeHead(200).end('ok')).listen(Number(process.env.PORT), process.env.HOST ?? '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
