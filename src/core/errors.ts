/** An error caused by the user's input or environment: printed plainly, never with a stack. */
export class UserError extends Error {
  override name = 'UserError';
}

/** A bad row or field in an input file: names the file, line and field, and what was expected. */
export class InputError extends UserError {
  constructor(
    readonly file: string,
    readonly line: number | null,
    readonly field: string | null,
    readonly expected: string,
    readonly found?: string,
  ) {
    super(
      `${file}${line !== null ? `:${line}` : ''}${field ? `: field "${field}"` : ''}: expected ${expected}` +
        (found !== undefined ? `, found "${found.length > 60 ? `${found.slice(0, 57)}...` : found}"` : ''),
    );
  }
}
