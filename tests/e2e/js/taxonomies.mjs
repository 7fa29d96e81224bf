// Drives taxonomies with the official JS SDKs against a Veneer server and prints one JSON object
// of observations (tests/e2e/test_taxonomies_sdks.py asserts on it): the management SDK's
// taxonomy and term calls, then the delivery SDK's taxonomy queries on a prepared stack.
// Usage: node taxonomies.mjs HOST PORT EMAIL PASSWORD '<delivery config>'
// where the delivery config is {apiKey, deliveryToken, environment}.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import contentstack from "@contentstack/management";
import delivery, { TaxonomyQueryOperation, QueryOperation } from "@contentstack/delivery-sdk";

const [host, port, email, password, raw] = process.argv.slice(2);
const config = JSON.parse(raw);
const client = contentstack.client({ host, port: Number(port), insecure: true, timeout: 30000 });
const seen = {};

await client.login({ email, password });
const created = await client.stack().create({ stack: { name: "js taxonomies", master_locale: "en-us" } });
const stack = client.stack({ api_key: created.api_key });

const taxonomy = await stack.taxonomy().create({ taxonomy: { uid: "region", name: "Region" } });
seen.taxonomy = [taxonomy.uid, taxonomy.name];
seen.taxonomies = (await stack.taxonomy().query().find()).items.map((t) => t.uid);
const fetched = await stack.taxonomy("region").fetch();
fetched.name = "Regions";
seen.renamed = (await fetched.update()).name;

const terms = stack.taxonomy("region").terms();
await terms.create({ term: { uid: "europe", name: "Europe" } });
await terms.create({ term: { uid: "asia", name: "Asia" } });
const france = await terms.create({ term: { uid: "france", name: "France", parent_uid: "europe" } });
seen.france = [france.parent_uid, france.depth, france.order];
await terms.create({ term: { uid: "paris", name: "Paris", parent_uid: "france" } });
seen.listed = (await terms.query().find()).items.map((t) => t.uid);
const term = await stack.taxonomy("region").terms("france").fetch();
term.name = "La France";
seen.term_renamed = (await term.update()).name;
seen.ancestors = (await stack.taxonomy("region").terms("paris").ancestors()).terms.map((t) => t.uid);
seen.descendants = (await stack.taxonomy("region").terms("europe").descendants()).terms.map((t) => t.uid);
const moved = await stack.taxonomy("region").terms("france").move({ term: { parent_uid: "asia", order: 1 }, force: true });
seen.moved = [moved.parent_uid, moved.depth];
seen.paris_depth = (await stack.taxonomy("region").terms("paris").fetch()).depth;
seen.search = (await stack.taxonomy("region").terms().search("PAR")).terms.map((t) => t.uid);
// The CLI's round trip: export to a file, import it (as another taxonomy) from the file.
const exported = await stack.taxonomy("region").export({ format: "json" });
seen.exported = exported.terms.map((t) => t.uid);
const file = join(mkdtempSync(join(tmpdir(), "taxonomy-")), "region.json");
writeFileSync(file, JSON.stringify({ ...exported, taxonomy: { ...exported.taxonomy, uid: "region_copy" } }));
const imported = await stack.taxonomy().import({ taxonomy: file });
seen.imported = [imported.uid, (await stack.taxonomy("region_copy").terms("paris").fetch()).depth];
seen.term_deleted = (await stack.taxonomy("region").terms("france").delete({ force: true })).status;
try {
  await stack.taxonomy("region").terms("paris").fetch();
  seen.deleted_fetch = 200;
} catch (error) {
  seen.deleted_fetch = error.status;
}
seen.taxonomy_deleted = (await stack.taxonomy("region").delete({ force: true })).status;

const cdn = delivery.stack({
  apiKey: config.apiKey, deliveryToken: config.deliveryToken, environment: config.environment,
  host, port: Number(port), insecure: true,
});
const titles = (response) => response.entries.map((e) => e.title).sort();
seen.eq_below = titles(await cdn.taxonomy()
  .where("taxonomies.color", TaxonomyQueryOperation.EQ_BELOW, "warm", { levels: 1 }).find());
seen.below = titles(await cdn.taxonomy().where("taxonomies.color", TaxonomyQueryOperation.BELOW, "warm").find());
seen.eq_above = titles(await cdn.taxonomy().where("taxonomies.color", TaxonomyQueryOperation.EQ_ABOVE, "crimson").find());
seen.above = titles(await cdn.taxonomy()
  .where("taxonomies.color", TaxonomyQueryOperation.ABOVE, "dark_crimson", { levels: 2 }).find());
seen.included = titles(await cdn.taxonomy().where("taxonomies.color", QueryOperation.INCLUDES, ["red", "blue"]).find());
seen.equal = titles(await cdn.taxonomy().where("taxonomies.size", QueryOperation.EQUALS, "large").find());
seen.content_types = (await cdn.taxonomy().where("taxonomies.color", QueryOperation.EXISTS, true).find())
  .entries.map((e) => e._content_type_uid).sort();
seen.one_type = titles(await cdn.contentType("hat").entry().query()
  .where("taxonomies.color", TaxonomyQueryOperation.EQ_BELOW, "cool").find());
console.log(JSON.stringify(seen));
