import { UsageError } from '../errors.js';

/**
 * How a front door names the fields of a typed input in its messages: the CLI says `--percent`,
 * a chaos file `fault.percent`, the UI's form `percent`. The domain checks each value once and
 * words the problem once; only the name (and the value as the user wrote it, when there was text)
 * comes from the door, so every door reports the same mistake the same way.
 */
export interface FieldNaming<F extends string> {
  readonly name: (field: F) => string;
  /** The value as the user typed it (quoted in messages); undefined: the typed value is shown. */
  readonly text?: (field: F) => string | undefined;
}

/** The fields' own names: what the programmatic API and the UI's form use. */
export function ownNames<F extends string>(): FieldNaming<F> {
  return { name: (field) => field };
}

/** Bad input in one field of a typed input: a UsageError (exit 2) that also says which field. */
export class FieldError<F extends string = string> extends UsageError {
  constructor(
    readonly field: F,
    message: string,
    options: { fix?: string } = {},
  ) {
    super(message, options);
    this.name = 'FieldError';
  }
}

/** The value in a message: as the user wrote it, else the typed value. */
export function shown<F extends string>(naming: FieldNaming<F>, field: F, value: unknown): string {
  return `"${naming.text?.(field) ?? String(value)}"`;
}
