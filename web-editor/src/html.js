// HTML rich text ⇄ ProseMirror documents. Parsing is ProseMirror's DOMParser over the shared
// schema; writing is this small serializer, one top-level block per line (as the HTML Contentstack
// stores usually is). `canonical` is what two HTML strings are compared by: the browser's own
// serialization, with the whitespace between tags set aside.
import { DOMParser as PMParser } from "prosemirror-model";
import { schema } from "./schema.js";

const TAGS = {
  bold: "strong", italic: "em", underline: "u", strikethrough: "s",
  inlineCode: "code", superscript: "sup", subscript: "sub",
};

function escapeText(s) {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function escapeAttr(s) {
  return escapeText(String(s)).replace(/"/g, "&quot;");
}

function open(mark) {
  if (mark.type.name === "link") {
    const a = mark.attrs.attrs || {};  // a link made here, or read from HTML
    return "<a href=\"" + escapeAttr(a.url || "") + "\"" +
      (a.target ? " target=\"" + escapeAttr(a.target) + "\"" : "") + ">";
  }
  return "<" + TAGS[mark.type.name] + ">";
}

function close(mark) {
  return mark.type.name === "link" ? "</a>" : "</" + TAGS[mark.type.name] + ">";
}

function inline(node) {
  let out = "";
  let active = [];
  node.forEach((child) => {
    const marks = child.marks.filter((m) => m.type.name === "link" || TAGS[m.type.name]);
    let keep = 0;
    while (keep < active.length && keep < marks.length && active[keep].eq(marks[keep])) keep += 1;
    for (let i = active.length - 1; i >= keep; i -= 1) out += close(active[i]);
    for (let i = keep; i < marks.length; i += 1) out += open(marks[i]);
    active = marks.slice();
    out += escapeText(child.text || "");
  });
  for (let i = active.length - 1; i >= 0; i -= 1) out += close(active[i]);
  return out;
}

function block(node) {
  const name = node.type.name;
  if (name === "ul" || name === "ol") {
    let items = "";
    node.forEach((li) => { items += "<li>" + inline(li) + "</li>"; });
    return "<" + name + ">" + items + "</" + name + ">";
  }
  if (name === "code") return "<pre><code>" + escapeText(node.textContent) + "</code></pre>";
  return "<" + name + ">" + inline(node) + "</" + name + ">";
}

export function toHtml(doc) {
  const blocks = [];
  doc.forEach((node) => blocks.push(block(node)));
  if (blocks.length === 1 && doc.firstChild.type.name === "p" && !doc.firstChild.content.size) return "";
  return blocks.join("\n");
}

export function fromHtml(html) {
  // An inert document: nothing in the value loads or runs while it is read.
  const body = new window.DOMParser().parseFromString(html, "text/html").body;
  return PMParser.fromSchema(schema).parse(body);
}

export function canonical(html) {
  const box = document.createElement("template");
  box.innerHTML = html;
  return box.innerHTML.replace(/>\s+</g, "><").trim();
}
