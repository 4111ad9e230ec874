/** Node (and runtimes that emulate it) can send upgrade headers through `ws`; browsers cannot. */
export function isNodeRuntime(): boolean {
  return typeof process !== 'undefined' && typeof process.versions?.node === 'string';
}
