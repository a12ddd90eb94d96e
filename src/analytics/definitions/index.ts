export { createDefinitionStore, definitionsMigrations, type DefinitionStore, type Feature, type Page } from "./store.js";
export { registerDefinitionRoutes } from "./routes.js";
