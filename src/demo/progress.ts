/** A text progress bar: `[#######.............]  35%`, 20 cells wide. */
export function progressBar(done: number, total: number, width = 20): string {
  const share = total > 0 ? Math.min(1, Math.max(0, done / total)) : 1;
  const cells = Math.round(share * width);
  return `[${"#".repeat(cells)}${".".repeat(width - cells)}] ${String(Math.round(share * 100)).padStart(3)}%`;
}

/** Seconds with one decimal, for stage lines. */
export const secondsText = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

/**
 * Follows the set-up's stages: each stage's bar is redrawn in place while it runs (when the output
 * can redraw a line) and printed once, full, with its time when the next stage starts.
 */
export function stageReporter(out: (line: string) => void, update?: (line: string) => void, now: () => number = () => performance.now()) {
  let current: { label: string; start: number } | undefined;
  const end = (): void => {
    if (current) out(`  ${progressBar(1, 1)} ${current.label} (${secondsText(now() - current.start)})`);
    current = undefined;
  };
  return {
    stage(label: string): void {
      end();
      current = { label, start: now() };
      update?.(`  ${progressBar(0, 1)} ${label}`);
    },
    progress(done: number, total: number): void {
      if (current) update?.(`  ${progressBar(done, total)} ${current.label} (${done.toLocaleString("en-US")} of ${total.toLocaleString("en-US")})`);
    },
    end,
  };
}
