import type { ExecutionContext } from '@nestjs/common';
import type { Reflector } from '@nestjs/core';
import { IS_PUBLIC } from './public.decorator.js';

/**
 * Probes and metrics stay reachable without credentials: kubelet and Prometheus carry none.
 * Their controllers live in the observability lib and the Prometheus package, so a path rule
 * covers them; restrict /metrics at the network level (NetworkPolicy / ingress) if needed.
 */
const OPEN_PATHS = /^\/(health|ready|metrics)\/?$/;

export function isOpenRoute(context: ExecutionContext, reflector: Reflector, path: string): boolean {
  return OPEN_PATHS.test(path) || reflector.getAllAndOverride<boolean>(IS_PUBLIC, [context.getHandler(), context.getClass()]) === true;
}
