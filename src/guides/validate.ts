import { compile } from "css-select";
import { parseUrlRule } from "../analytics/index.js";
import { ApiError } from "../kernel/index.js";
import type { GuideInput } from "./model.js";
import { isTimeZone, scheduleWindow } from "./schedule.js";
import { safeUrl } from "./sanitize.js";

const invalid = (code: string, message: string, field: string, details?: Record<string, unknown>): ApiError => new ApiError(400, code, message, field, details);

function checkSelector(selector: string, field: string): void {
  try {
    compile(selector);
  } catch (e) {
    throw invalid("INVALID_SELECTOR", `Not a CSS selector: ${(e as Error).message}`, field);
  }
}

/** Checks what the schema cannot, naming the field at fault; `segmentExists` asks analytics. */
export async function validateGuide(input: GuideInput, segmentExists: (id: string) => Promise<boolean>): Promise<void> {
  const count = input.steps.length;
  for (const [i, step] of input.steps.entries()) {
    const at = `steps[${i}]`;
    if (step.layout === "tooltip") {
      if (!step.selector) throw invalid("SELECTOR_REQUIRED", "A tooltip step needs the CSS selector of the element it points at", `${at}.selector`);
    }
    if (step.selector) checkSelector(step.selector, `${at}.selector`);
    if (step.layout === "poll" && !step.poll) throw invalid("POLL_REQUIRED", "A poll step needs a poll: {type: 'nps' | 'choice', question}", `${at}.poll`);
    if (step.poll && step.layout !== "poll") throw invalid("POLL_NEEDS_POLL_LAYOUT", "Only a step with layout 'poll' can hold a poll", `${at}.layout`);
    if (step.poll?.type === "choice" && !step.poll.options) throw invalid("OPTIONS_REQUIRED", "A choice poll needs 2 to 10 options", `${at}.poll.options`);
    for (const [j, b] of (step.buttons ?? []).entries()) {
      const bat = `${at}.buttons[${j}]`;
      if (b.action === "link") {
        if (!b.url) throw invalid("URL_REQUIRED", "A link button needs a url", `${bat}.url`);
        if (safeUrl(b.url, "link") === undefined) throw invalid("UNSAFE_URL", "A link must be http, https, mailto or a relative path", `${bat}.url`);
      }
      if (b.action === "goToStep") {
        if (b.step === undefined) throw invalid("STEP_REQUIRED", "A 'go to step' button needs the step index", `${bat}.step`);
        if (b.step >= count) throw invalid("NO_SUCH_STEP", `Step ${b.step} does not exist; this guide has steps 0 to ${count - 1}`, `${bat}.step`);
      }
      if (b.action === "back" && i === 0) throw invalid("NO_PREVIOUS_STEP", "The first step has no step to go back to", `${bat}.action`);
    }
  }
  const activation = input.activation ?? { type: "automatic" };
  if ((activation.type === "element" || activation.type === "badge") && !activation.selector) {
    throw invalid("SELECTOR_REQUIRED", `Activation '${activation.type}' needs the CSS selector of its element`, "activation.selector");
  }
  if (activation.selector) checkSelector(activation.selector, "activation.selector");
  if (input.status === "scheduled" && !input.schedule) throw invalid("SCHEDULE_REQUIRED", "A scheduled guide needs schedule {start, end?, timeZone}", "schedule");
  if (input.schedule) {
    if (!isTimeZone(input.schedule.timeZone)) throw invalid("INVALID_TIME_ZONE", `Unknown time zone ${input.schedule.timeZone}; use an IANA name such as Europe/Berlin`, "schedule.timeZone");
    const w = scheduleWindow(input.schedule);
    if (Number.isNaN(w.start)) throw invalid("INVALID_DATE", "start is not a real date-time", "schedule.start");
    if (Number.isNaN(w.end)) throw invalid("INVALID_DATE", "end is not a real date-time", "schedule.end");
    if (w.end <= w.start) throw invalid("END_BEFORE_START", "The schedule ends before it starts", "schedule.end");
  }
  if (input.targeting?.page) {
    const r = parseUrlRule(input.targeting.page);
    if (!r.ok) throw invalid("INVALID_PAGE_RULE", r.error.message, "targeting.page", { position: r.error.position });
  }
  const segment = input.targeting?.segment;
  if (segment && !(await segmentExists(segment))) throw invalid("SEGMENT_NOT_FOUND", `No segment ${segment}; list them with GET /api/v1/segments`, "targeting.segment");
}
