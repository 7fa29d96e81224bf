// Veneer's rich text fields (issue 17, Major 3): a ProseMirror editor over the form's text area.
//
// `textarea[data-rte=json]` holds a JSON RTE document as JSON, `textarea[data-rte=html]` holds
// HTML. The text area stays the posted value: the editor writes it only when the user edits, so
// saving an untouched form posts exactly what the server showed. A value the editor cannot hold
// exactly (one it would change on the way back) keeps its plain text area, with a note.
import { EditorState, TextSelection } from "prosemirror-state";
import { EditorView } from "prosemirror-view";
import { baseKeymap, chainCommands, setBlockType, toggleMark } from "prosemirror-commands";
import { history, redo, undo } from "prosemirror-history";
import { keymap } from "prosemirror-keymap";
import { schema } from "./schema.js";
import { docMeta, fromDoc, same, toDoc } from "./jsonrte.js";
import { canonical, fromHtml, toHtml } from "./html.js";

const N = schema.nodes;
const M = schema.marks;

function emptyDoc() {
  return N.doc.create(null, [N.p.create()]);
}

// -- commands ---------------------------------------------------------------------------------------

function listAround($pos) {
  for (let d = $pos.depth; d > 0; d -= 1) {
    const node = $pos.node(d);
    if (node.type === N.ul || node.type === N.ol) return { node, pos: $pos.before(d), depth: d };
  }
  return null;
}

// Take the list item at the cursor out of its list as a paragraph (splitting the list around it).
function liftItem(state, dispatch) {
  const { $from } = state.selection;
  const list = listAround($from);
  if (!list || $from.parent.type !== N.li) return false;
  if (!dispatch) return true;
  const index = $from.index(list.depth);
  const before = [];
  const after = [];
  list.node.forEach((li, _, i) => { if (i < index) before.push(li); else if (i > index) after.push(li); });
  const parts = [];
  if (before.length) parts.push(list.node.type.create(list.node.attrs, before));
  parts.push(N.p.create(null, $from.parent.content));
  if (after.length) parts.push(list.node.type.create(null, after));
  const tr = state.tr.replaceWith(list.pos, list.pos + list.node.nodeSize, parts);
  const at = list.pos + (before.length ? parts[0].nodeSize : 0) + 1 + $from.parentOffset;
  tr.setSelection(TextSelection.create(tr.doc, at));
  dispatch(tr.scrollIntoView());
  return true;
}

function inEmptyItem(state) {
  const { $from, empty } = state.selection;
  return empty && $from.parent.type === N.li && $from.parent.content.size === 0;
}

function atItemStart(state) {
  const { $from, empty } = state.selection;
  return empty && $from.parent.type === N.li && $from.parentOffset === 0;
}

const liftEmptyItem = (state, dispatch) => inEmptyItem(state) && liftItem(state, dispatch);
const liftAtStart = (state, dispatch) => atItemStart(state) && liftItem(state, dispatch);

// Bullet or numbered list: wraps the top-level blocks selected, switches a list's kind, or (the
// same kind again) turns the list back into paragraphs.
function toggleList(type) {
  return (state, dispatch) => {
    const { $from, $to } = state.selection;
    const list = listAround($from);
    if (list) {
      if (!dispatch) return true;
      let tr;
      if (list.node.type === type) {
        const paras = [];
        list.node.forEach((li) => paras.push(N.p.create(null, li.content)));
        tr = state.tr.replaceWith(list.pos, list.pos + list.node.nodeSize, paras);
        tr.setSelection(TextSelection.near(tr.doc.resolve(Math.min(tr.mapping.map($from.pos), tr.doc.content.size))));
      } else {
        tr = state.tr.setNodeMarkup(list.pos, type, list.node.attrs);
      }
      dispatch(tr.scrollIntoView());
      return true;
    }
    if ($from.depth < 1) return false;
    const start = $from.before(1);
    const end = $to.depth >= 1 ? $to.after(1) : $to.pos;
    const items = [];
    let ok = true;
    state.doc.nodesBetween(start, end, (node, pos) => {
      if (pos < start) return false;
      if (!node.isTextblock || node.type === N.code) ok = false;
      else items.push(N.li.create(null, node.content));
      return false;
    });
    if (!ok || !items.length) return false;
    if (!dispatch) return true;
    const tr = state.tr.replaceWith(start, end, type.create(null, items));
    tr.setSelection(TextSelection.near(tr.doc.resolve(Math.min(start + 2, tr.doc.content.size))));
    dispatch(tr.scrollIntoView());
    return true;
  };
}

