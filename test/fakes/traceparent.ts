/** The trace id of a W3C `traceparent` header (`00-<trace id>-<span id>-<flags>`), as a list of zero or one. */
export function traceIdOf(traceparent: string | string[] | undefined): string[] {
  const match = typeof traceparent === 'string' ? /^[\da-f]{2}-([\da-f]{32})-[\da-f]{16}-[\da-f]{2}$/.exec(traceparent) : null;
  return match ? [match[1]] : [];
}
