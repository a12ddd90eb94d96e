// Mirrors of the server's limits (src/analytics/ingest/schema.ts). The server rejects a whole
// batch when one field breaks a limit, so the agent clips or drops before sending.
export const MAX_ID_BYTES = 128;
export const MAX_PROPS_BYTES = 512;
export const MAX_METADATA_KEYS = 100;
export const MAX_METADATA_STRING = 1024;
export const MAX_URL = 2048;
export const MAX_TITLE = 512;
export const MAX_PATH_ELEMENTS = 32;
export const MAX_TEXT = 64;

/** Events per batch: the flush threshold (the server allows 500). */
export const BATCH_EVENTS = 50;
/** keepalive fetch and sendBeacon refuse bodies over 64 KiB; stay under it with headroom. */
export const MAX_BODY_BYTES = 60_000;
export const FLUSH_MS = 2_000;
/**
 * SPEC counts active minutes (epoch minutes, ts // 60 000). Activity is reported when the minute
 * has changed since the last recorded event, and otherwise at most once per 30 s: the first is
 * what covers every active minute (a gap under 30 s can cross a minute boundary), the second
 * keeps a tab held open with a still page from looking idle. At most three events a minute.
 */
export const ACTIVITY_MS = 30_000;
export const MINUTE_MS = 60_000;
/** Offline queue bounds: beyond these, older events are worth less than the storage they use. */
export const OFFLINE_MAX_EVENTS = 500;
// The server refuses a batch holding an event older than 7 days; an hour of slack for clock drift.
export const OFFLINE_MAX_AGE_MS = (7 * 24 - 1) * 3600_000;
export const RETRY_BASE_MS = 1_000;
export const RETRY_MAX_MS = 60_000;

export const METADATA_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;
// The server's own pattern: control characters are exactly what it refuses.
// eslint-disable-next-line no-control-regex
export const EVENT_NAME = /^[^\u0000-\u001f\u007f]{1,100}$/;
