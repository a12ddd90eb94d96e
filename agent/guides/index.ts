// The guide renderer, loaded lazily by the core agent as /agent-guides.js (a second bundle, so
// pages without guides pay nothing for it). It finds the core's hook on window.pendulum.
import { startGuides } from "./controller.js";
import type { GuideHook } from "./hook.js";

const hook = (window as unknown as { pendulum?: { __guides?: GuideHook } }).pendulum?.__guides;
if (hook && !hook.notify) {
  try {
    startGuides(window, hook);
  } catch (e) {
    console.warn("[pendulum] guides failed to start", e);
  }
}