function blockActive(state, type) {
  const { $from, $to } = state.selection;
  return $from.sameParent($to) && $from.parent.type === type;
}

// A heading, quote or code block; the same again makes it a paragraph. The block keeps its uid
// and attrs.
const sameIdentity = (old) => ({ uid: old.attrs.uid, attrs: old.attrs.attrs });

function toggleBlock(type) {
  return (state, dispatch) => {
    if (state.selection.$from.parent.type === N.li) return false;
    const target = blockActive(state, type) ? N.p : type;
    return setBlockType(target, sameIdentity)(state, dispatch);
  };
}

function markActive(state, type) {
  const { from, $from, to, empty } = state.selection;
  if (empty) return !!type.isInSet(state.storedMarks || $from.marks());
  return state.doc.rangeHasMark(from, to, type);
}

function linkAt(state) {
  const { $from } = state.selection;
  return ($from.marks().concat($from.nodeAfter ? $from.nodeAfter.marks : [])).find((m) => m.type === M.link) || null;
}

// The range of the link around the cursor: the run of neighbouring text that carries the mark.
function linkRange(state, mark) {
  const { $from } = state.selection;
  let pos = $from.start();
  let run = null;
  let hit = null;
  $from.parent.forEach((child) => {
    const end = pos + child.nodeSize;
    if (mark.isInSet(child.marks)) {
      run = run ? { from: run.from, to: end } : { from: pos, to: end };
      if (!hit && $from.pos >= run.from && $from.pos <= end) hit = run;
      if (hit && hit.from === run.from) hit = run;
    } else {
      run = null;
    }
    pos = end;
  });
  return hit;
}

function editLink(view) {
  const state = view.state;
  const existing = linkAt(state);
  const url = window.prompt("Link URL (leave empty to remove the link)",
    existing ? existing.attrs.attrs.url || "" : "https://");
  if (url === null) return;
  let { from, to, empty } = state.selection;
  if (existing && empty) {
    const range = linkRange(state, existing);
    if (range) ({ from, to } = range);
  }
  let tr = state.tr;
  if (!url) {
    if (from < to) tr = tr.removeMark(from, to, M.link);
  } else {
    const mark = M.link.create({
      uid: existing ? existing.attrs.uid : null,
      attrs: Object.assign({}, existing ? existing.attrs.attrs : {}, { url }),
      extra: existing ? existing.attrs.extra : null,
    });
    if (from === to) {
      tr = tr.insert(from, schema.text(url, [mark]));
    } else {
      tr = tr.removeMark(from, to, M.link).addMark(from, to, mark);
    }
  }
  if (tr.docChanged) view.dispatch(tr.scrollIntoView());
  view.focus();
}

// -- embedding an asset (JSON RTE): a dialog searches the stack's assets (the file fields' picker
// JSON) and inserts Contentstack's asset reference node at the cursor.

function assetNode(asset) {
  return N.opaque_block.create({
    json: {
      type: "reference",
      attrs: {
        "display-type": "display",
        "asset-uid": asset.uid,
        "content-type-uid": "sys_assets",
        "asset-name": asset.filename || asset.title,
        type: "asset",
        "class-name": "embedded-asset",
        inline: false,
      },
      uid: newUid(),
      children: [{ text: "" }],
    },
  });
}

