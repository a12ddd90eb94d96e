import { Stack, Text } from "@mantine/core";
import type { ApiError } from "../../../api";
import { fieldError } from "../../../use-api";
import type { RuleInput } from "../rule-model";
import { Panel } from "../shared";
import { ActionEditor, AddAction } from "./action-editor";
import { accountFieldOf, newAction } from "./model";

/** The rule's actions in order, each with its editor, and the picker that adds one. */
export function ActionsPanel(props: { draft: RuleInput; onChange(d: RuleInput): void; error: ApiError | undefined }) {
  const { draft, error: err } = props;
  const account = accountFieldOf(draft.source);
  const change = props.onChange;
  return (
    <Panel title="Actions" testId="rule-actions">
      <Stack>
        {draft.actions.map((a, i) => (
          <ActionEditor
            key={i}
            index={i}
            action={a}
            show={draft.show}
            account={account}
            error={err}
            onChange={(next) => change({ ...draft, actions: draft.actions.map((x, j) => (j === i ? next : x)) })}
            onRemove={() => change({ ...draft, actions: draft.actions.filter((_, j) => j !== i) })}
          />
        ))}
        {draft.actions.length === 0 && (
          <Text size="sm" c="dimmed">
            A rule needs at least one action.
          </Text>
        )}
        {fieldError(err, "actions") && err?.field === "actions" && (
          <Text c="red.8" size="sm" role="alert">
            {err.message}
          </Text>
        )}
        <AddAction onAdd={(t) => change({ ...draft, actions: [...draft.actions, newAction(t, account)] })} />
      </Stack>
    </Panel>
  );
}
