// Drives the official JS delivery SDK against a Veneer server and prints one JSON object of
// results for tests/e2e/test_delivery_sdk_js.py to assert on. Usage: node delivery.mjs '<config>'
// where config = {host, port, apiKey, deliveryToken, environment, pages: [uid...], stagingToken,
// variants: {apiKey, deliveryToken, stagingToken, home, red, green, blue, seed}} (the stack of
// tests/api/test_delivery_variants.py::make_variant_site).
import contentstack from "@contentstack/delivery-sdk";

const config = JSON.parse(process.argv[2]);
const connect = (overrides = {}) => contentstack.stack({
  apiKey: config.apiKey, deliveryToken: config.deliveryToken, environment: config.environment,
  host: config.host, port: config.port, insecure: true, ...overrides,
});
const stack = connect();
const page = () => stack.contentType("page");
const [zero, one] = config.pages;

// Each check records its result, or the error the SDK raised (status and body when HTTP).
async function run(check) {
  try {
    return await check();
  } catch (error) {
    return { error: String(error.message || error), status: error.status ?? error.response?.status,
             data: error.error_code ? { error_code: error.error_code, error_message: error.error_message } : error.response?.data };
  }
}

const checks = {
  single: () => page().entry(one).fetch(),
  find: () => page().entry().includeCount().find(),
  equalTo: () => page().entry().query().equalTo("title", "Page 2").find(),
  greaterThan: () => page().entry().query().greaterThanOrEqualTo("views", 2).orderByAscending("views").find(),
  containedIn: () => page().entry().query().containedIn("views", [0, 3]).orderByDescending("views").limit(1).find(),
  locale: () => page().entry(zero).locale("fr-fr").fetch(),
  fallback: () => page().entry(zero).locale("de-de").includeFallback().fetch(),
  fallbackEnglish: () => page().entry(one).locale("fr-fr").includeFallback().fetch(),
  listFallback: () => page().entry().locale("de-de").includeFallback().orderByAscending("views").find(),
  reference: () => page().entry(zero).includeReference("author", "author.company").fetch(),
  referenceList: () => page().entry().includeReference("author").find(),
  only: () => page().entry(one).only("title").fetch(),
  contentType: () => page().fetch(),
  notScoped: () => connect({ deliveryToken: config.stagingToken }).contentType("page").entry(zero).fetch(),
};

// Entry variants: the x-cs-variant-uid header, through entry(uid).variants() and entry().variants().query().
const v = config.variants;
const variantStack = connect({ apiKey: v.apiKey, deliveryToken: v.deliveryToken });
const landing = () => variantStack.contentType("landing");
Object.assign(checks, {
  variantFetch: () => landing().entry(v.home).variants([v.red, v.green, v.blue]).fetch(),
  variantAlias: () => landing().entry(v.home).variants("cs_personalize_0_2").fetch(),
  variantSeed: () => landing().entry(v.home).variants(v.seed).fetch(),
  variantLocale: () => landing().entry(v.home).variants([v.red]).locale("fr-fr").fetch(),
  variantQuery: () => landing().entry().variants([v.blue, v.red]).query().equalTo("title", "Testhghghhgh").find(),
  variantQueryAll: () => landing().entry().variants(`${v.blue},${v.red}`).query().orderByAscending("views").includeCount().find(),
  variantFind: () => landing().entry().variants([v.red, v.green, v.blue]).includeCount().find(),
  variantNotScoped: () => connect({ apiKey: v.apiKey, deliveryToken: v.stagingToken }).contentType("landing")
    .entry(v.home).variants([v.blue]).fetch(),
});

const results = {};
for (const [name, check] of Object.entries(checks)) {
  results[name] = await run(check);
}
process.stdout.write(JSON.stringify(results));
