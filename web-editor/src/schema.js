// The ProseMirror schema both rich text fields share. Block nodes are named after Contentstack's
// JSON RTE types (p, h1…h6, blockquote, code, ul, ol, li) and keep the node's `uid` and its
// `attrs` object as they were, so a document converts back exactly. A node the editor cannot
// edit (an embedded asset or entry, a table, an image…) is an atom that holds its JSON as is.
import { Schema } from "prosemirror-model";

// `attrs` is null for a node stored without one; `extra` holds any other keys the node has.
const keep = { uid: { default: null }, attrs: { default: {} }, extra: { default: null } };

function textblock(tag, group) {
  return {
    group,
    content: "inline*",
    attrs: keep,
    parseDOM: [{ tag }],
    toDOM: () => [tag, 0],
  };
}

const nodes = {
  doc: { content: "block+" },
  p: textblock("p", "block"),
  h1: textblock("h1", "block"),
  h2: textblock("h2", "block"),
  h3: textblock("h3", "block"),
  h4: textblock("h4", "block"),
  h5: textblock("h5", "block"),
  h6: textblock("h6", "block"),
  blockquote: textblock("blockquote", "block"),
  code: {
    group: "block",
    content: "text*",
    marks: "",
    code: true,
    defining: true,
    attrs: keep,
    parseDOM: [{ tag: "pre", preserveWhitespace: "full" }],
    toDOM: () => ["pre", ["code", 0]],
  },
  ul: { group: "block", content: "li+", attrs: keep, parseDOM: [{ tag: "ul" }], toDOM: () => ["ul", 0] },
  ol: { group: "block", content: "li+", attrs: keep, parseDOM: [{ tag: "ol" }], toDOM: () => ["ol", 0] },
  li: { content: "inline*", attrs: keep, defining: true, parseDOM: [{ tag: "li" }], toDOM: () => ["li", 0] },
  opaque_block: {
    group: "block",
    atom: true,
    selectable: true,
    draggable: true,
    attrs: { json: {} },
    toDOM: (node) => ["div", { class: "rte-embed", contenteditable: "false" }, describe(node.attrs.json)],
  },
  opaque_inline: {
    group: "inline",
    inline: true,
    atom: true,
    selectable: true,
    attrs: { json: {} },
    toDOM: (node) => ["span", { class: "rte-embed inline", contenteditable: "false" }, describe(node.attrs.json)],
  },
  text: { group: "inline" },
};

function flag(tag) {
  return { parseDOM: [{ tag }], toDOM: () => [tag, 0] };
}

// Mark order is the order Contentstack's leaves are written back in; it does not matter to JSON.
const marks = {
  link: {
    attrs: keep,
    inclusive: false,
    parseDOM: [{
      tag: "a[href]",
      getAttrs: (dom) => {
        const attrs = { url: dom.getAttribute("href") };
        if (dom.getAttribute("target")) attrs.target = dom.getAttribute("target");
        return { attrs };
      },
    }],
    toDOM: (mark) => {
      const url = (mark.attrs.attrs && mark.attrs.attrs.url) || "";
      return ["a", { href: url, title: url }, 0];
    },
  },
  bold: { parseDOM: [{ tag: "strong" }, { tag: "b" }], toDOM: () => ["strong", 0] },
  italic: { parseDOM: [{ tag: "em" }, { tag: "i" }], toDOM: () => ["em", 0] },
  underline: flag("u"),
  strikethrough: { parseDOM: [{ tag: "s" }, { tag: "del" }], toDOM: () => ["s", 0] },
  inlineCode: flag("code"),
  superscript: flag("sup"),
  subscript: flag("sub"),
  // A leaf's other properties (a mark set to something but true, a key the toolbar has no
  // button for): kept as they are on the text they were on.
  extra: { attrs: { json: { default: {} } }, toDOM: () => ["span", { class: "rte-extra" }, 0] },
};

export const LEAF_MARKS = ["bold", "italic", "underline", "strikethrough", "inlineCode", "superscript", "subscript"];

export const schema = new Schema({ nodes, marks });

// What an atom shows: "Asset: photo.png", "Entry: author blt…", or the node's type.
export function describe(json) {
  const attrs = (json && json.attrs) || {};
  if (json && json.type === "reference") {
    if (attrs.type === "asset") {
      return "Asset: " + (attrs["asset-name"] || attrs["asset-uid"] || "?");
    }
    return "Entry: " + [attrs["content-type-uid"], attrs["entry-uid"]].filter(Boolean).join(" ");
  }
  return "Kept as is: " + ((json && json.type) || "node");
}
