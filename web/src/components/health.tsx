import { Badge, Text } from "@mantine/core";

/** A colour for a health colour name or range label (Red / Yellow / Green and friends). */
export function healthColor(colour: string | null | undefined, score?: number | null): string {
  const c = (colour ?? "").toLowerCase();
  if (c.startsWith("#")) return c;
  if (c.includes("red")) return "red";
  if (c.includes("yellow") || c.includes("amber") || c.includes("orange")) return "yellow";
  if (c.includes("green")) return "green";
  if (score === null || score === undefined) return "gray";
  return score < 45 ? "red" : score < 70 ? "yellow" : "green";
}

/** A health score with its colour; "—" when the customer has none. */
export function HealthBadge(props: { score: number | null | undefined; colour?: string | null }) {
  if (props.score === null || props.score === undefined) return <Text c="dimmed" size="sm">—</Text>;
  const color = healthColor(props.colour, props.score);
  // Darker shades (and dark text on yellow) keep the badge text readable (WCAG AA).
  const shade = color === "yellow" ? "#fcc419" : color === "green" ? "#1e6b2e" : color === "red" ? "#b02525" : color === "gray" ? "#495057" : color;
  return (
    <Badge color={shade} variant="filled" autoContrast tt="none" styles={{ root: { flexShrink: 0, overflow: "visible", maxWidth: "none" }, label: { overflow: "visible" } }} aria-label={`Health ${Math.round(props.score)}${props.colour ? `, ${props.colour}` : ""}`}>
      {Math.round(props.score)}
      {props.colour ? ` · ${props.colour}` : ""}
    </Badge>
  );
}

/** A health colour or range label as a chart colour (hex), so charts and badges agree. */
export function healthHex(colour: string | null | undefined, score?: number | null): string {
  const c = healthColor(colour, score);
  if (c.startsWith("#")) return c;
  return c === "red" ? "#c92a2a" : c === "yellow" ? "#f59f00" : c === "green" ? "#2b8a3e" : "#868e96";
}
