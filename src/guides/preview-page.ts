/**
 * The sample product page the guide editor's preview draws guides on. It loads the real renderer
 * (/agent-guides.js) in its preview mode and draws whatever guide definition the editor posts to
 * it. The admin UI puts it in an iframe sandboxed without same-origin (srcdoc), so nothing in it can
 * reach the admin UI, its cookies or its API.
 *
 * A srcdoc page lives under the admin UI's Content-Security-Policy, which allows no inline script
 * but this one, by its SHA-256 (see src/server/web-ui.ts): keep PREVIEW_PAGE_SCRIPT a constant.
 * Pure strings, so the web UI bundles this file as it is.
 */

/** The page's one inline script: receives guides from the editor and loads the renderer. */
export const PREVIEW_PAGE_SCRIPT = `window.pendulumPreview = {};
// A redraw must not pull focus out of the editor: the modal's focus() only acts once the
// preview itself has focus (someone clicked or tabbed into it).
var realFocus = HTMLElement.prototype.focus;
HTMLElement.prototype.focus = function (o) { if (document.hasFocus()) realFocus.call(this, o); };
var pending = null;
function has(sel){ try { return !!document.querySelector(sel); } catch (e) { return false; } }
function apply(d){
  if (!window.pendulumPreview.show) { pending = d; return; }
  window.pendulumPreview.show(d.guide, d.step);
  var s = d.guide.steps[d.step];
  parent.postMessage({ type: "pendulum-preview-status", missing: !!(s && s.layout === "tooltip" && s.selector && !has(s.selector)) }, "*");
}
window.addEventListener("message", function (e) {
  if (e.source !== parent || !e.data || e.data.type !== "pendulum-preview") return;
  apply(e.data);
});
function loaded(ok){
  parent.postMessage({ type: "pendulum-preview-ready", ok: ok }, "*");
  if (pending) { var d = pending; pending = null; apply(d); }
}
// Loaded from here rather than by a tag with onload/onerror attributes, which a CSP without
// 'unsafe-inline' refuses. A relative URL resolves against the admin UI's own address.
var renderer = document.createElement("script");
renderer.src = "/agent-guides.js";
renderer.onload = function () { loaded(true); };
renderer.onerror = function () { loaded(false); };
document.body.appendChild(renderer);
`;

/** The whole sample page, for an iframe's srcdoc. */
export function previewPageHtml(): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sample product page</title><style>
body{margin:0;font:14px/1.5 system-ui,sans-serif;color:#1f2430;background:#f5f6f8}
header{display:flex;align-items:center;gap:16px;padding:10px 20px;background:#1c2a4a;color:#fff}
header strong{font-size:16px;margin-right:auto}
header a{color:#dce4f5;text-decoration:none}
main{padding:20px}
.cards{display:grid;grid-template-columns:repeat(3,1fr);gap:12px;margin:16px 0}
.card{background:#fff;border:1px solid #dde1e7;border-radius:6px;padding:12px}
.card b{display:block;font-size:22px}
button{font:inherit;padding:6px 12px;border-radius:4px;border:1px solid #b8c0cc;background:#fff;cursor:pointer}
button.primary{background:#1c64d6;color:#fff;border-color:#1c64d6}
.chart{height:120px;background:linear-gradient(180deg,#e8effc,#fff);border:1px solid #dde1e7;border-radius:6px}
</style></head><body>
<header><strong>Acme Analytics</strong><a href="#" id="nav-dashboard">Dashboard</a><a href="#" id="nav-reports">Reports</a><a href="#" id="nav-billing">Billing</a><button id="help" type="button">Help</button></header>
<main><h1>Dashboard</h1>
<div class="cards"><div class="card">Active users<b>1,284</b></div><div class="card">Reports run<b>312</b></div><div class="card">Exports<b>47</b></div></div>
<div class="chart" aria-hidden="true"></div>
<p><button id="create-report" class="primary" type="button">Create report</button> <button id="export" type="button">Export</button> <button id="invite" type="button">Invite a teammate</button></p>
</main>
<script>${PREVIEW_PAGE_SCRIPT}</script>
</body></html>`;
}
