// Drives entry variants with the official JS management SDK against a Veneer server and prints
// one JSON object of observations (tests/e2e/test_management_sdk_variants.py asserts on it).
// Usage: node cma_variants.mjs HOST PORT EMAIL PASSWORD
import contentstack from "@contentstack/management";

const [host, port, email, password] = process.argv.slice(2);
const client = contentstack.client({ host, port: Number(port), insecure: true, timeout: 30000 });
const seen = {};

await client.login({ email, password });
const created = await client.stack().create({ stack: { name: "js variants", master_locale: "en-us" } });
const stack = client.stack({ api_key: created.api_key });
await stack.environment().create({ environment: { name: "production" } });
await stack.contentType().create({ content_type: { title: "Product", uid: "product", schema: [
  { display_name: "Title", uid: "title", data_type: "text", mandatory: true }] } });
const entry = await stack.contentType("product").entry().create({ entry: { title: "Lamp" } });

await stack.variantGroup().create({ uid: "colors", name: "Colors", content_types: [] });
await stack.variantGroup("colors").update({ uid: "colors", name: "Colors",
  content_types: [{ uid: "product", status: "linked" }] });
await stack.variantGroup("colors").variants().create({ uid: "red", name: "Red" });
seen.groups = (await stack.variantGroup().query({ query: { name: "Colors" } }).find()).items.map((g) => g.uid);
seen.variants = (await stack.variantGroup("colors").variants().query().find()).items.map((v) => v.uid);
const byUids = await stack.variants().fetchByUIDs(["red"]);
seen.by_uids = (byUids.variants || byUids.items || []).map((v) => v.uid);

const ev = stack.contentType("product").entry(entry.uid);
const first = await ev.variants("red").update({ entry: { title: "JS lamp", _variant: { _change_set: ["title"] } } });
seen.created = [first.notice, first.entry._variant._change_set];
const second = await ev.variants("red").update({ entry: { title: "JS lamp 2", _variant: {} } });
seen.updated = [second.notice, second.entry._version];
const fetched = await ev.variants("red").fetch();
seen.fetched = { title: fetched.entry.title, uid: fetched.entry._variant._uid };
seen.listed = (await ev.variants().query({}).find()).items.map((v) => v.variants_uid);
const versions = await ev.variants("red").versions();
seen.versions = versions.versions.map((v) => v._version);
const merged = await ev.includeVariants("true", "red");
seen.merged_title = (merged.entry || merged).title;
const published = await stack.contentType("product").entry(entry.uid, { api_version: "3.2" }).publish({
  publishDetails: { environments: ["production"], locales: ["en-us"], variants: [{ uid: "red", version: 2 }],
    variant_rules: { publish_latest_base: false, publish_latest_base_conditionally: true } }, locale: "en-us" });
seen.publish_notice = published.notice;
await ev.unpublish({ publishDetails: { environments: ["production"], locales: ["en-us"],
  variants: [{ uid: "red", version: 2 }] }, locale: "en-us" });
try {
  await ev.variants("nope").fetch();
  seen.unknown_status = 200;
} catch (error) {
  seen.unknown_status = error.status;
}
seen.deleted = (await ev.variants("red").delete()).notice;
// A variant read from its group's list addresses itself by the group uid the list carries.
await stack.variantGroup("colors").variants().create({ uid: "blue", name: "Blue" });
const blue = (await stack.variantGroup("colors").variants().query().find()).items
  .find((v) => v.uid === "blue");
seen.listed_path = blue.urlPath;
seen.renamed = (await blue.update({ name: "Navy" })).name;
seen.variant_deleted = (await blue.delete()).notice;
seen.after_delete = (await stack.variantGroup("colors").variants().query().find()).items.map((v) => v.uid);
seen.entry_count = (await stack.contentType("product").entry().query().count()).entries;
console.log(JSON.stringify(seen));
