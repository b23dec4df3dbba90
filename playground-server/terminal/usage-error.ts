// A built-in program's usage mistake: shown as its own message on stderr with exit code 2, as a shell program does.
export class UsageError extends Error {}
