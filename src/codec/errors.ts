/** The codec keys (from `STAIRCASE_CODEC_KEYS` or a key file) are missing, unreadable or malformed. */
export class InvalidCodecKeysError extends Error {
  override readonly name = 'InvalidCodecKeysError';
  constructor(
    /** Where the keys came from: the file's path or the environment variable's name. */
    readonly source: string,
    /** Each problem found, naming the field. */
    readonly problems: readonly string[],
    options?: ErrorOptions,
  ) {
    super(`invalid codec keys in ${source}: ${problems.join('; ')}`, options);
  }
}

/**
 * A payload was encrypted with a key this process does not have: the key was dropped from the key set too early, or
 * the process runs with another key set than the one that wrote the history.
 */
export class CodecKeyNotFoundError extends Error {
  override readonly name = 'CodecKeyNotFoundError';
  constructor(
    /** The key id the payload names (absent when the payload names none). */
    readonly keyId: string | undefined,
    /** The key ids this process knows. */
    readonly knownKeyIds: readonly string[],
  ) {
    super(
      keyId === undefined
        ? 'an encrypted payload names no key id (metadata "encryption-key-id" is missing)'
        : `a payload is encrypted with key "${keyId}", which is not among this process's codec keys ` +
            `(${knownKeyIds.join(', ')}); keep retired keys under "keys" until no history needs them`,
    );
  }
}

/** A payload could not be decrypted with the key it names: the key's bytes changed, or the payload is corrupt. */
export class PayloadDecryptionError extends Error {
  override readonly name = 'PayloadDecryptionError';
  constructor(
    readonly keyId: string,
    options?: ErrorOptions,
  ) {
    super(
      `a payload encrypted with key "${keyId}" does not decrypt with this process's key "${keyId}" ` +
        '(different key bytes under the same id, or a corrupt payload)',
      options,
    );
  }
}