function newUid() {
  const bytes = new Uint8Array(16);
  window.crypto.getRandomValues(bytes);
  return Array.prototype.map.call(bytes, (b) => ("0" + b.toString(16)).slice(-2)).join("");
}

function assetDialog(view, url, name) {
  const dialog = document.createElement("dialog");
  dialog.className = "picker-dialog";
  dialog.setAttribute("aria-label", "Embed an asset in " + name);
  const label = document.createElement("label");
  label.textContent = "Search assets";
  const box = document.createElement("input");
  box.type = "search";
  box.maxLength = 200;
  label.appendChild(box);
  const count = document.createElement("p");
  count.className = "meta";
  count.setAttribute("role", "status");
  const list = document.createElement("ul");
  list.className = "picker-results";
  const close = document.createElement("button");
  close.type = "button";
  close.className = "secondary";
  close.textContent = "Close";
  close.addEventListener("click", () => dialog.close());
  [label, count, list, close].forEach((el) => dialog.appendChild(el));
  let asked = 0;
  const find = () => {
    const mine = (asked += 1);
    fetch(url + "?" + new URLSearchParams({ q: box.value }).toString(),
      { credentials: "same-origin", headers: { accept: "application/json" } })
      .then((r) => (r.ok ? r.json() : Promise.reject(r.status)))
      .then((body) => {
        if (mine !== asked) return;
        list.textContent = "";
        body.assets.forEach((asset) => {
          const li = document.createElement("li");
          const pick = document.createElement("button");
          pick.type = "button";
          pick.className = "secondary";
          pick.textContent = asset.title;
          pick.addEventListener("click", () => {
            dialog.close();
            view.dispatch(view.state.tr.replaceSelectionWith(assetNode(asset)).scrollIntoView());
            view.focus();
          });
          li.appendChild(pick);
          list.appendChild(li);
        });
        count.textContent = body.count + (body.count === 1 ? " asset" : " assets");
      })
      .catch(() => { if (mine === asked) count.textContent = "The assets could not be loaded."; });
  };
  let timer = null;
  box.addEventListener("input", () => { window.clearTimeout(timer); timer = window.setTimeout(find, 250); });
  box.addEventListener("keydown", (e) => { if (e.key === "Enter") e.preventDefault(); });
  return { dialog, open: () => { dialog.showModal(); box.focus(); find(); } };
}

// -- embedding an entry (JSON RTE): the reference picker's search (one content type at a time,
// paged by the server) in a dialog; the entry goes in as Contentstack's block entry node.

function entryNode(ct, uid, locale) {
  const attrs = {
    "display-type": "block",
    type: "entry",
    "class-name": "embedded-entry redactor-component block-entry",
    "entry-uid": uid,
    "content-type-uid": ct,
  };
  if (locale) attrs.locale = locale;
  return N.opaque_block.create({
    json: { type: "reference", attrs, uid: newUid(), children: [{ text: "" }] },
  });
}

