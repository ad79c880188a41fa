/**
 * The typed errors of @crm/privacy. None is retriable: each says the data, the key or the
 * configuration is wrong, and trying again with the same inputs gives the same answer.
 */

/** Why a sealed token could not be opened. */
export type SealedValueFailure = 'malformed' | 'key-version-mismatch' | 'authentication-failed';

/**
 * A token that is not a sealed value, was sealed under another key version, or whose GCM tag does
 * not verify (tampered, wrong key, or wrong AAD: GCM cannot tell those apart).
 */
export class SealedValueError extends Error {
  readonly retriable = false;

  constructor(
    readonly reason: SealedValueFailure,
    message: string,
  ) {
    super(message);
    this.name = 'SealedValueError';
  }
}

/** Master-key text that is not 32 bytes of base64 or hex. The message never repeats the text. */
export class MasterKeyFormatError extends Error {
  readonly retriable = false;

  constructor(message: string) {
    super(message);
    this.name = 'MasterKeyFormatError';
  }
}

/**
 * A stored data key is wrapped with another master key than the configured one (the ids are
 * sha256 prefixes, safe to log): the process was started with the wrong MASTER key.
 */
export class MasterKeyMismatchError extends Error {
  readonly retriable = false;

  constructor(
    readonly customerId: string,
    readonly version: number,
    readonly storedMasterKeyId: string,
    readonly configuredMasterKeyId: string,
  ) {
    super(
      `data key ${customerId}#${version} is wrapped with master key ${storedMasterKeyId}, ` +
        `but the configured master key is ${configuredMasterKeyId}`,
    );
    this.name = 'MasterKeyMismatchError';
  }
}

/**
 * A wrapped data key that does not unwrap although its master key id matches: the record was
 * altered or copied onto another customer or version (the AAD binds it to both).
 */
export class DataKeyUnwrapError extends Error {
  readonly retriable = false;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DataKeyUnwrapError';
  }
}
