import { Alert, Button, Group, Select, Text } from "@mantine/core";
import { useEffect, useMemo, useRef, useState } from "react";
import { previewPageHtml } from "../../../../src/guides/preview-page";
import type { WireGuide } from "./model";

/** The draft drawn by the agent's own renderer on a sample page, at a chosen step. */
export function GuidePreview(props: { guide: WireGuide }) {
  const frame = useRef<HTMLIFrameElement>(null);
  const [ready, setReady] = useState<boolean | undefined>(undefined);
  const [missing, setMissing] = useState(false);
  const [step, setStep] = useState(0);
  const [tick, setTick] = useState(0);
  const srcDoc = useMemo(() => previewPageHtml(), []);
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
