import { Alert, Button, Group, Select, Text } from "@mantine/core";
import { useEffect, useMemo, useRef, useState } from "react";
import type { WireGuide } from "./model";

/**
 * A sample product page for the preview. It loads the real renderer (/agent-guides.js) in its
 * preview mode and draws whatever guide definition the editor posts to it. The iframe is
 * sandboxed without same-origin: nothing in it can reach the admin UI, its cookies or its API.
 */
function samplePage(origin: string): string {
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
<script>
window.pendulumPreview = {};
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
</script>
<script src="${origin}/agent-guides.js" onload="loaded(true)" onerror="loaded(false)"></script>
</body></html>`;
}

/** The draft drawn by the agent's own renderer on a sample page, at a chosen step. */
export function GuidePreview(props: { guide: WireGuide }) {
  const frame = useRef<HTMLIFrameElement>(null);
  const [ready, setReady] = useState<boolean | undefined>(undefined);
  const [missing, setMissing] = useState(false);
  const [step, setStep] = useState(0);
  const [tick, setTick] = useState(0);
  const srcDoc = useMemo(() => samplePage(window.location.origin), []);
  const steps = props.guide.steps.length;
  const at = Math.min(step, steps - 1);

  useEffect(() => {
    const onMessage = (e: MessageEvent): void => {
      if (!frame.current || e.source !== frame.current.contentWindow) return;
      const d = e.data as { type?: string; ok?: boolean; missing?: boolean };
      if (d.type === "pendulum-preview-ready") setReady(d.ok === true);
      if (d.type === "pendulum-preview-status") setMissing(d.missing === true);
    };
    window.addEventListener("message", onMessage);
    return () => window.removeEventListener("message", onMessage);
  }, []);

  // Redraw a moment after the last keystroke, so typing stays smooth.
  useEffect(() => {
    if (!ready) return;
    const t = window.setTimeout(() => frame.current?.contentWindow?.postMessage({ type: "pendulum-preview", guide: props.guide, step: at }, "*"), 250);
    return () => window.clearTimeout(t);
  }, [ready, props.guide, at, tick]);

  return (
    <div>
      <Group justify="space-between" align="flex-end" mb="xs">
        <Select
          label="Preview step"
          size="xs"
          w={200}
          data={props.guide.steps.map((s, i) => ({ value: String(i), label: `Step ${i + 1} · ${s.layout}` }))}
          value={String(at)}
          allowDeselect={false}
          onChange={(v) => v !== null && setStep(Number(v))}
        />
        <Button size="xs" variant="light" onClick={() => setTick((t) => t + 1)} disabled={!ready}>
          Show again
        </Button>
      </Group>
      {ready === false && (
        <Alert color="orange" mb="xs" title="The guide renderer did not load">
          /agent-guides.js is not built on this server; run npm run build.
        </Alert>
      )}
      {missing && (
        <Alert color="orange" mb="xs" title="Element not on the sample page">
          The sample page has no element matching this tooltip's selector. Try #create-report, #export, #invite or #help to see it here.
        </Alert>
      )}
      <iframe
        ref={frame}
        title="Guide preview on a sample page"
        sandbox="allow-scripts"
        srcDoc={srcDoc}
        style={{ width: "100%", height: 460, border: "1px solid var(--mantine-color-gray-4)", borderRadius: 6, background: "#fff" }}
      />
      <Text size="xs" c="dimmed" mt={4}>
        Drawn by the same renderer visitors get, from the sanitised content. Buttons work; nothing is recorded.
      </Text>
    </div>
  );
}
