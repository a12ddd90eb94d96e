import { Button, Card, Checkbox, Code, Group, NumberInput, Select, SimpleGrid, Stack, Text, TextInput, Textarea, Title } from "@mantine/core";
import type { ApiError } from "../../api";
import { fieldError } from "../../use-api";
import { ACTIONS, LAYOUTS, sanitised, type GuideButton, type Layout, type Step } from "./model";

type Props = {
  step: Step;
  index: number;
  count: number;
  error: ApiError | undefined;
  disabled: boolean;
  /** Applies a change to the latest version of the step (never a stale copy). */
  onChange(change: (s: Step) => Step): void;
  onMove(by: -1 | 1): void;
  onRemove(): void;
};

const POSITIONS = [
  { value: "bottom", label: "Below the element" },
  { value: "top", label: "Above the element" },
  { value: "left", label: "Left of the element" },
  { value: "right", label: "Right of the element" },
];

/** One step of a guide: layout, title, content (with its sanitised result), layout options, poll and buttons. */
export function StepEditor(props: Props) {
  const { step: s, index: i, error, disabled } = props;
  const at = `steps[${i}]`;
  const set = (patch: Partial<Step>): void => props.onChange((cur) => ({ ...cur, ...patch }));
  const setLayout = (layout: Layout): void =>
    props.onChange((cur) => {
      const next: Step = { ...cur, layout };
      if (layout === "poll" && !next.poll) next.poll = { type: "nps", question: "How likely are you to recommend us to a colleague?", comment: true };
      if (layout !== "poll") delete next.poll;
      if (layout !== "tooltip") {
        delete next.selector;
        delete next.position;
      }
      if (layout !== "banner") delete next.placement;
      return next;
    });
  const buttons = s.buttons ?? [];
  const setButton = (k: number, change: (b: GuideButton) => GuideButton): void => props.onChange((cur) => ({ ...cur, buttons: (cur.buttons ?? []).map((x, j) => (j === k ? change(x) : x)) }));
  const html = sanitised(s);
  const label = `Step ${i + 1}`;
  return (
    <Card withBorder mb="sm" component="section" aria-label={label} data-testid={`step-${i}`}>
      <Group justify="space-between" mb="xs">
        <Title order={3} size="h5">
          {label}
          {props.count > 1 ? ` of ${props.count}` : ""}
        </Title>
        <Group gap={4}>
          <Button size="compact-xs" variant="subtle" disabled={disabled || i === 0} onClick={() => props.onMove(-1)} aria-label={`Move up step ${i + 1}`}>
            Move up
          </Button>
          <Button size="compact-xs" variant="subtle" disabled={disabled || i === props.count - 1} onClick={() => props.onMove(1)} aria-label={`Move down step ${i + 1}`}>
            Move down
          </Button>
          <Button size="compact-xs" variant="subtle" color="red" disabled={disabled || props.count === 1} onClick={props.onRemove} aria-label={`Remove step ${i + 1}`}>
            Remove
          </Button>
        </Group>
      </Group>
      <Stack gap="sm">
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          <Select label="Layout" data={LAYOUTS} value={s.layout} allowDeselect={false} disabled={disabled} onChange={(v) => v && setLayout(v as Layout)} error={fieldError(error, `${at}.layout`)} />
          <TextInput label="Title" description="Shown in bold above the content; optional." value={s.title ?? ""} disabled={disabled} maxLength={200} onChange={(e) => set({ title: e.currentTarget.value || undefined })} error={fieldError(error, `${at}.title`)} />
        </SimpleGrid>
        <Select
          label="Content format"
          data={[
            { value: "markdown", label: "Markdown (**bold**, *italic*, lists, [links](https://…))" },
            { value: "html", label: "HTML (safe subset: p, strong, em, lists, headings, a, img…)" },
          ]}
          value={s.format ?? "markdown"}
          allowDeselect={false}
          disabled={disabled}
          onChange={(v) => v && set({ format: v as "markdown" | "html" })}
        />
        <Textarea
          label="Content"
          description={s.layout === "poll" ? "Optional text above the question." : "What visitors read. Scripts, styles and event handlers are removed."}
          autosize
          minRows={3}
          maxRows={12}
          value={s.content}
          disabled={disabled}
          onChange={(e) => set({ content: e.currentTarget.value })}
          error={fieldError(error, `${at}.content`)}
        />
        <div>
          <Text size="sm" fw={500} id={`sanitised-${i}`}>
            Sanitised result
          </Text>
          <Code block aria-labelledby={`sanitised-${i}`} data-testid={`sanitised-${i}`} style={{ whiteSpace: "pre-wrap", maxHeight: 140, overflow: "auto" }}>
            {html || "(empty)"}
          </Code>
        </div>
        {s.layout === "tooltip" && (
          <SimpleGrid cols={{ base: 1, sm: 2 }}>
            <TextInput label="Element (CSS selector)" required placeholder="#export-button" value={s.selector ?? ""} disabled={disabled} onChange={(e) => set({ selector: e.currentTarget.value || undefined })} error={fieldError(error, `${at}.selector`)} />
            <Select label="Position" data={POSITIONS} value={s.position ?? "bottom"} allowDeselect={false} disabled={disabled} onChange={(v) => v && set({ position: v as Step["position"] })} />
          </SimpleGrid>
        )}
        {s.layout === "banner" && (
          <Select
            label="Placement"
            data={[
              { value: "top", label: "Top of the page" },
              { value: "bottom", label: "Bottom of the page" },
            ]}
            value={s.placement ?? "top"}
            allowDeselect={false}
            disabled={disabled}
            onChange={(v) => v && set({ placement: v as "top" | "bottom" })}
          />
        )}
        {s.layout === "poll" && s.poll && <PollEditor step={s} at={at} error={error} disabled={disabled} onChange={props.onChange} />}
        <div>
          <Text size="sm" fw={500}>
            Buttons
          </Text>
          <Text size="xs" c="dimmed" mb={4}>
            {buttons.length === 0 ? (s.poll ? "A poll has its own Submit button." : "None set: visitors get Back, Next and Done.") : `${buttons.length} of 5`}
          </Text>
          {buttons.map((b, k) => {
            const bat = `${at}.buttons[${k}]`;
            return (
              <Group key={k} align="flex-start" gap="xs" mb="xs" wrap="wrap">
                <TextInput label={`Button ${k + 1} label`} value={b.label} maxLength={80} disabled={disabled} onChange={(e) => {
                    const label = e.currentTarget.value;
                    setButton(k, (x) => ({ ...x, label }));
                  }} error={fieldError(error, `${bat}.label`)} w={160} />
                <Select label={`Button ${k + 1} action`} data={ACTIONS} value={b.action} allowDeselect={false} disabled={disabled} onChange={(v) => v && setButton(k, (x) => ({ label: x.label, action: v as GuideButton["action"] }))} error={fieldError(error, `${bat}.action`)} w={170} />
                {b.action === "link" && (
                  <TextInput label={`Button ${k + 1} URL`} placeholder="https://…" value={b.url ?? ""} disabled={disabled} onChange={(e) => {
                      const url = e.currentTarget.value;
                      setButton(k, (x) => ({ ...x, url }));
                    }} error={fieldError(error, `${bat}.url`)} w={220} />
                )}
                {b.action === "goToStep" && (
                  <NumberInput label={`Button ${k + 1} goes to step`} min={1} max={props.count} value={b.step === undefined ? "" : b.step + 1} disabled={disabled} onChange={(v) => setButton(k, (x) => ({ ...x, step: typeof v === "number" ? v - 1 : undefined }))} error={fieldError(error, `${bat}.step`)} w={140} />
                )}
                <Button mt={24} size="xs" variant="subtle" color="red" disabled={disabled} aria-label={`Remove button ${k + 1} of step ${i + 1}`} onClick={() => props.onChange((cur) => ({ ...cur, buttons: (cur.buttons ?? []).filter((_, j) => j !== k) }))}>
                  Remove
                </Button>
              </Group>
            );
          })}
          <Button size="xs" variant="light" disabled={disabled || buttons.length >= 5} onClick={() => {
              const last = props.index === props.count - 1;
              props.onChange((cur) => ({ ...cur, buttons: [...(cur.buttons ?? []), { label: last ? "Done" : "Next", action: last ? "complete" : "next" }] }));
            }}>
            Add button
          </Button>
        </div>
      </Stack>
    </Card>
  );
}

