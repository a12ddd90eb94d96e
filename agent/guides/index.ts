// The guide renderer, loaded lazily by the core agent as /agent-guides.js (a second bundle, so
// pages without guides pay nothing for it). It finds the core's hook on window.pendulum. The
// admin UI's preview page loads it without the core and sets window.pendulumPreview instead.
import { startGuides } from "./controller.js";
import type { GuideHook } from "./hook.js";
import { startPreview, type PreviewHook } from "./preview.js";

const w = window as unknown as { pendulum?: { __guides?: GuideHook }; pendulumPreview?: PreviewHook };
const hook = w.pendulum?.__guides;
if (hook && !hook.notify) {
  try {
    startGuides(window, hook);
  } catch (e) {
    console.warn("[pendulum] guides failed to start", e);
  }
} else if (!hook && w.pendulumPreview && typeof w.pendulumPreview === "object") {
  startPreview(window, w.pendulumPreview);
}
