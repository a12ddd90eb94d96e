import { Button } from "@mantine/core";
import { api } from "../../../api";
import { ErrorNotice } from "../../../components/common";
import { navigate } from "../../../router";
import { useMutation } from "../../../use-api";

/** Deletes the rule after a confirmation (its run history goes with it) and returns to the list. */
export function DeleteRule(props: { id: string; name: string }) {
  const remove = useMutation(() => api(`/success/rules/${encodeURIComponent(props.id)}`, { method: "DELETE" }));
  return (
    <>
      <Button
        variant="subtle"
        color="red"
        ml="auto"
        loading={remove.busy}
        onClick={() => {
          if (window.confirm(`Delete the rule “${props.name}”? Its run history goes with it.`)) void remove.run(undefined).then((r) => r !== undefined && navigate("/success/rules"));
        }}
      >
        Delete rule
      </Button>
      <ErrorNotice error={remove.error} />
    </>
  );
}

