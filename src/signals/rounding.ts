/**
 * Rounding half away from zero (contracts.md section 1): 12.25 -> 12.3, -0.5 -> -1.
 * The scaled value is first cut to 15 significant digits so that binary noise such as
 * 1.005 * 100 = 100.49999999999999 rounds as the decimal value it stands for.
 */
export function roundHalfAway(value: number, decimals = 0): number {
  if (!Number.isFinite(value)) return value;
  const factor = 10 ** decimals;
  const scaled = Number((Math.abs(value) * factor).toPrecision(15));
  const rounded = (Math.sign(value) * Math.round(scaled)) / factor;
  return rounded === 0 ? 0 : rounded;
}
