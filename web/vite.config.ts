import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

const root = fileURLToPath(new URL(".", import.meta.url));

// React through esbuild's own JSX transform: no framework plugin is needed for a build.
export const config = defineConfig({
  root,
  base: "/",
  esbuild: { jsx: "automatic" },
  build: {
    outDir: fileURLToPath(new URL("../dist/web", import.meta.url)),
    emptyOutDir: true,
    chunkSizeWarningLimit: 1200,
    rollupOptions: {
      // Mantine marks its files "use client" for server-rendering frameworks; a client bundle ignores it.
      onwarn(warning, warn) {
        if (warning.code === "MODULE_LEVEL_DIRECTIVE") return;
        warn(warning);
      },
      output: {
        manualChunks(id: string): string | undefined {
          if (id.includes("node_modules/echarts") || id.includes("node_modules/zrender")) return "charts";
          if (id.includes("node_modules/")) return "vendor";
          return undefined;
        },
      },
    },
  },
  // `npm run dev:web` serves the UI with hot reload against a Pendulum on port 3000.
  server: { proxy: { "/api": "http://localhost:3000", "/agent.js": "http://localhost:3000" } },
  logLevel: "warn",
});

export { config as default };
