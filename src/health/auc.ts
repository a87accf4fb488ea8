/**
 * Area under the ROC curve of scores against a binary outcome: the probability that a random
 * positive scores above a random negative, ties counting one half (Mann-Whitney U / (P x N)).
 * O(n log n). Returns NaN when there are no positives or no negatives (AUC is undefined).
 */
export function aucOf(scores: Array<{ score: number; positive: boolean }>): number {
  const sorted = [...scores].sort((a, b) => a.score - b.score);
  let positives = 0;
  let negatives = 0;
  let rankSumPositives = 0;
  let i = 0;
  while (i < sorted.length) {
    let j = i;
    while (j < sorted.length && sorted[j]!.score === sorted[i]!.score) j += 1;
    const midRank = (i + 1 + j) / 2;
    for (let k = i; k < j; k += 1) {
      if (sorted[k]!.positive) {
        positives += 1;
        rankSumPositives += midRank;
      } else negatives += 1;
    }
    i = j;
  }
  if (positives === 0 || negatives === 0) return Number.NaN;
  return (rankSumPositives - (positives * (positives + 1)) / 2) / (positives * negatives);
}
