// Live preview through the official JS delivery SDK, for tests/e2e/test_live_preview_sdks.py.
// Usage: node live_preview.mjs '<config>', config = {host, port, apiKey, deliveryToken,
// previewToken, uid, variants: [uid...]}. The SDK sends preview requests to https://<host> only,
// so the server speaks TLS (NODE_EXTRA_CA_CERTS names its certificate). Prints one JSON object.
import contentstack from "@contentstack/delivery-sdk";

const config = JSON.parse(process.argv[2]);
const stack = contentstack.stack({
  apiKey: config.apiKey, deliveryToken: config.deliveryToken, environment: "production",
  host: config.host, port: config.port,
  live_preview: { enable: true, preview_token: config.previewToken, host: `${config.host}:${config.port}` },
});
const landing = () => stack.contentType("landing").entry(config.uid);

const out = {};
out.published = await landing().fetch();
stack.livePreviewQuery({ contentTypeUid: "landing", entryUid: config.uid, live_preview: "h4sh" });
out.preview = await landing().fetch();
out.previewVariants = await landing().variants(config.variants).fetch();
stack.livePreviewQuery({});
out.afterwards = await landing().fetch();
console.log(JSON.stringify(out));
