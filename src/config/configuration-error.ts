/** A setting the process cannot start with; main prints its message as one line and exits 1. */
export class ConfigurationError extends Error {}
