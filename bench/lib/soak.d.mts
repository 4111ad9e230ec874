export interface SoakOptions {
  baseUrl: string;
  wsClients: number;
  httpClients: number;
  seconds: number;
  warmupSeconds?: number;
  call: { name: string; arguments: Record<string, unknown> };
  rssOf(): number;
  callTimeoutMs?: number;
}

export interface SoakResult {
  calls: number;
  errors: number;
  errorSamples: string[];
  rssSamples: number[];
  /** Calls sent over both transports, and how many were answered; `lost` got no answer at all. */
  sent: number;
  answered: number;
  /** Clear "shutting down" refusals (new calls during a drain); the client stops after one. */
  refusedWhileDraining: number;
  lost: number;
  rssAfterWarmup: number;
  rssPeak: number;
  /** Peak RSS of the second half of the post-warm-up samples minus that of the first half (a leak keeps raising the peaks). */
  rssGrowthAfterWarmup: number;
}

export function startSoak(options: SoakOptions): { done: Promise<SoakResult>; stop(): void; stopped: Promise<void> };
