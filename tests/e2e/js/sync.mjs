// Drives the official JS delivery SDK's Sync API calls against a Veneer server and prints one JSON
// object for tests/e2e/test_sync_sdks.py. Usage: node sync.mjs '<config>' where config =
// {host, port, apiKey, deliveryToken, environment, syncToken?}: without a sync token, an initial
// sync page by page (paginationToken), the same at once (recursive) and a filtered one; with one,
// the changes since (syncToken), and as the SDK's docs spell it ({sync_token}).
import contentstack from "@contentstack/delivery-sdk";

const config = JSON.parse(process.argv[2]);
const stack = contentstack.stack({
  apiKey: config.apiKey, deliveryToken: config.deliveryToken, environment: config.environment,
  host: config.host, port: config.port, insecure: true,
});

async function run(check) {
  try {
    return await check();
  } catch (error) {
    return { error: String(error.message || error), status: error.status ?? error.response?.status };
  }
}

async function paged() {
  const pages = [await stack.sync()];
  while (pages.at(-1).pagination_token) {
    pages.push(await stack.sync({ paginationToken: pages.at(-1).pagination_token }));
  }
  return pages;
}

const checks = config.syncToken
  ? {
      changes: () => stack.sync({ syncToken: config.syncToken }),
      snakeCase: () => stack.sync({ sync_token: config.syncToken }),
    }
  : {
      pages: paged,
      recursive: () => stack.sync({}, true),
      filtered: () => stack.sync({ contentTypeUid: "page", type: ["entry_published"], locale: "en-us" }),
    };

const results = {};
for (const [name, check] of Object.entries(checks)) results[name] = await run(check);
console.log(JSON.stringify(results));
