export { upstreamAgent } from './client/upstream-dispatcher.js';
export { XDP_NOT_CONFIGURED, XdpClient, type XdpCallOptions } from './client/xdp.client.js';
export { isXdpRequestError, XdpQueryError, XdpRequestError, type XdpErrorDetails, type XdpFailureReason } from './client/xdp.errors.js';
export type {
  XdpDataplane,
  XdpDataplaneList,
  XdpDataStore,
  XdpDataStorePage,
  XdpEnvelope,
  XdpExecuteQueryParams,
  XdpListDatastoresParams,
  XdpPageMeta,
  XdpQueryColumn,
  XdpQueryExecution,
  XdpQueryResult,
  XdpTrinoError,
  XdpTypeSignature,
} from './client/xdp.models.js';
export { BREAKER_CLOCK, type BreakerClock } from './resilience/breaker-clock.js';
export { parseRetryAfterMs } from './resilience/retry-policy.js';
export { AttemptFailure, type BreakerSnapshot, UpstreamPolicy, UpstreamUnhealthy } from './resilience/upstream-policy.js';
export { XdpModule } from './xdp.module.js';
