/**
 * Fakes only Date (Date.now and new Date), starting at `now`: code that reads the wall clock, such
 * as cockatiel's circuit breaker, sees time move when a test calls jest.setSystemTime, while
 * sockets, timers and the event loop stay real. Undo with jest.useRealTimers().
 */
export function fakeDateOnly(now: number = Date.now()): void {
  jest.useFakeTimers({
    now,
    doNotFake: ['hrtime', 'nextTick', 'performance', 'queueMicrotask', 'setImmediate', 'clearImmediate', 'setInterval', 'clearInterval', 'setTimeout', 'clearTimeout'],
  });
}
