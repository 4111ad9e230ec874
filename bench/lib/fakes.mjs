import { existsSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Starts the fake XDP or Trino server from test/fakes/ in its own process. Resolves with
 * `{ok: false, reason}` when that fake does not exist in this checkout.
 */
export async function startFakeUpstream(name, root) {
  const source = join(root, `test/fakes/fake-${name}.server.ts`);
  if (!existsSync(source)) return { ok: false, reason: `test/fakes/fake-${name}.server.ts is not in this checkout` };
  return { ok: false, reason: `fake ${name} runner not wired yet` };
}
