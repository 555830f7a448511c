/** What a command needs from the process, so tests can run the CLI in-process. */
export interface CliContext {
  stdout: { write(chunk: string): unknown }
  stderr: { write(chunk: string): unknown }
  env: Record<string, string | undefined>
  /** Aborted on SIGINT/SIGTERM. */
  signal: AbortSignal
  /**
   * Subscribes to reload requests (SIGHUP for `start`); returns the unsubscribe. A request made
   * while nobody listens is kept for the next listener. Absent: nothing asks for reloads.
   */
  onReload?: (listener: () => void) => () => void
}
