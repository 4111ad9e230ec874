// A minimal Chrome DevTools Protocol client for a server started with `--inspect=127.0.0.1:0`:
// the idle-memory bench asks both processes (ours and the echo baseline) for a full garbage
// collection before it reads their RSS, so a reading counts what the sessions hold, not the
// garbage their opening left for the next collection.
import { WebSocket } from 'ws';

/** Connects to the inspector whose address the server printed on stderr. */
export async function connectInspector(stderr) {
  const address = /ws:\/\/127\.0\.0\.1:\d+\/[\w-]+/.exec(stderr)?.[0];
  if (!address) throw new Error(`no inspector address in the server's stderr: ${stderr.slice(-300)}`);
  const socket = new WebSocket(address, { perMessageDeflate: false });
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  const pending = new Map();
  let lastId = 0;
  socket.on('message', (data) => {
    const reply = JSON.parse(data.toString());
    const settle = pending.get(reply.id);
    if (!settle) return;
    pending.delete(reply.id);
    if (reply.error) settle.reject(new Error(`${reply.error.message} (${reply.error.code})`));
    else settle.resolve(reply.result);
  });
  const call = (method, params = {}) =>
    new Promise((resolve, reject) => {
      const id = ++lastId;
      pending.set(id, { resolve, reject });
      socket.send(JSON.stringify({ id, method, params }));
    });
  return {
    /** Two full collections: the first may leave objects with finalizers for the second. */
    async collectGarbage() {
      await call('HeapProfiler.collectGarbage');
      await call('HeapProfiler.collectGarbage');
    },
    async heapUsed() {
      const { result } = await call('Runtime.evaluate', { expression: 'process.memoryUsage().heapUsed', returnByValue: true });
      return result.value;
    },
    close: () => socket.close(),
  };
}
