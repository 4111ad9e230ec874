import { ANONYMOUS, type Principal } from './tool.types.js';

/** HTTP requests carry the authenticated principal here once the auth guard has run. */
export interface RequestWithPrincipal {
  principal?: Principal;
}

export function principalOf(request: RequestWithPrincipal): Principal {
  return request.principal ?? ANONYMOUS;
}
