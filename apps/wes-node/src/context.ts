/** What a command needs from the process, so tests can run the CLI in-process. */
export interface CliContext {
  stdout: { write(chunk: string): unknown }
  stderr: { write(chunk: string): unknown }
  env: Record<string, string | undefined>
  /** Aborted on SIGINT/SIGTERM. */
  signal: AbortSignal
}
