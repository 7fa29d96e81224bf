// Drives bulk publish, unpublish and delete and the job status reads with the official JS
// management SDK against a Veneer server, as its own suite (test/sanity-check/api/
// bulkOperation-test.js) calls them, and prints one JSON object of observations
// (tests/e2e/test_management_sdk_bulk.py asserts on it).
// Usage: node cma_bulk.mjs HOST PORT EMAIL PASSWORD
import contentstack from "@contentstack/management";

const [host, port, email, password] = process.argv.slice(2);
const options = { host, port: Number(port), insecure: true, timeout: 30000 };
const client = contentstack.client(options);
const seen = {};

await client.login({ email, password });
const created = await client.stack().create({ stack: { name: "js bulk", master_locale: "en-us" } });
const stack = client.stack({ api_key: created.api_key });
await stack.environment().create({ environment: { name: "development" } });
await stack.contentType().create({ content_type: { title: "Article", uid: "article", schema: [
  { display_name: "Title", uid: "title", data_type: "text", mandatory: true }] } });
const entry = await stack.contentType("article").entry().create({ entry: { title: "A" } });
const token = await stack.managementToken().create({ token: { name: "bulk", scope: [
  { module: "content_type", acl: { read: true, write: true } },
  { module: "entry", acl: { read: true, write: true } },
  { module: "asset", acl: { read: true, write: true } },
  { module: "branch", branches: ["main"], acl: { read: true } }] } });
const withToken = contentstack.client(options)
  .stack({ api_key: created.api_key, management_token: token.token });

const details = { entries: [{ uid: entry.uid, content_type: "article", locale: "en-us" }],
  locales: ["en-us"], environments: ["development"] };
const published = await stack.bulkOperation().publish({ details, api_version: "3.2",
  publishAllLocalized: true, skip_workflow_stage: true, approvals: true });
seen.publish = [published.notice, typeof published.job_id];
const status = await withToken.bulkOperation()
  .jobStatus({ job_id: published.job_id, bulk_version: "v3", api_version: "3.2" });
seen.status = [status.uid === published.job_id, status.action, status.status, status.body.locales,
  status.summary.success, status.api_key === created.api_key];
const items = await withToken.bulkOperation().getJobItems(published.job_id);
seen.items = items.items.map((i) => [i.uid === entry.uid, i.type, i.publish_details.status]);
const counted = await withToken.bulkOperation()
  .getJobItems(published.job_id, { include_count: true, skip: 0, limit: 50, status: "success" });
seen.counted = [counted.total_count, counted.limit];
const unpublished = await stack.bulkOperation().unpublish({ details, api_version: "3.2",
  unpublishAllLocalized: false });
seen.unpublish = [unpublished.notice, typeof unpublished.job_id];
try {
  await stack.bulkOperation().publish({ details: { ...details, environments: ["nowhere"] } });
  seen.unknown_environment = 200;
} catch (error) {
  seen.unknown_environment = [error.status, error.errorCode, Object.keys(error.errors)];
}
const deleted = await stack.bulkOperation().delete({ details: {
  entries: [{ uid: entry.uid, content_type: "article", locale: "en-us" }] } });
seen.delete = deleted.notice;
console.log(JSON.stringify(seen));
