/** Per-route call counts in the format of contracts.md section 4: {"calls": {"<METHOD> <route>": {"<status>": n}}}. */
export class CallStats {
  private readonly calls = new Map<string, Map<string, number>>();
  record(label: string, status: number): void {
    let byStatus = this.calls.get(label);
    if (!byStatus) {
      byStatus = new Map();
      this.calls.set(label, byStatus);
    }
    const key = String(status);
    byStatus.set(key, (byStatus.get(key) ?? 0) + 1);
  }
  toJSON(): { calls: Record<string, Record<string, number>> } {
    const calls: Record<string, Record<string, number>> = {};
    for (const [label, byStatus] of [...this.calls.entries()].sort(([a], [b]) => a.localeCompare(b))) {
      calls[label] = Object.fromEntries(byStatus);
    }
    return { calls };
  }
  reset(): void {
    this.calls.clear();
  }
}
