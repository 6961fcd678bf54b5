/**
 * Why the service (or a CLI command) cannot start, in one line that names the cause and the fix:
 * printed as is, without a stack, and the process exits 1.
 */
export class StartupError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StartupError';
  }
}
