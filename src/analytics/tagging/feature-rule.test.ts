import { describe, expect, it } from "vitest";
import type { PathElement } from "../../store/event-store.js";
import { buildElementChain, matchFeature, parseFeatureRule, parseStoredPath } from "./feature-rule.js";

// <html><body class="app"><main id="content"><form class="billing" data-step="2">
//   <button id="save" class="btn btn-primary" type="submit"><span class="icon">Save</span></button>
const iconClick: PathElement[] = [
  { tag: "span", classes: ["icon"], text: "Save" },
  { tag: "button", id: "save", classes: ["btn", "btn-primary"], attrs: { type: "submit" } },
  { tag: "form", classes: ["billing"], attrs: { "data-step": "2" } },
  { tag: "main", id: "content" },
  { tag: "body", classes: ["app"] },
  { tag: "html" },
];
const linkClick: PathElement[] = [
  { tag: "A", attrs: { href: "/help", "Data-Track": "help" }, text: "Help" },
  { tag: "nav", classes: ["top"] },
  { tag: "body" },
];

const cases: [selector: string, path: PathElement[], expected: boolean][] = [
  ["span.icon", iconClick, true],
  ["button", iconClick, true], // an ancestor of the clicked element
  ["#save", iconClick, true],
  ["button#save.btn-primary", iconClick, true],
  ["button.btn.btn-secondary", iconClick, false],
  ["form.billing button", iconClick, true],
  ["form.billing > button", iconClick, true],
  ["main > button", iconClick, false],
  ["main button", iconClick, true],
  ["body.app main#content form[data-step='2'] span", iconClick, true],
  ["form[data-step='3']", iconClick, false],
  ["[type=submit]", iconClick, true],
  ["button:not(.btn-primary)", iconClick, false],
  ["span:not(.other)", iconClick, true],
  ["button:has(span.icon)", iconClick, true],
  ["button:contains('Save')", iconClick, true],
  ["nav a", iconClick, false],
  ["table, #save", iconClick, true],
  ["a[href^='/help']", linkClick, true],
  ["a[data-track=help]", linkClick, true],
  ["nav.top > a", linkClick, true],
  ["nav.top > a", iconClick, false],
  ["A", linkClick, true],
  ["div", linkClick, false],
  ["*", linkClick, true],
];

describe("matchFeature", () => {
  it.each(cases)("%s", (selector, path, expected) => {
    expect(parseFeatureRule(selector).ok).toBe(true);
    expect(matchFeature(selector, path)).toBe(expected);
  });

  it("builds a parent-linked chain, innermost first", () => {
    const chain = buildElementChain(iconClick);
    expect(chain.map((e) => e.name)).toEqual(["span", "button", "form", "main", "body", "html"]);
    expect(chain[0]?.parent).toBe(chain[1]);
    expect(chain[5]?.parent).toBeNull();
    expect(chain[1]?.attribs).toEqual({ id: "save", class: "btn btn-primary", type: "submit" });
  });

  it("reads stored paths and refuses what is not a path", () => {
    expect(parseStoredPath(JSON.stringify(iconClick))).toEqual(iconClick);
    expect(parseStoredPath("{")).toBeNull();
    expect(parseStoredPath('{"tag":"a"}')).toBeNull();
  });
});

describe("parseFeatureRule errors", () => {
  const errors: [selector: string, position: number | null, message: RegExp][] = [
    ["", 0, /empty/],
    ["button + span", 7, /sibling combinator/],
    ["li ~ li", 3, /sibling combinator/],
    ["li:nth-child(2n+1)", 2, /:nth-child/],
    ["li:first-child", 2, /:first-child/],
    ["button:hover-ish", 6, /Unknown pseudo-class/],
    ["button)", 6, /Unmatched selector/],
    ["div[foo", 3, /Attribute selector/],
    ["div:not(", 8, /parenthesis/i],
  ];
  it.each(errors)("%j", (selector, position, message) => {
    const r = parseFeatureRule(selector);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe("INVALID_RULE");
    expect(r.error.message).toMatch(message);
    expect(r.error.position).toBe(position);
  });

  it("allows ~= and + inside attribute values and strings", () => {
    expect(parseFeatureRule("[class~=btn]").ok).toBe(true);
    expect(parseFeatureRule("[data-x='a+b']").ok).toBe(true);
    expect(matchFeature("[class~=btn]", iconClick)).toBe(true);
  });
});

describe("parseFeatureRule bounds", () => {
  it("refuses parentheses nested deeper than 16 levels, with the position (issue 15: nested :is( cost ~80 ms per 4 KB)", () => {
    expect(parseFeatureRule(`${":not(".repeat(16)}.x${")".repeat(16)}`).ok).toBe(true);
    const deep = parseFeatureRule(`button${":is(".repeat(17)}.x${")".repeat(17)}`);
    expect(deep.ok).toBe(false);
    if (!deep.ok) expect(deep.error).toMatchObject({ code: "INVALID_RULE", position: 6 + 4 * 16 + 3 });
    // Parentheses inside a quoted attribute value are text.
    expect(parseFeatureRule(`[data-x="${"(".repeat(40)}"]`).ok).toBe(true);
  });
});
