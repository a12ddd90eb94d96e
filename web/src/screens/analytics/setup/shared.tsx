import { Code, Text } from "@mantine/core";
import { useEffect, useRef, useState } from "react";
import type { ApiError } from "../../../api";

/** The character where a rule goes wrong, when the server named one (rule errors carry `position`). */
export function errorPosition(error: ApiError): number | null {
  const position = error.details["position"];
  return typeof position === "number" ? position : null;
}

/** The value after it stopped changing for `ms` milliseconds. */
export function useDebounced<T>(value: T, ms: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const t = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(t);
  }, [value, ms]);
  return settled;
}

/** The server's message for a rule, with the rule shown and the faulty character marked. */
export function RuleErrorText(props: { error: ApiError; rule: string }) {
  const position = errorPosition(props.error);
  return (
    <span data-testid="rule-error">
      {props.error.message}
      {position !== null && position >= 0 && (
        <Text component="span" display="block" mt={4} size="xs">
          <Code aria-label={`Error at character ${position + 1}`}>
            {props.rule.slice(0, position)}
            <mark style={{ background: "#ffc9c9", color: "#7d1a1a", outline: "1px solid #c92a2a" }}>{props.rule.slice(position, position + 1) || "\u00a0"}</mark>
            {props.rule.slice(position + 1)}
          </Code>
        </Text>
      )}
    </span>
  );
}

/** A stored click path (innermost first) as a CSS-like chain from the outermost element in. */
export function formatPath(path: { tag: string; id?: string; classes?: string[]; text?: string }[]): string {
  const parts = [...path].reverse().map((e) => `${e.tag.toLowerCase()}${e.id ? `#${e.id}` : ""}${(e.classes ?? []).map((c) => `.${c}`).join("")}`);
  const text = path[0]?.text;
  return `${parts.join(" > ")}${text ? ` “${text}”` : ""}`;
}

/** A live preview's state: what matched, or the server's error, or waiting. */
export type Preview<S> = { busy: boolean; result: S | undefined; error: ApiError | undefined };

/** Runs `load(key)` once `key` stops changing (debounced); null clears. Answers to older keys are dropped. */
export function usePreview<S>(key: string | null, load: (key: string, signal: AbortSignal) => Promise<S>): Preview<S> {
  const settled = useDebounced(key, 400);
  const [state, setState] = useState<Preview<S>>({ busy: false, result: undefined, error: undefined });
  const loadRef = useRef(load);
  loadRef.current = load;
  useEffect(() => {
    if (settled === null) {
      setState({ busy: false, result: undefined, error: undefined });
      return;
    }
    const controller = new AbortController();
    setState((s) => ({ ...s, busy: true }));
    loadRef
      .current(settled, controller.signal)
      .then((result) => setState({ busy: false, result, error: undefined }))
      .catch((e: unknown) => {
        if (controller.signal.aborted) return;
        setState({ busy: false, result: undefined, error: e as ApiError });
      });
    return () => controller.abort();
  }, [settled]);
  return state;
}

