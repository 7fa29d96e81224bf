// Reads published assets, and entries whose file fields hold assets, with the official JS delivery
// SDK against a Veneer server; prints one JSON object of results for tests/e2e/test_assets_sdks.py.
// Usage: node assets_delivery.mjs '{"host", "port", "apiKey", "deliveryToken", "environment",
//   "assets": {filename: uid}, "entries": {title: uid}}'
import contentstack from "@contentstack/delivery-sdk";

const config = JSON.parse(process.argv[2]);
const stack = contentstack.stack({
  apiKey: config.apiKey, deliveryToken: config.deliveryToken, environment: config.environment,
  host: config.host, port: config.port, insecure: true,
});
const { assets, entries } = config;
// The bytes at a URL the server handed out, fetched without credentials, as base64.
const bytesAt = async (url) => Buffer.from(await (await fetch(url)).arrayBuffer()).toString("base64");

// Each check records its result, or the error the SDK raised (status and body when HTTP).
async function run(check) {
  try {
    return await check();
  } catch (error) {
    return { error: String(error.message || error), status: error.status ?? error.response?.status,
             data: error.error_code ? { error_code: error.error_code } : error.response?.data };
  }
}

const checks = {
  fetched: () => stack.asset(assets["hero.png"]).includeDimension().fetch(),
  relative: () => stack.asset(assets["hero.png"]).relativeUrls().fetch(),
  found: () => stack.asset().includeCount().includeDimension().find(),
  queried: () => stack.asset().query().equalTo("filename", "notes.pdf").find(),
  unpublished: () => stack.asset(assets["hidden.png"]).fetch(),
  one: () => stack.contentType("article").entry(entries.One).fetch(),
  two: () => stack.contentType("article").entry(entries.Two).fetch(),
  three: () => stack.contentType("article").entry(entries.Three).fetch(),
  listed: () => stack.contentType("article").entry().query().orderByAscending("title").find(),
};

const results = {};
for (const [name, check] of Object.entries(checks)) {
  results[name] = await run(check);
}
results.heroBytes = await bytesAt(results.fetched.url);
results.entryHeroBytes = await bytesAt(results.one.hero.url);
console.log(JSON.stringify(results));
