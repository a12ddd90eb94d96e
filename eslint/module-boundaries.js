// Pendulum's corridor, enforced (ADR 0011): a module is a folder of src/ whose index.ts is its
// only public face, and only the composition root's users (the CLI and the demo) import src/server.
import path from "node:path";

const SERVER_USERS = new Set(["server", "cli", "demo"]);

/** The module a file of src/ belongs to: its first folder, or its own name for a file at the top (config.ts). */
function moduleOf(relative) {
  const [first, ...rest] = relative.split(path.sep);
  return rest.length === 0 ? first.replace(/\.[cm]?[jt]sx?$/, "") : first;
}

/** True for the files tests and test kits live in: they may reach a whole Pendulum and a module's insides. */
function isTestFile(relative) {
  return /\.test\.tsx?$/.test(relative) || /(^|[-/])test-kit\.ts$/.test(relative) || relative.endsWith(`${path.sep}test-kit.ts`);
}

/** @type {import("eslint").Rule.RuleModule} */
export const moduleBoundaries = {
  meta: {
    type: "problem",
    docs: { description: "Modules meet through each other's index.ts; only the CLI and the demo import src/server." },
    schema: [{ type: "object", properties: { root: { type: "string" } }, additionalProperties: false }],
    messages: {
      deep: "{{from}} imports {{target}} from inside the {{module}} module; import it from {{module}}/index.js (add it to that index if it is meant to be public).",
      server: "{{from}} imports src/server (the composition root); only the CLI and the demo may. Take what you need as a dependency from the composition root instead.",
    },
  },
  create(context) {
    const src = path.join(context.options[0]?.root ?? process.cwd(), "src");
    const file = context.filename;
    const fromRel = path.relative(src, file);
    if (fromRel.startsWith("..") || path.isAbsolute(fromRel) || isTestFile(fromRel)) return {};
    const from = moduleOf(fromRel);
    function check(node, source) {
      if (typeof source !== "string" || !source.startsWith(".")) return;
      const targetRel = path.relative(src, path.resolve(path.dirname(file), source));
      if (targetRel.startsWith("..") || path.isAbsolute(targetRel)) return;
      const target = moduleOf(targetRel);
      if (target === from) return;
      if (target === "server" && !SERVER_USERS.has(from)) {
        context.report({ node, messageId: "server", data: { from: fromRel } });
        return;
      }
      const isTopFile = !targetRel.includes(path.sep);
      const isIndex = targetRel === path.join(target, "index.js") || targetRel === path.join(target, "index.ts") || targetRel === target;
      if (!isTopFile && !isIndex) context.report({ node, messageId: "deep", data: { from: fromRel, target: targetRel, module: target } });
    }
    return {
      ImportDeclaration: (node) => check(node.source, node.source.value),
      ExportNamedDeclaration: (node) => node.source && check(node.source, node.source.value),
      ExportAllDeclaration: (node) => check(node.source, node.source.value),
      ImportExpression: (node) => node.source.type === "Literal" && check(node.source, node.source.value),
    };
  },
};

export const pendulumPlugin = { rules: { "module-boundaries": moduleBoundaries } };