function entryDialog(view, types, name) {
  const dialog = document.createElement("dialog");
  dialog.className = "picker-dialog";
  dialog.setAttribute("aria-label", "Embed an entry in " + name);
  const typeLabel = document.createElement("label");
  typeLabel.textContent = "Content type";
  const select = document.createElement("select");
  types.forEach((t, i) => {
    const o = document.createElement("option");
    o.value = String(i);
    o.textContent = t.title;
    select.appendChild(o);
  });
  typeLabel.appendChild(select);
  const label = document.createElement("label");
  label.textContent = "Find entries";
  const box = document.createElement("input");
  box.type = "search";
  box.maxLength = 200;
  label.appendChild(box);
  const count = document.createElement("p");
  count.className = "meta";
  count.setAttribute("role", "status");
  const list = document.createElement("ul");
  list.className = "picker-results";
  const close = document.createElement("button");
  close.type = "button";
  close.className = "secondary";
  close.textContent = "Close";
  close.addEventListener("click", () => dialog.close());
  [typeLabel, label, count, list, close].forEach((el) => dialog.appendChild(el));
  let asked = 0;
  const find = () => {
    const mine = (asked += 1);
    const type = types[Number(select.value)];
    const url = new URL(type.search, window.location.href);
    url.searchParams.set("q", box.value);
    fetch(url, { credentials: "same-origin", headers: { accept: "application/json" } })
      .then((r) => (r.ok ? r.json() : Promise.reject(r.status)))
      .then((body) => {
        if (mine !== asked) return;
        list.textContent = "";
        body.choices.forEach((choice) => {
          const li = document.createElement("li");
          const pick = document.createElement("button");
          pick.type = "button";
          pick.className = "secondary";
          pick.textContent = choice.label;
          pick.addEventListener("click", () => {
            const at = choice.value.indexOf(":");
            const node = entryNode(choice.value.slice(0, at), choice.value.slice(at + 1), url.searchParams.get("locale"));
            dialog.close();
            view.dispatch(view.state.tr.replaceSelectionWith(node).scrollIntoView());
            view.focus();
          });
          li.appendChild(pick);
          list.appendChild(li);
        });
        count.textContent = body.choices.length
          ? type.title + ": page " + body.page + (body.more ? ", more: narrow the search" : "")
          : "No " + type.title + " entries found.";
      })
      .catch(() => { if (mine === asked) count.textContent = "The entries could not be loaded."; });
  };
  let timer = null;
  box.addEventListener("input", () => { window.clearTimeout(timer); timer = window.setTimeout(find, 250); });
  box.addEventListener("keydown", (e) => { if (e.key === "Enter") e.preventDefault(); });
  select.addEventListener("change", find);
  return { dialog, open: () => { dialog.showModal(); box.focus(); find(); } };
}

const keys = {
  "Mod-b": toggleMark(M.bold),
  "Mod-i": toggleMark(M.italic),
  "Mod-u": toggleMark(M.underline),
  "Mod-e": toggleMark(M.inlineCode),
  "Mod-z": undo,
  "Shift-Mod-z": redo,
  "Mod-y": redo,
  Enter: chainCommands(liftEmptyItem, baseKeymap.Enter),
  Backspace: chainCommands(liftAtStart, baseKeymap.Backspace),
};

// -- toolbar ----------------------------------------------------------------------------------------

const TOOLS = [
  { label: "Bold", text: "B", cls: "b", run: toggleMark(M.bold), active: (s) => markActive(s, M.bold) },
  { label: "Italic", text: "I", cls: "i", run: toggleMark(M.italic), active: (s) => markActive(s, M.italic) },
  { label: "Underline", text: "U", cls: "u", run: toggleMark(M.underline), active: (s) => markActive(s, M.underline) },
  { label: "Inline code", text: "</>", run: toggleMark(M.inlineCode), active: (s) => markActive(s, M.inlineCode) },
  { label: "Link", text: "Link", link: true, active: (s) => !!linkAt(s) },
  { sep: true },
  { label: "Heading 1", text: "H1", run: toggleBlock(N.h1), active: (s) => blockActive(s, N.h1) },
  { label: "Heading 2", text: "H2", run: toggleBlock(N.h2), active: (s) => blockActive(s, N.h2) },
  { label: "Heading 3", text: "H3", run: toggleBlock(N.h3), active: (s) => blockActive(s, N.h3) },
  { label: "Bulleted list", text: "• List", run: toggleList(N.ul), active: (s) => !!(listAround(s.selection.$from) || {}).node && listAround(s.selection.$from).node.type === N.ul },
  { label: "Numbered list", text: "1. List", run: toggleList(N.ol), active: (s) => !!(listAround(s.selection.$from) || {}).node && listAround(s.selection.$from).node.type === N.ol },
  { label: "Quote", text: "“ ”", run: toggleBlock(N.blockquote), active: (s) => blockActive(s, N.blockquote) },
  { label: "Code block", text: "{ }", run: toggleBlock(N.code), active: (s) => blockActive(s, N.code) },
  { sep: true },
  { label: "Undo", text: "↶", run: undo },
  { label: "Redo", text: "↷", run: redo },
];

