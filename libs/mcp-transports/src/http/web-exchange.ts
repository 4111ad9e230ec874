import type { Request as ExpressRequest, Response as ExpressResponse } from 'express';

/**
 * The SDK v2 HTTP entry points speak the web-standard Request/Response; Express hands us Node's.
 * The body was already parsed (with our size and depth limits) by the time a request gets here, so
 * the web Request carries headers only and the parsed body travels beside it (`parsedBody`).
 * `@modelcontextprotocol/node` would do the same conversion, but re-reads the body; this one does not.
 */
export function toWebRequest(request: ExpressRequest, signal: AbortSignal): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const item of value) headers.append(name, item);
    else headers.set(name, value);
  }
  return new Request(`http://${request.headers.host ?? 'localhost'}${request.originalUrl}`, { method: request.method, headers, signal });
}

/** Writes a web Response (JSON, an SSE stream, or an empty 202) onto the Express response. */
export async function sendWebResponse(answer: Response, response: ExpressResponse): Promise<void> {
  response.status(answer.status);
  answer.headers.forEach((value, name) => response.setHeader(name, value));
  if (!answer.body) {
    response.end();
    return;
  }
  // A JSON answer is complete when it is produced: one write, with its length, instead of a stream.
  if (answer.headers.get('content-type')?.startsWith('application/json')) {
    response.end(Buffer.from(await answer.arrayBuffer()));
    return;
  }
  // SSE: each event is written as it comes, so progress reaches the client before the result.
  response.flushHeaders();
  const reader = answer.body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (response.destroyed) {
        await reader.cancel();
        break;
      }
      response.write(value);
    }
  } finally {
    reader.releaseLock();
    response.end();
  }
}
