/** The org's daily API request allocation, counted per UTC day like Salesforce's rolling 24 h budget (simplified). */
export type ApiLimits = ReturnType<typeof createApiLimits>;

/** Builds the counter; `allocation` may be changed at run time (admin API, tests). */
export function createApiLimits(clock: () => number, allocation: number) {
  let max = allocation;
  let day = "";
  let used = 0;
  const today = (): string => new Date(clock()).toISOString().slice(0, 10);
  function roll(): void {
    const d = today();
    if (d !== day) {
      day = d;
      used = 0;
    }
  }
  return {
    /** Counts one request; false when the allocation is already spent. */
    take(): boolean {
      roll();
      if (used >= max) return false;
      used++;
      return true;
    },
    usage(): { used: number; max: number } {
      roll();
      return { used, max };
    },
    /** Restores the count persisted at the last stop (same day only). */
    restore(savedDay: string, savedUsed: number): void {
      roll();
      if (savedDay === day) used = Math.max(used, savedUsed);
    },
    snapshot(): { day: string; used: number } {
      roll();
      return { day, used };
    },
    setAllocation(n: number): void {
      max = n;
    },
    /** Starts the day's count again (tests and operators). */
    reset(): void {
      roll();
      used = 0;
    },
  };
}
