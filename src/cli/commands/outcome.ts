/** How a run's outcome reads: a success with notices says so (ADR 0012). */
export function outcomeText(status: string, notices: number | undefined): string {
  if (status === "success" && notices) return `succeeded with ${notices} notice${notices === 1 ? "" : "s"}`;
  return status;
}
