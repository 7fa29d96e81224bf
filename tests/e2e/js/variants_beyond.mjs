// Issue 16's opt-in keys through the official JS delivery SDK's own pass-through, `addParams`, with
// the variants it sends as x-cs-variant-uid. Prints one JSON object for
// tests/e2e/test_sdk_variants_beyond.py. Usage: node variants_beyond.mjs '<config>' where
// config = {host, port, apiKey, deliveryToken, environment, home, header: [variant uids], green}.
import contentstack from "@contentstack/delivery-sdk";

const config = JSON.parse(process.argv[2]);
const stack = contentstack.stack({
  apiKey: config.apiKey, deliveryToken: config.deliveryToken, environment: config.environment,
  host: config.host, port: config.port, insecure: true,
});
const landing = () => stack.contentType("landing");
const explain = { include_variant_explain: "true", include_applied_variants: "true" };

const checks = {
  entry: () => landing().entry(config.home).variants(config.header).addParams(explain).fetch(),
  list: () => landing().entry().variants(config.header).addParams(explain).find(),
  plain: () => landing().entry(config.home).variants(config.header).fetch(),
  merged: () => landing().entry().variants([config.green]).query().equalTo("url", "/green")
    .addParams({ variant_query: "merged" }).find(),
  baseQuery: () => landing().entry().variants([config.green]).query().equalTo("url", "/green").find(),
};

const results = {};
for (const [name, check] of Object.entries(checks)) {
  try {
    results[name] = await check();
  } catch (error) {
    results[name] = { error: String(error.message || error), status: error.status };
  }
}
process.stdout.write(JSON.stringify(results));
