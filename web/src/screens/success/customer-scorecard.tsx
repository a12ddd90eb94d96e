import { Button, Group, NativeSelect, NumberInput, Stack, Text, Textarea } from "@mantine/core";
import { useState, type FormEvent } from "react";
import { api } from "../../api";
import { useCanEdit } from "../../auth";
import { DataTable, ErrorNotice, formatCell, formatTime } from "../../components/common";
import { HealthBadge } from "../../components/health";
import { fieldError, useMutation } from "../../use-api";

/** GET /success/customers/:id/scorecard: the overall score, group scores and each measure's score. */
export type AccountCard = {
  overall: number | null;
  label: string | null;
  colour: string | null;
  groups: { id: string; name: string; score: number | null }[];
  measures: { name: string; label: string; score: number | null; comment: string | null; updatedAt: number | null }[];
};

/** One customer's scorecard, with a form to set a measure's score by hand. */
export function CustomerScorecard(props: { accountId: string; card: AccountCard; onChanged(): void }) {
  const canEdit = useCanEdit();
  const [measure, setMeasure] = useState(props.card.measures[0]?.name ?? "");
  const [score, setScore] = useState<string | number>("");
  const [comment, setComment] = useState("");
  const save = useMutation((body: { measure: string; score: number; comment: string }) => api(`/success/customers/${encodeURIComponent(props.accountId)}/scores`, { body }));
  async function submit(e: FormEvent) {
    e.preventDefault();
    if (await save.run({ measure, score: Number(score), comment })) {
      setScore("");
      setComment("");
      props.onChanged();
    }
  }
  return (
    <Stack>
      <Group>
        <Text fw={600}>Overall</Text>
        <HealthBadge score={props.card.overall} colour={props.card.label} />
        {props.card.groups.map((g) => (
          <Text key={g.id} size="sm">
            {g.name}: <b>{g.score === null ? "—" : Math.round(g.score)}</b>
          </Text>
        ))}
      </Group>
      <DataTable
        rows={props.card.measures}
        rowKey={(m) => m.name}
        minWidth={0}
        empty="The scorecard has no measures yet; add them under Scorecards."
        columns={[
          { key: "label", label: "Measure" },
          { key: "score", label: "Score", align: "right", render: (m) => formatCell(m.score) },
          { key: "comment", label: "Comment" },
          { key: "updatedAt", label: "Updated", render: (m) => formatTime(m.updatedAt) },
        ]}
      />
      {canEdit && props.card.measures.length > 0 && (
        <form onSubmit={submit} aria-label="Set a score">
          <ErrorNotice error={save.error && !save.error.field ? save.error : undefined} />
          <Group align="flex-start">
            <NativeSelect label="Measure" data={props.card.measures.map((m) => ({ value: m.name, label: m.label }))} value={measure} onChange={(e) => setMeasure(e.currentTarget.value)} error={fieldError(save.error, "measure")} />
            <NumberInput label="Score (0–100)" min={0} max={100} value={score} onChange={setScore} required w={140} error={fieldError(save.error, "score")} />
            <Textarea label="Comment" value={comment} onChange={(e) => setComment(e.currentTarget.value)} autosize minRows={1} w={320} maw="100%" error={fieldError(save.error, "comment")} />
            <Button type="submit" mt={24} loading={save.busy}>
              Set score
            </Button>
          </Group>
        </form>
      )}
    </Stack>
  );
}
