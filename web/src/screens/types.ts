import type { ComponentType } from "react";

/** The navigation groups of the sidebar, in order. */
export const SECTIONS = ["Overview", "Analytics", "CRM integration", "Customer success", "Guides", "Jobs", "Settings"] as const;
export type Section = (typeof SECTIONS)[number];

/**
 * One screen: its path pattern (`/accounts/:id`), the component (given the path parameters) and,
 * for screens reached from the sidebar, its label and section.
 */
export type ScreenRoute = {
  path: string;
  component: ComponentType<{ params: Record<string, string> }>;
  nav?: { label: string; section: Section };
  /** Screens a viewer may not open (settings with secrets). */
  adminOnly?: boolean;
};
