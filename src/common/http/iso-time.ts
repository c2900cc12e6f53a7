/** The wire format for every instant: UTC, ISO 8601, `Z`, no milliseconds. */
export function toIsoSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
