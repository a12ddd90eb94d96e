import "@mantine/core/styles.css";
import "./app.css";
import { Anchor, MantineProvider, Modal, createTheme, type CSSVariablesResolver } from "@mantine/core";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./app";
import { AuthProvider } from "./auth";

// Shade 8 of blue and darker dimmed and error text keep every text at WCAG AA contrast (4.5:1).
// Every modal's close button gets a name for screen readers.
const theme = createTheme({
  primaryColor: "blue",
  primaryShade: 8,
  defaultRadius: "sm",
  // Every link is underlined: the one link style, which also tells a link from text without colour.
  components: { Modal: Modal.extend({ defaultProps: { closeButtonProps: { "aria-label": "Close" } } }), Anchor: Anchor.extend({ defaultProps: { underline: "always" } }) },
});
const contrast: CSSVariablesResolver = (t) => ({
  variables: {},
  light: { "--mantine-color-dimmed": t.colors.gray[7] ?? "#495057", "--mantine-color-error": t.colors.red[9] ?? "#c92a2a", "--mantine-color-placeholder": t.colors.gray[7] ?? "#495057" },
  dark: {},
});

const root = document.getElementById("root");
if (root) {
  createRoot(root).render(
    <StrictMode>
      <MantineProvider theme={theme} cssVariablesResolver={contrast}>
        <AuthProvider>
          <App />
        </AuthProvider>
      </MantineProvider>
    </StrictMode>,
  );
}
