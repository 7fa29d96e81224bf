// Contentstack JSON RTE ⇄ ProseMirror documents.
//
// A block keeps its `uid` and `attrs`; text leaves become text with marks; a link ("a") becomes a
// link mark carrying its uid and attrs; any other element becomes an atom holding its JSON
// untouched. Writing back follows Slate's rules, as Contentstack's editor does: an inline element
// is surrounded by text leaves (empty ones where needed), and an empty block holds one empty leaf.
// `toDoc` throws on a shape it cannot hold; the caller also checks that `fromDoc(toDoc(x))` is `x`
// before it lets anyone edit, so a document the editor would change is never edited here.
import { Mark } from "prosemirror-model";
import { schema, LEAF_MARKS } from "./schema.js";

const TEXTBLOCKS = new Set(["p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "li"]);
const LISTS = new Set(["ul", "ol"]);

function unsupported(what) {
  throw new Error("unsupported JSON RTE shape: " + what);
}

function isObject(v) {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function keep(node) {
  if (node.attrs !== undefined && !isObject(node.attrs)) unsupported("attrs");
  if (node.uid !== undefined && typeof node.uid !== "string") unsupported("uid");
  const extra = {};
  Object.keys(node).forEach((k) => {
    if (k !== "type" && k !== "uid" && k !== "attrs" && k !== "children") extra[k] = node[k];
  });
  return {
    uid: node.uid === undefined ? null : node.uid,
    attrs: node.attrs === undefined ? null : node.attrs,
    extra: Object.keys(extra).length ? extra : null,
  };
}

function leafMarks(leaf, extra) {
  const marks = extra.slice();
  const other = {};
  Object.keys(leaf).forEach((k) => {
    if (k === "text") return;
    if (LEAF_MARKS.indexOf(k) >= 0 && leaf[k] === true) marks.push(schema.marks[k].create());
    else other[k] = leaf[k];
  });
  if (Object.keys(other).length) marks.push(schema.marks.extra.create({ json: other }));
  return Mark.setFrom(marks);
}

function inlines(children, inCode) {
  const out = [];
  (children || []).forEach((child) => {
    if (!isObject(child)) unsupported("child");
    if (typeof child.text === "string") {
      if (inCode && Object.keys(child).length !== 1) unsupported("marks in code");
      if (child.text) out.push(schema.text(child.text, leafMarks(child, [])));
      return;
    }
    if (inCode) unsupported("element in code");
    if (child.type === "a") {
      const link = schema.marks.link.create(keep(child));
      (child.children || []).forEach((leaf) => {
        if (!isObject(leaf) || typeof leaf.text !== "string") unsupported("link child");
        if (leaf.text) out.push(schema.text(leaf.text, leafMarks(leaf, [link])));
      });
      return;
    }
    if (typeof child.type !== "string") unsupported("inline");
    out.push(schema.nodes.opaque_inline.create({ json: child }));
  });
  return out;
}

function block(node) {
  if (!isObject(node) || typeof node.type !== "string") unsupported("block");
  const type = node.type;
  if (TEXTBLOCKS.has(type) && type !== "li") {
    return schema.nodes[type].create(keep(node), inlines(node.children, false));
  }
  if (type === "code") {
    return schema.nodes.code.create(keep(node), inlines(node.children, true));
  }
  if (LISTS.has(type)) {
    const items = (node.children || []).map((li) => {
      if (!isObject(li) || li.type !== "li") unsupported("list child");
      return schema.nodes.li.create(keep(li), inlines(li.children, false));
    });
    if (!items.length) unsupported("empty list");
    return schema.nodes[type].create(keep(node), items);
  }
  return schema.nodes.opaque_block.create({ json: node });
}

export function toDoc(json) {
  if (!isObject(json) || json.type !== "doc" || !Array.isArray(json.children)) unsupported("doc");
  if (!json.children.length) unsupported("empty doc");
  return schema.nodes.doc.create(null, json.children.map(block));
}

// -- back to JSON -----------------------------------------------------------------------------------

function newUid() {
  const bytes = new Uint8Array(16);
  window.crypto.getRandomValues(bytes);
  return Array.prototype.map.call(bytes, (b) => ("0" + b.toString(16)).slice(-2)).join("");
}

function element(type, attrs, seen, children) {
  // A node split in two copies its uid to both halves: the second one gets a new uid.
  let uid = attrs.uid;
  if (!uid || seen.has(uid)) uid = newUid();
  seen.add(uid);
  const out = Object.assign({}, attrs.extra || {}, { type, uid, children });
  if (attrs.attrs !== null) out.attrs = attrs.attrs;
  return out;
}

function leaf(textNode) {
  const out = { text: textNode.text };
  textNode.marks.forEach((m) => {
    if (m.type.name === "extra") Object.assign(out, m.attrs.json);
    else if (m.type.name !== "link") out[m.type.name] = true;
  });
  return out;
}

function isElement(x) {
  return typeof x.text !== "string";
}

// Slate's normalization: inline elements sit between text leaves.
function normalized(items) {
  const out = [];
  items.forEach((item) => {
    const prev = out[out.length - 1];
    if (isElement(item) && (!prev || isElement(prev))) out.push({ text: "" });
    out.push(item);
  });
  if (!out.length || isElement(out[out.length - 1])) out.push({ text: "" });
  return out;
}

function inlineJson(node, seen) {
  const items = [];
  let link = null;
  let linkItem = null;
  node.forEach((child) => {
    if (child.type.name === "opaque_inline") {
      link = null;
      items.push(child.attrs.json);
      return;
    }
    const mark = child.marks.find((m) => m.type.name === "link") || null;
    if (!mark) {
      link = null;
      items.push(leaf(child));
      return;
    }
    if (!link || !mark.eq(link)) {
      link = mark;
      linkItem = element("a", mark.attrs, seen, []);
      items.push(linkItem);
    }
    linkItem.children.push(leaf(child));
  });
  return normalized(items);
}

function blockJson(node, seen) {
  const name = node.type.name;
  if (name === "opaque_block") return node.attrs.json;
  if (name === "ul" || name === "ol") {
    const list = element(name, node.attrs, seen, []);
    node.forEach((li) => list.children.push(element("li", li.attrs, seen, inlineJson(li, seen))));
    return list;
  }
  if (name === "code") {
    return element("code", node.attrs, seen, [{ text: node.textContent }]);
  }
  return element(name, node.attrs, seen, inlineJson(node, seen));
}

// The document's own keys but its children (uid, attrs, _version…): what `fromDoc` writes back.
export function docMeta(json) {
  const meta = Object.assign({}, json);
  delete meta.children;
  return meta;
}

export function fromDoc(doc, meta) {
  const seen = new Set();
  const children = [];
  doc.forEach((node) => children.push(blockJson(node, seen)));
  return Object.assign({ attrs: {} }, meta, { type: "doc", uid: meta.uid || newUid(), children });
}

// Order-insensitive deep equality of JSON values.
export function same(a, b) {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== "object") return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && same(a[k], b[k]));
}
