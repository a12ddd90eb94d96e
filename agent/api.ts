import type { Queue } from "./queue.js";
import { mergeIdentity, toIdentity, trackName, trackProps, type Warn } from "./sanitize.js";
import type { AgentEvent, EventType, Identity, PathElement } from "./types.js";

/** What the host page passes to `initialize`. */
export type InitializeOptions = { apiKey: string; host?: string; visitor?: Record<string, unknown>; account?: Record<string, unknown> };
/** What `identify` and `updateOptions` take. */
export type IdentityOptions = { visitor?: Record<string, unknown>; account?: Record<string, unknown> };

/** The `window.pendulum` object. */
export type PendulumApi = {
  initialize(options: InitializeOptions): void;
  identify(options: IdentityOptions): void;
  updateOptions(options: IdentityOptions): void;
  track(name: string, props?: Record<string, unknown>): void;
  flush(): Promise<void>;
};

/** What the agent needs from the page. */
export type AgentEnv = {
  queue: Queue;
  warn: Warn;
  /** A new event stamped with time, URL, title and tab. */
  event(type: EventType): AgentEvent;
  /** Starts automatic capture; called once, at initialize. */
  capture(report: (type: "load" | "click" | "focus", element?: PathElement[]) => void): void;
  defaultHost(): string;
  anonymousId(): string;
  tab: string;
};

/** Builds the public API over a queue and the page's capture. */
export function createAgent(env: AgentEnv): PendulumApi {
  let apiKey: string | undefined;
  let host = "";
  let visitor: Identity | undefined;
  let account: Identity | undefined;

  // A new identity takes effect for events after the call, never for ones captured before it.
  const setIdentity = (nextVisitor: Identity | undefined, nextAccount: Identity | undefined): void => {
    if (!apiKey || !nextVisitor) return;
    if (visitor && (visitor.id !== nextVisitor.id || account?.id !== nextAccount?.id)) env.queue.cut();
    visitor = nextVisitor;
    account = nextAccount;
    const storePrefix = `pendulum_outbox_${apiKey}_`;
    env.queue.setDestination({
      endpoint: `${host}/data/ingest?key=${encodeURIComponent(apiKey)}`,
      storePrefix,
      storeKey: storePrefix + env.tab,
      visitor,
      account,
    });
  };

  const api: PendulumApi = {
    initialize(options) {
      if (apiKey) {
        env.warn("initialize was called twice; the second call only changes the identity");
        api.identify(options);
        return;
      }
      if (!options || typeof options.apiKey !== "string" || !options.apiKey) {
        env.warn("initialize needs an apiKey");
        return;
      }
      apiKey = options.apiKey;
      host = (options.host || env.defaultHost()).replace(/\/+$/, "");
      setIdentity(toIdentity(options.visitor, "visitor", env.warn) ?? { id: env.anonymousId() }, toIdentity(options.account, "account", env.warn));
      env.queue.add(env.event("load"));
      env.capture((type, element) => {
        const e = env.event(type);
        if (element) e.element = element;
        env.queue.add(e);
      });
    },
    identify(options) {
      if (!apiKey) return env.warn("call initialize before identify");
      const v = options?.visitor ? toIdentity(options.visitor, "visitor", env.warn) : visitor;
      const a = options?.account ? toIdentity(options.account, "account", env.warn) : account;
      setIdentity(v, a);
    },
    updateOptions(options) {
      if (!apiKey) return env.warn("call initialize before updateOptions");
      const v = options?.visitor ? toIdentity({ id: visitor?.id, ...options.visitor }, "visitor", env.warn) : undefined;
      const a = options?.account ? toIdentity({ id: account?.id, ...options.account }, "account", env.warn) : undefined;
      setIdentity(v ? mergeIdentity(visitor, v) : visitor, a ? mergeIdentity(account, a) : account);
    },
    track(name, props) {
      const n = trackName(name, env.warn);
      if (!n) return;
      const e = env.event("track");
      e.name = n;
      const p = trackProps(props, env.warn);
      if (p) e.props = p;
      env.queue.add(e);
    },
    flush() {
      return env.queue.flush(true);
    },
  };
  return api;
}