function toolbar(view, name, extra) {
  const bar = document.createElement("div");
  bar.className = "rte-toolbar";
  bar.setAttribute("role", "toolbar");
  bar.setAttribute("aria-label", "Formatting: " + name);
  const buttons = [];
  TOOLS.concat(extra).forEach((tool) => {
    if (tool.sep) {
      const sep = document.createElement("span");
      sep.className = "rte-sep";
      bar.appendChild(sep);
      return;
    }
    const b = document.createElement("button");
    b.type = "button";
    b.className = "rte-tool " + (tool.cls || "");
    b.textContent = tool.text;
    b.title = tool.label;
    b.setAttribute("aria-label", tool.label);
    b.addEventListener("mousedown", (e) => e.preventDefault());  // keep the editor's selection
    b.addEventListener("click", () => {
      if (tool.link) { editLink(view); return; }
      if (tool.open) { tool.open(); return; }
      tool.run(view.state, view.dispatch);
      view.focus();
    });
    bar.appendChild(b);
    buttons.push({ b, tool });
  });
  // One tab stop for the toolbar; the arrow keys, Home and End move between its buttons.
  const roving = () => buttons.map((x) => x.b).filter((b) => !b.disabled);
  buttons.forEach(({ b }, i) => { b.tabIndex = i === 0 ? 0 : -1; });
  bar.addEventListener("keydown", (e) => {
    const list = roving();
    const at = list.indexOf(document.activeElement);
    if (at < 0) return;
    let next = -1;
    if (e.key === "ArrowRight") next = (at + 1) % list.length;
    else if (e.key === "ArrowLeft") next = (at - 1 + list.length) % list.length;
    else if (e.key === "Home") next = 0;
    else if (e.key === "End") next = list.length - 1;
    if (next < 0) return;
    e.preventDefault();
    buttons.forEach(({ b }) => { b.tabIndex = -1; });
    list[next].tabIndex = 0;
    list[next].focus();
  });
  const update = (state) => {
    buttons.forEach(({ b, tool }) => {
      if (tool.active) b.setAttribute("aria-pressed", tool.active(state) ? "true" : "false");
      if (tool.run) b.disabled = !tool.run(state);
    });
    if (!roving().some((b) => b.tabIndex === 0)) {
      buttons.forEach(({ b }) => { b.tabIndex = -1; });
      const first = roving()[0];
      if (first) first.tabIndex = 0;
    }
  };
  return { bar, update };
}

// -- mounting ---------------------------------------------------------------------------------------

function parse(textarea) {
  const raw = textarea.value;
  if (textarea.dataset.rte === "json") {
    if (!raw.trim()) return { doc: emptyDoc(), meta: {} };
    const json = JSON.parse(raw);
    const doc = toDoc(json);
    const meta = docMeta(json);
    if (!same(fromDoc(doc, meta), json)) throw new Error("not kept exactly");
    return { doc, meta };
  }
  if (!raw.trim()) return { doc: emptyDoc(), meta: {} };
  const doc = fromHtml(raw);
  if (canonical(toHtml(doc)) !== canonical(raw)) throw new Error("not kept exactly");
  return { doc, meta: {} };
}

function serialize(textarea, doc, meta) {
  if (textarea.dataset.rte === "json") return JSON.stringify(fromDoc(doc, meta));
  return toHtml(doc);
}

function fallback(textarea) {
  const note = document.createElement("p");
  note.className = "note rte-fallback";
  note.textContent = textarea.dataset.rte === "json"
    ? "This document holds content the rich text editor cannot keep exactly, so it is shown as JSON. It is saved unchanged unless you edit it here."
    : "This HTML holds markup the rich text editor cannot keep exactly, so it is shown as HTML. It is saved unchanged unless you edit it here.";
  textarea.after(note);
}

