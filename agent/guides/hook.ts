/**
 * What the core agent shares with the lazily loaded guide renderer (`/agent-guides.js`): who the
 * visitor is and where the server is. The core fills it and calls `notify` after any change; the
 * renderer sets `notify` when it loads. `q` holds `showGuide` ids asked for before it loaded.
 */
export type GuideHook = { key: string; host: string; visitor: string; account: string; q: string[]; notify?: () => void };
