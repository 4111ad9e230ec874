import { createSecretScrubber, CREDENTIAL_FIELD, REDACTED, STRONG_CREDENTIAL_FIELD } from '#observability';

export { REDACTED };

/** Any name containing `key` as well (sshKey, encryptionKey): in a data store config that is rarely anything else. */
const KEY_FIELD = /key/i;

/** The application's one scrubber, without configured secrets: only the credential shapes it knows. */
const scrubShapes = createSecretScrubber([]);

/** Every credential shape needs one of these; most config strings (names, regions, paths) have none. */
const MAY_HOLD_CREDENTIAL = /[@=:]|eyJ|\b(?:basic|bearer)\s/i;

/**
 * Deep copy of a free-form data store `config` with every credential-like value replaced,
 * whatever its nesting (objects inside arrays inside objects). A value under a credential name
 * (`password`, `pwd`, `auth`, `cookie`, `sig`, …) is replaced; under a name that is a credential
 * whatever its shape (`password`, `secret`, `token`, `credentials`, `*key`) even a whole object is
 * replaced, so its shape is not shown either, while `auth: { user, … }` keeps its plain settings.
 * Strings anywhere go through the scrubber's credential shapes: URL userinfo (JDBC too), DSNs,
 * header lines, presigned signatures, `user:pw@host`, and JSON quoted inside a string.
 */
export function redactCredentials(value: unknown): unknown {
  if (typeof value === 'string') return MAY_HOLD_CREDENTIAL.test(value) ? scrubShapes(value) : value;
  if (Array.isArray(value)) return value.map(redactCredentials);
  if (typeof value !== 'object' || value === null) return value;
  // A plain loop: Object.fromEntries(Object.entries(…).map(…)) allocated three arrays per property,
  // and this runs over every data store of every page (the /ws xdp_list_datastores profile).
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const entry = redactEntry(key, (value as Record<string, unknown>)[key]);
    // Defined, not assigned, so a `__proto__` key in XDP's JSON stays plain data.
    if (key === '__proto__') Object.defineProperty(copy, key, { value: entry, enumerable: true, writable: true, configurable: true });
    else copy[key] = entry;
  }
  return copy;
}

type KeyVerdict = 'always' | 'scalar' | 'never';

/** Config keys repeat on every store of every page; their verdicts are remembered, up to a bound (the keys come from XDP). */
const verdicts = new Map<string, KeyVerdict>();
const MAX_REMEMBERED_KEYS = 1024;

function verdictOf(key: string): KeyVerdict {
  let verdict = verdicts.get(key);
  if (verdict) return verdict;
  verdict = STRONG_CREDENTIAL_FIELD.test(key) || KEY_FIELD.test(key) ? 'always' : CREDENTIAL_FIELD.test(key) ? 'scalar' : 'never';
  if (verdicts.size < MAX_REMEMBERED_KEYS) verdicts.set(key, verdict);
  return verdict;
}

function redactEntry(key: string, entry: unknown): unknown {
  const verdict = verdictOf(key);
  if (verdict === 'always') return REDACTED;
  if (verdict === 'scalar' && (typeof entry !== 'object' || entry === null)) return REDACTED;
  return redactCredentials(entry);
}
