/**
 * Calls `fn` with consecutive slices of at most `size` items. Variadic Redis commands take their
 * arguments spread into one call, and a spread of a few hundred thousand values overflows the
 * stack: every list whose length depends on the data goes through here.
 */
export function inChunks<T>(items: readonly T[], size: number, fn: (slice: T[]) => void): void {
  for (let i = 0; i < items.length; i += size) fn(items.slice(i, i + size));
}

/** Arguments per variadic command: far below the spread limit, large enough to keep calls few. */
export const CHUNK = 10_000;

/** Arguments per variadic command inside a Lua script: unpack() is limited to about 8,000 values. */
export const LUA_SLICE = 4_000;
