import { Badge, Group } from "@mantine/core";
import { useCallback, useLayoutEffect, useRef, useState, type ReactNode } from "react";
import { useLeaveGuard } from "../router";

/** The one mark of a form whose changes are not saved, shown in its header (page or dialog). */
export function UnsavedBadge() {
  return (
    <Badge component="span" color="#fcc419" autoContrast variant="filled" tt="none" data-testid="unsaved">
      Unsaved changes
    </Badge>
  );
}

export type Unsaved = {
  /** True while the form holds something other than what was last loaded or saved. */
  dirty: boolean;
  /** Takes what the form holds after this update as saved: call it where the form is filled from the server, and after a save. */
  markSaved(): void;
  /** The mark for the header while dirty, else undefined. */
  mark: ReactNode;
  /** For a dialog's Cancel, close button and Escape: true when nothing would be lost or the person agreed to lose it. */
  mayClose(): boolean;
};

/** A dialog's title with the unsaved mark beside it. */
export function TitleWithMark(props: { title: string; unsaved: Unsaved }) {
  return (
    <Group gap="sm" component="span">
      <span>{props.title}</span>
      {props.unsaved.mark}
    </Group>
  );
}

/**
 * Unsaved changes of an editor, for every screen with a Save: compares what the form holds
 * (`current`, any JSON value) with what was last loaded or saved, marks the header while they
 * differ, and asks before the screen is left (in-app links, back and forward, closing the tab).
 *
 * `enabled` false (a dialog kept mounted while closed) counts as nothing to lose.
 * `markSaved` takes the form as it is on the next render, so a screen calls it in the same update
 * that fills the form (from loaded data, or after a save) without passing the value twice.
 */
export function useUnsavedChanges(current: unknown, what = "This form", enabled = true): Unsaved {
  const snapshot = JSON.stringify(current ?? null);
  const [base, setBase] = useState(snapshot);
  const [capture, setCapture] = useState(0);
  // Between markSaved and the next render the form counts as saved: a screen may leave right
  // after saving (a new record opens at its own address) without being asked.
  const capturing = useRef(false);
  // Only a request to capture takes the snapshot (later edits must not move the base); before
  // paint, so the mark does not flash between the form being filled and being taken as saved.
  useLayoutEffect(() => {
    if (capture > 0) setBase(snapshot);
    capturing.current = false;
  }, [capture]);
  const markSaved = useCallback(() => {
    capturing.current = true;
    setCapture((c) => c + 1);
  }, []);
  // A dialog kept mounted while closed (`enabled` false) has nothing to lose.
  return { ...useUnsavedMark(enabled && snapshot !== base, what, capturing), markSaved };
}

/**
 * The mark and the leave guard for a screen that already knows whether its form differs from what
 * the server holds (it compares with the loaded settings itself).
 */
export function useUnsavedMark(dirty: boolean, what = "This form", saving?: { current: boolean }): Omit<Unsaved, "markSaved"> {
  const message = `${what} has changes that are not saved. Leave and lose them?`;
  const guard = useCallback(() => (saving?.current ? null : message), [message, saving]);
  useLeaveGuard(dirty ? guard : null);
  const mayClose = () => !dirty || window.confirm(message);
  return { dirty, mark: dirty ? <UnsavedBadge /> : undefined, mayClose };
}
