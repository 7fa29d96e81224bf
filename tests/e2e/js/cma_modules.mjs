// Drives global fields, labels and extensions with the official JS management SDK against a
// Veneer server and prints one JSON object of observations
// (tests/e2e/test_management_sdk_modules.py asserts on it).
// Usage: node cma_modules.mjs HOST PORT EMAIL PASSWORD
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import contentstack from "@contentstack/management";

const [host, port, email, password] = process.argv.slice(2);
const client = contentstack.client({ host, port: Number(port), insecure: true, timeout: 30000 });
const seen = {};

await client.login({ email, password });
const created = await client.stack().create({ stack: { name: "js modules", master_locale: "en-us" } });
const stack = client.stack({ api_key: created.api_key });

const seo = { title: "SEO", uid: "seo", schema: [
  { display_name: "Meta title", uid: "meta_title", data_type: "text", mandatory: true }] };
const gf = await stack.globalField().create({ global_field: seo });
seen.gf_created = [gf.uid, gf._version];
seen.gf_listed = (await stack.globalField().query().find()).items.map((g) => g.uid);
const fetched = await stack.globalField("seo").fetch();
fetched.title = "Search";
seen.gf_updated = (await fetched.update()).title;
seen.gf_nested = (await stack.globalField({ api_version: "3.2" }).query().find()).items.map((g) => g.uid);

await stack.contentType().create({ content_type: { title: "Article", uid: "article", schema: [
  { display_name: "Title", uid: "title", data_type: "text", mandatory: true },
  { display_name: "SEO", uid: "seo", data_type: "global_field", reference_to: "seo" }] } });
// The CLI's round trip: fetch the content type and put it back as fetched.
const ct = await stack.contentType("article").fetch();
seen.ct_field = ct.schema[1];
await ct.update();
const entry = await stack.contentType("article").entry().create({
  entry: { title: "A", seo: { meta_title: "Read me" } } });
seen.entry_seo = entry.seo.meta_title;
try {
  await stack.globalField("seo").delete();
  seen.delete_in_use = 200;
} catch (error) {
  seen.delete_in_use = error.status;
}

const label = await stack.label().create({ label: { name: "Campaign", content_types: ["article"] } });
seen.labels = (await stack.label().query().find()).items.map((l) => l.name);
label.name = "Campaigns";
seen.label_updated = (await label.update()).name;
seen.label_deleted = (await stack.label(label.uid).delete()).notice;

const ext = await stack.extension().create({ extension: { title: "Picker", type: "field",
  data_type: "text", src: "https://example.com/picker.html", multiple: false, tags: [], config: {} } });
seen.extensions = (await stack.extension().query().find()).items.map((e) => e.title);
seen.extension_fetched = (await stack.extension(ext.uid).fetch()).src;
// An extension uploaded from its HTML file (multipart), then found by a query on its type.
const html = join(mkdtempSync(join(tmpdir(), "veneer-ext-")), "widget.html");
writeFileSync(html, "<html><body>Widget</body></html>");
const uploaded = await stack.extension().upload({ title: "Uploaded", type: "widget",
  tags: ["a", "b"], upload: html });
seen.uploaded = [uploaded.title, uploaded.type, uploaded.tags, uploaded.srcdoc];
seen.widgets = (await stack.extension().query({ query: { type: "widget" } }).find()).items
  .map((e) => e.title);
try {
  await stack.extension("nope").fetch();
  seen.unknown_extension = 200;
} catch (error) {
  seen.unknown_extension = [error.status, error.errorCode];
}
seen.extension_deleted = (await stack.extension(ext.uid).delete()).notice;
console.log(JSON.stringify(seen));
