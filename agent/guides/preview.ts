import type { WireGuide } from "../../src/guides/wire.js";
import { guideRoot } from "./dom.js";
import { openGuide, type GuideView } from "./view.js";

/**
 * What an admin UI preview page sets before loading the renderer: `window.pendulumPreview = {}`.
 * The renderer then fills in `show`, which draws a guide definition at a step exactly as visitors
 * see it, sending no events and asking the server for nothing.
 */
export type PreviewHook = { show?: (g: WireGuide, step?: number) => void };

/** Gives the preview page its `show`; each call replaces the guide shown before. */
export function startPreview(win: Window, hook: PreviewHook): void {
  let layer: HTMLElement | undefined;
  let active: GuideView | undefined;
  let n = 0;
  hook.show = (g, step = 0) => {
    const last = active;
    active = undefined;
    last?.close();
    layer ??= guideRoot(win.document).layer;
    active = openGuide(g, { win, doc: win.document, layer, send: () => undefined, newId: () => `preview${++n}`, onClose: () => undefined }, Math.max(0, Math.min(step, g.steps.length - 1)));
  };
}
