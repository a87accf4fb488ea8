/** Flat query parameters (Express 5's simple parser gives string | string[]); the first value wins. */
import type { Request } from 'express';

export function flatQuery(req: Request): Record<string, string> {
  const out: Record<string, string> = {};
  const query: unknown = req.query;
  if (query === null || typeof query !== 'object') return out;
  for (const [key, value] of Object.entries(query)) {
    if (typeof value === 'string') out[key] = value;
    else if (Array.isArray(value) && typeof value[0] === 'string') out[key] = value[0];
  }
  return out;
}
