// Drives global fields, labels, extensions and custom roles with the official JS management SDK against a
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
// Custom roles as the JS management suite (test/sanity-check/api/role-test.js) drives them: the
// SDK has no role(uid).fetch(), so a role is read back from fetchAll and updated from there.
const branchRule = { module: "branch", branches: ["main"], acl: { read: true } };
const made = await stack.role().create({ role: { name: "Content Editor", description: "Edits",
  rules: [branchRule, { module: "content_type", content_types: ["$all"],
    acl: { read: true, sub_acl: { read: true, create: true } } }] } });
seen.role_created = [made.name, made.rules.length];
const all = await stack.role().fetchAll({ include_rules: true, include_permissions: true });
seen.roles = all.items.map((r) => r.name);
const role = all.items.find((r) => r.uid === made.uid);
role.name = "Updated Editor";
role.rules.push({ module: "taxonomy", taxonomies: ["$all"],
  acl: { read: true, sub_acl: { read: true, create: false } } });
const updated = await role.update();
seen.role_updated = [updated.name, updated.rules.length];
seen.roles_limited = (await stack.role().fetchAll({ limit: 2, skip: 2 })).items.map((r) => r.name);
for (const [key, body] of [["no_branch", { name: "No branch", rules: [
  { module: "content_type", content_types: ["$all"], acl: { read: true } }] }],
  ["no_name", { rules: [branchRule] }]]) {
  try {
    await stack.role().create({ role: body });
    seen[key] = 201;
  } catch (error) {
    seen[key] = [error.status, Object.keys(error.errors || {})];
  }
}
const admin = all.items.find((r) => r.name === "Admin");
try {
  await admin.delete();
  seen.admin_deleted = 200;
} catch (error) {
  seen.admin_deleted = error.status;
}
seen.role_deleted = (await role.delete()).notice;
seen.roles_left = (await stack.role().fetchAll()).items.map((r) => r.name);
console.log(JSON.stringify(seen));
