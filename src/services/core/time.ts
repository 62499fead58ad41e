/** Timestamps are ISO-8601 UTC strings in the database: sortable and identical on SQLite and PostgreSQL. */
export function nowIso(): string {
  return new Date().toISOString();
}

export function isoAgo(ms: number): string {
  return new Date(Date.now() - ms).toISOString();
}
