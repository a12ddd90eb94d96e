// Loaded into every Salesforce CLI process the sf-cli suite starts (NODE_OPTIONS=--import …):
// a TCP connection or DNS lookup for anything but this machine is refused and written to the
// file PENDULUM_SF_NETWORK_LOG names, so the suite can prove nothing left the machine.
import dns from "node:dns";
import fs from "node:fs";
import net from "node:net";

const logFile = process.env.PENDULUM_SF_NETWORK_LOG;
const LOCAL = new Set(["localhost", "127.0.0.1", "::1", "::ffff:127.0.0.1"]);

function local(host) {
  return host === undefined || host === null || host === "" || LOCAL.has(String(host).toLowerCase()) || String(host).startsWith("127.");
}

function record(what) {
  if (logFile) fs.appendFileSync(logFile, `${process.pid} ${what}\n`);
}

function blocked(what) {
  const err = new Error(`network access blocked by the sf-cli test guard: ${what}`);
  err.code = "ECONNREFUSED";
  return err;
}

const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function guardedConnect(...args) {
  // net.connect hands over its normalized [options, callback]; direct calls pass (options | port, host?) or a socket path.
  const first = Array.isArray(args[0]) ? args[0][0] : args[0];
  let host;
  if (typeof first === "object" && first !== null) host = first.path ? undefined : (first.host ?? "localhost");
  else if (typeof first === "number" || /^\d+$/.test(String(first))) host = typeof args[1] === "string" ? args[1] : "localhost";
  if (!local(host)) {
    record(`connect ${host}`);
    process.nextTick(() => this.destroy(blocked(`connect ${host}`)));
    return this;
  }
  return connect.apply(this, args);
};

const lookup = dns.lookup;
dns.lookup = function guardedLookup(hostname, ...rest) {
  if (!local(hostname)) {
    record(`lookup ${hostname}`);
    const cb = rest[rest.length - 1];
    if (typeof cb === "function") process.nextTick(() => cb(blocked(`lookup ${hostname}`)));
    return {};
  }
  return lookup.call(this, hostname, ...rest);
};
const promisedLookup = dns.promises.lookup;
dns.promises.lookup = async function guardedPromisedLookup(hostname, ...rest) {
  if (!local(hostname)) {
    record(`lookup ${hostname}`);
    throw blocked(`lookup ${hostname}`);
  }
  return promisedLookup.call(this, hostname, ...rest);
};