function PollEditor(props: { step: Step; at: string; error: ApiError | undefined; disabled: boolean; onChange(change: (s: Step) => Step): void }) {
  const poll = props.step.poll;
  if (!poll) return null;
  const set = (patch: Partial<NonNullable<Step["poll"]>>): void => props.onChange((cur) => (cur.poll ? { ...cur, poll: { ...cur.poll, ...patch } } : cur));
  const pat = `${props.at}.poll`;
  return (
    <Stack gap="xs">
      <SimpleGrid cols={{ base: 1, sm: 2 }}>
        <Select
          label="Poll type"
          data={[
            { value: "nps", label: "NPS (0–10)" },
            { value: "choice", label: "Single choice" },
          ]}
          value={poll.type}
          allowDeselect={false}
          disabled={props.disabled}
          onChange={(v) => v && set(v === "choice" ? { type: "choice", options: poll.options ?? ["Yes", "No"] } : { type: "nps", options: undefined })}
          error={fieldError(props.error, `${pat}.type`)}
        />
        <Checkbox mt={30} label="Ask for an optional comment" checked={poll.comment ?? false} disabled={props.disabled} onChange={(e) => set({ comment: e.currentTarget.checked })} />
      </SimpleGrid>
      <TextInput label="Question" required value={poll.question} maxLength={500} disabled={props.disabled} onChange={(e) => set({ question: e.currentTarget.value })} error={fieldError(props.error, `${pat}.question`)} />
      {poll.type === "choice" && (
        <Textarea
          label="Options"
          description="One per line, 2 to 10."
          autosize
          minRows={2}
          value={(poll.options ?? []).join("\n")}
          disabled={props.disabled}
          onChange={(e) => set({ options: e.currentTarget.value.split("\n").map((o) => o.trimStart()).filter((o, k, all) => o !== "" || k === all.length - 1) })}
          error={fieldError(props.error, `${pat}.options`)}
        />
      )}
    </Stack>
  );
}
