// Preloaded into the CLI by tests/e2e/csdx.py (NODE_OPTIONS=--require): every host name resolves
// to 127.0.0.1. The CLI's management client refuses IP addresses and `localhost` as hosts, so the
// tests name the server `cms.localhost` (RFC 6761 keeps .localhost names on the loopback, but
// Node asks the system resolver, which does not know them); and nothing the CLI does besides
// (its npm version check) leaves the machine.
"use strict";
const dns = require("node:dns");

dns.lookup = function lookup(hostname, options, callback) {
  if (typeof options === "function") {
    callback = options;
    options = {};
  }
  if (typeof options === "number") options = { family: options };
  const all = Boolean(options && options.all);
  process.nextTick(() =>
    all
      ? callback(null, [{ address: "127.0.0.1", family: 4 }])
      : callback(null, "127.0.0.1", 4),
  );
};