function mount(textarea) {
  if (textarea.dataset.rteReady) return;
  textarea.dataset.rteReady = "1";
  let parsed;
  try {
    parsed = parse(textarea);
  } catch (e) {
    fallback(textarea);
    return;
  }
  const meta = parsed.meta;
  if (!meta.uid) meta.uid = null;
  const label = textarea.id ? document.querySelector("label[for=\"" + CSS.escape(textarea.id) + "\"]") : null;
  const name = label ? label.textContent.replace(/\s*\*.*$/, "").trim() : textarea.name;
  const box = document.createElement("div");
  box.className = "rte-editor";
  const surface = document.createElement("div");
  surface.className = "rte-surface";
  let written = textarea.value;
  let tools = null;
  const stateFor = (doc) => EditorState.create({ doc, plugins: [history(), keymap(keys), keymap(baseKeymap)] });
  const view = new EditorView(surface, {
    state: stateFor(parsed.doc),
    attributes: {
      role: "textbox",
      "aria-multiline": "true",
      "aria-label": name,
      class: "rte-content",
    },
    dispatchTransaction(tr) {
      const state = view.state.apply(tr);
      view.updateState(state);
      if (tr.docChanged) {
        textarea.value = written = serialize(textarea, state.doc, meta);
        textarea.dispatchEvent(new Event("input", { bubbles: true }));
      }
      tools.update(state);
    },
  });
  const extra = [];
  if (textarea.dataset.rte === "json" && textarea.dataset.assets) {
    const picker = assetDialog(view, textarea.dataset.assets, name);
    box.appendChild(picker.dialog);
    extra.push({ sep: true }, { label: "Embed asset", text: "Asset", open: picker.open });
  }
  const entryTypes = textarea.dataset.rte === "json" && textarea.dataset.entryTypes
    ? JSON.parse(textarea.dataset.entryTypes) : [];
  if (entryTypes.length) {
    const picker = entryDialog(view, entryTypes, name);
    box.appendChild(picker.dialog);
    if (!extra.length) extra.push({ sep: true });
    extra.push({ label: "Embed entry", text: "Entry", open: picker.open });
  }
  tools = toolbar(view, name, extra);
  box.insertBefore(tools.bar, box.firstChild);
  box.appendChild(surface);
  ["aria-describedby", "aria-invalid", "aria-required"].forEach((attr) => {
    if (textarea.hasAttribute(attr)) view.dom.setAttribute(attr, textarea.getAttribute(attr));
  });
  if (label) {
    // The label names the editor; the text area it pointed to is hidden.
    label.removeAttribute("for");
    label.addEventListener("click", () => view.focus());
  }
  textarea.hidden = true;
  textarea.after(box);
  tools.update(view.state);
  // A draft restored into the text area (drafts.js) is shown in the editor.
  textarea.rteReload = () => {
    if (textarea.value === written) return;
    try {
      const again = parse(textarea);
      written = textarea.value;
      Object.keys(meta).forEach((k) => { delete meta[k]; });
      Object.assign(meta, again.meta);
      view.updateState(stateFor(again.doc));
      tools.update(view.state);
    } catch (e) { /* not a value the editor holds: the posted text area keeps it */ }
  };
}

function mountAll(root) {
  if (!root.querySelectorAll) return;
  if (root.matches && root.matches("textarea[data-rte]")) mount(root);
  Array.prototype.forEach.call(root.querySelectorAll("textarea[data-rte]"), mount);
}

function start() {
  mountAll(document);
  // Instances added from a template and fields replaced after a revert (editor.js) come later.
  new MutationObserver((records) => {
    records.forEach((r) => r.addedNodes.forEach((n) => { if (n.nodeType === 1) mountAll(n); }));
  }).observe(document.body, { childList: true, subtree: true });
  document.addEventListener("veneer:draft-restored", () => {
    Array.prototype.forEach.call(document.querySelectorAll("textarea[data-rte]"), (t) => {
      if (t.rteReload) t.rteReload();
    });
  });
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
else start();
