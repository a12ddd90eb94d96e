import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "./config.js";

describe("loadConfig", () => {
  it("uses defaults on an empty environment", () => {
    const c = loadConfig({}, "/srv/app");
    expect(c.port).toBe(3000);
    expect(c.dataDir).toBe("/srv/app/data");
    expect(c.baseUrl).toBe("http://localhost:3000");
    expect(c.apiToken).toBeUndefined();
  });

  it("reads the seed variables", () => {
    const c = loadConfig({ PORT: "4100", PENDULUM_DATA_DIR: "/tmp/x", PENDULUM_API_TOKEN: "t".repeat(20) }, "/");
    expect(c.port).toBe(4100);
    expect(c.dataDir).toBe("/tmp/x");
    expect(c.apiToken).toBe("t".repeat(20));
  });

  it.each([
    [{ PORT: "abc" }, "PORT"],
    [{ PORT: "70000" }, "PORT"],
    [{ PENDULUM_API_TOKEN: "short" }, "PENDULUM_API_TOKEN"],
    [{ PENDULUM_LOG_LEVEL: "loud" }, "PENDULUM_LOG_LEVEL"],
    [{ PENDULUM_BASE_URL: "not a url" }, "PENDULUM_BASE_URL"],
    [{ PENDULUM_ADMIN_EMAIL: "nobody" }, "PENDULUM_ADMIN_EMAIL"],
  ])("refuses %o naming %s", (env, variable) => {
    try {
      loadConfig(env);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      expect((e as ConfigError).variable).toBe(variable);
    }
  });
});
