/**
 * What a wall-time target asks of this machine's cores. A run's CPU (every process it used, the
 * Redis server's included) spread evenly over every core is the shortest wall time any amount of
 * side-by-side work could reach: a target below that floor needs less CPU, not more parallelism.
 */

/** Seconds of wall time the given CPU seconds need at least on `cores` cores. */
export const wallFloorSeconds = (cpuSeconds: number, cores: number): number => cpuSeconds / Math.max(1, cores);

/** Share of the CPU that has to go before `allowedSeconds` of wall time can hold it on `cores` cores (0 when it already can). */
export function cpuCutNeeded(cpuSeconds: number, cores: number, allowedSeconds: number): number {
  const floor = wallFloorSeconds(cpuSeconds, cores);
  return floor <= allowedSeconds ? 0 : 1 - allowedSeconds / floor;
}

/** The highest throughput ratio a run with this CPU could show against a base run of `baseWallSeconds`. */
export const bestRatio = (baseWallSeconds: number, cpuSeconds: number, cores: number): number => baseWallSeconds / wallFloorSeconds(cpuSeconds, cores);
