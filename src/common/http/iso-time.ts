/** The wire format for every instant: UTC, ISO 8601, `Z`, no milliseconds. */
export function toIsoSeconds(date: Date): string {
  const iso = date.toISOString();
  // `YYYY-MM-DDTHH:mm:ss.sssZ` for years 0–9999; other years have a sign and six digits.
  return iso.length === 24 ? `${iso.slice(0, 19)}Z` : iso.replace(/\.\d{3}Z$/, 'Z');
}
