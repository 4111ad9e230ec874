/** The wall clock, in ms, that limit windows and their sweeps read. */
export type Clock = () => number;

/** Optional provider of the limits' clock: tests inject one and move time instead of waiting; Date.now otherwise. */
export const LIMITS_CLOCK = Symbol('LIMITS_CLOCK');
