// Drives assets and asset folders with the official JS management SDK against a Veneer server and
// prints one JSON object of observations (tests/e2e/test_assets_sdks.py asserts on it).
// Usage: node assets.mjs '{"host", "port", "email", "password", "files": {"hero": path, "blue": path}}'
import contentstack from "@contentstack/management";

const config = JSON.parse(process.argv[2]);
const client = contentstack.client({ host: config.host, port: config.port, insecure: true, timeout: 30000 });
const seen = {};
// The bytes at a URL the server handed out, fetched without credentials, as base64.
const bytesAt = async (url) => Buffer.from(await (await fetch(url)).arrayBuffer()).toString("base64");
const pick = (asset) => ({
  uid: asset.uid, filename: asset.filename, title: asset.title, description: asset.description,
  tags: asset.tags, content_type: asset.content_type, file_size: asset.file_size, url: asset.url,
  _version: asset._version, parent_uid: asset.parent_uid,
});

await client.login({ email: config.email, password: config.password });
const created = await client.stack().create({ stack: { name: "js assets", master_locale: "en-us" } });
seen.api_key = created.api_key;
const stack = client.stack({ api_key: created.api_key });
await stack.environment().create({ environment: { name: "production" } });

const folder = await stack.asset().folder().create({ asset: { name: "Images" } });
seen.folder = { uid: folder.uid, name: folder.name, is_dir: folder.is_dir, content_type: folder.content_type };
const asset = await stack.asset().create({
  upload: config.files.hero, title: "Hero", description: "Red", tags: ["a", "b"], parent_uid: folder.uid,
});
seen.created = pick(asset);
const download = await asset.download({ url: asset.url, responseType: "arraybuffer" });
seen.downloaded = Buffer.from(download.data).toString("base64");
seen.fetched = pick(await stack.asset(asset.uid).fetch());
const listed = await stack.asset().query({ query: { title: "Hero" }, include_count: true }).find();
seen.listed = { uids: listed.items.map((a) => a.uid), count: listed.count };
seen.counted = await stack.asset().query({ query: { title: "Hero" } }).count();
seen.in_folder = (await stack.asset().query({ folder: folder.uid }).find()).items.map((a) => a.uid);

await stack.contentType().create({ content_type: { title: "Article", uid: "article", schema: [
  { display_name: "Title", uid: "title", data_type: "text", mandatory: true },
  { display_name: "Hero", uid: "hero", data_type: "file" }] } });
const entry = await stack.contentType("article").entry().create({ entry: { title: "Uses", hero: asset.uid } });
seen.entry_uid = entry.uid;
seen.references = await (await stack.asset(asset.uid).fetch()).getReferences();

const fetched = await stack.asset(asset.uid).fetch();
fetched.title = "Hero 2";
fetched.description = "Still red";
const permanent = `http://${config.host}:${config.port}/v3/assets/${created.api_key}/${asset.uid}/hero`;
fetched.permanent_url = permanent;
const updated = await fetched.update();
seen.updated = { ...pick(updated), permanent_url: updated.permanent_url };
const replaced = await (await stack.asset(asset.uid).fetch()).replace({ upload: config.files.blue, title: "Blue" });
seen.replaced = pick(replaced);
seen.files = { replaced: await bytesAt(replaced.url), original: await bytesAt(asset.url),
  permanent: await bytesAt(permanent) };

const publishDetails = { environments: ["production"], locales: ["en-us"] };
seen.published = (await replaced.publish({ publishDetails, version: replaced._version })).notice;
seen.publish_details = (await stack.asset(asset.uid).fetch()).publish_details
  .map((d) => [d.locale, d.version]);
seen.unpublished = (await replaced.unpublish({ publishDetails })).notice;
seen.after_unpublish = (await stack.asset(asset.uid).fetch()).publish_details;

const got = await stack.asset().folder(folder.uid).fetch();
seen.folder_fetched = { uid: got.uid, name: got.name };
got.name = "Pictures";
seen.folder_renamed = (await got.update()).name;
const inner = await stack.asset().folder().create({ asset: { name: "Inner", parent_uid: folder.uid } });
seen.inner_parent = inner.parent_uid;

const other = await stack.asset().create({ upload: config.files.blue });
seen.other = pick(other);
seen.deleted = (await other.delete()).notice;
try {
  await stack.asset(other.uid).fetch();
  seen.deleted_status = 200;
} catch (error) {
  seen.deleted_status = error.status;
}
seen.folder_deleted = (await stack.asset().folder(folder.uid).delete()).notice;
try {
  await stack.asset(asset.uid).fetch();
  seen.inside_status = 200;
} catch (error) {
  seen.inside_status = error.status;
}
console.log(JSON.stringify(seen));
