/** tools/call params both fast-path e2e specs send in the fast shape and in a shape the SDK answers (fixture tools). */
export type CallParams = Record<string, unknown> & { _meta?: Record<string, unknown> };

export const FAST_PATH_CALL_CASES: Array<[string, CallParams]> = [
  ['a successful call with structured content', { name: 'test_echo', arguments: { message: 'hi', repeat: 2 } }],
  ['a call whose schema defaults fill the arguments', { name: 'test_echo', arguments: { message: 'defaults' } }],
  ['a tool error (isError result)', { name: 'test_fail', arguments: { kind: 'upstream' } }],
  ['an unexpected handler failure', { name: 'test_fail', arguments: { kind: 'crash' } }],
  ['an unknown tool (-32602)', { name: 'no_such_tool', arguments: {} }],
  ['arguments that break the schema (-32602 with data.fields, 2025 era)', { name: 'test_echo', arguments: { message: '', repeat: 9 } }],
  ['a call without arguments', { name: 'test_slow', _meta: {} }],
];
