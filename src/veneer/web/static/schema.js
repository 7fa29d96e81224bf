// Veneer content type editor (docs/editor-content-types.md): add, remove, reorder and nest the
// rows of a schema, then post the whole definition as JSON in the form's `content_type` input.
// Each row holds its field as it was (data-original); a row gives back that field with only the
// controls the user changed applied, so keys the form does not show survive a save untouched.
// Leaving the page with changes not saved asks first.
(function () {
  "use strict";

  var form = document.getElementById("ct-form");
  if (!form) return;
  var serial = 0;

  function announce(text) {
    var region = document.getElementById("announce");
    if (!region) return;
    region.textContent = "";
    window.setTimeout(function () { region.textContent = text; }, 50);
  }

  function rowOf(el) { return el.closest(".ct-field, .ct-block"); }

  // The controls of `row` itself (null: the content type's own), not of the rows nested in it.
  function controls(row) {
    var scope = row || form;
    return Array.prototype.filter.call(scope.querySelectorAll("[data-key]"), function (el) {
      return rowOf(el) === row && !el.closest("template");
    });
  }

  function state(el) {
    if (el.tagName === "FIELDSET") {
      return checked(el).join("\n") + "|" + Array.prototype.map.call(el.querySelectorAll("[data-tax]"), function (i) {
        return i.type === "checkbox" ? (i.checked ? "1" : "") : i.value;
      }).join("\n");
    }
    if (el.type === "checkbox") return el.checked ? "1" : "";
    return el.value;
  }

  function remember(scope) {
    scope.querySelectorAll("[data-key], [data-kind-select]").forEach(function (el) {
      el.dataset.initial = state(el);
    });
  }

  function changed(el) { return state(el) !== el.dataset.initial; }

  function kindSelect(row) { return row.querySelector(":scope > fieldset > .ct-grid [data-kind-select]"); }

  function visible(el, row, kind) {
    var panel = el.closest("[data-kinds]");
    if (!panel || rowOf(panel) !== row) return true;
    return panel.dataset.kinds.split(" ").indexOf(kind) >= 0;
  }

  function setPath(obj, path, value) {
    var parts = path.split("."), last = parts.pop();
    parts.forEach(function (p) {
      if (!obj[p] || typeof obj[p] !== "object" || Array.isArray(obj[p])) obj[p] = {};
      obj = obj[p];
    });
    if (value === undefined) delete obj[last]; else obj[last] = value;
  }

  function typed(raw, field) {
    if (field.data_type === "number") {
      var n = Number(raw);
      return raw.trim() !== "" && isFinite(n) ? n : raw;
    }
    if (field.data_type === "boolean") return raw === "true" ? true : raw === "false" ? false : raw;
    return raw;
  }

  function choices(text, field) {
    var list = [], keyed = false;
    text.split("\n").forEach(function (line) {
      if (!line.trim()) return;
      var cut = line.indexOf(" | ");
      var choice = {};
      if (cut >= 0) { choice.key = line.slice(0, cut).trim(); line = line.slice(cut + 3); keyed = true; }
      choice.value = typed(line.trim(), field);
      list.push(choice);
    });
    return { advanced: keyed, choices: list };
  }

  // The values ticked in a fieldset of choices (not a taxonomy's own settings).
  function checked(el) {
    return Array.prototype.filter.call(el.querySelectorAll("input:not([data-tax])"), function (i) { return i.checked; })
      .map(function (i) { return i.value; });
  }

  // A taxonomy field's taxonomies: those ticked, each with its settings (other keys kept).
  function taxonomies(el, field) {
    var before = {};
    (Array.isArray(field.taxonomies) ? field.taxonomies : []).forEach(function (t) {
      if (t && typeof t === "object") before[t.taxonomy_uid] = t;
    });
    return checked(el).map(function (uid) {
      var item = Object.assign({ taxonomy_uid: uid }, before[uid] || {});
      var box = el.querySelector("[data-taxonomy='" + uid + "']");
      var max = box.querySelector("[data-tax=max_terms]").value;
      if (max === "") delete item.max_terms; else item.max_terms = Number(max);
      item.mandatory = box.querySelector("[data-tax=mandatory]").checked;
      return item;
    });
  }

  function apply(field, el, kind) {
    var key = el.dataset.key, type = el.dataset.type, value = el.value;
    if (type === "name" || type === "uid") setPath(field, key, value.trim());
    else if (type === "str") setPath(field, key, value === "" ? undefined : value);
    else if (type === "int") setPath(field, key, value === "" ? undefined : Number(value));
    else if (type === "bool") setPath(field, key, el.checked);
    else if (type === "enumtype") field.data_type = value;
    else if (type === "gref") setPath(field, key, value || undefined);
    else if (type === "default") setPath(field, key, value === "" ? undefined : typed(value, field));
    else if (type === "refs") field.reference_to = checked(el);
    else if (type === "radio") setPath(field, key, checked(el)[0] === "true");
    else if (type === "taxonomies") field.taxonomies = taxonomies(el, field);
  }

  var FLAGS = ["multiline", "markdown", "allow_rich_text", "allow_json_rte", "ref_multiple", "ref_multiple_content_types"];
  var SHAPES = {
    text: ["text"], textarea: ["text", "multiline"], markdown: ["text", "markdown"],
    html: ["text", "allow_rich_text"], rte: ["json", "allow_json_rte"], select: ["text"],
    reference: ["reference", "ref_multiple"], group: ["group"], blocks: ["blocks"],
    global_field: ["global_field"], taxonomy: ["taxonomy"]
  };

  // A field made (or turned into) `kind`: its data type and the keys that kind is told by.
  function shape(field, kind) {
    ["enum", "display_type", "reference_to", "schema", "blocks", "taxonomies"].forEach(function (k) { delete field[k]; });
    var meta = field.field_metadata && typeof field.field_metadata === "object" ? field.field_metadata : {};
    FLAGS.forEach(function (k) { delete meta[k]; });
    field.field_metadata = meta;
    var how = SHAPES[kind] || [kind];
    field.data_type = how[0];
    if (how[1]) meta[how[1]] = true;
    if (kind === "html" || kind === "rte") meta.rich_text_type = meta.rich_text_type || "advanced";
    if (kind === "select") { field.display_type = "dropdown"; field.enum = { advanced: false, choices: [] }; }
    if (kind === "reference") field.reference_to = [];
    if (kind === "blocks") field.multiple = true;
    if (kind === "taxonomy") { field.uid = "taxonomies"; field.multiple = true; field.taxonomies = []; }
  }

  function fieldOf(row) {
    var field = JSON.parse(row.dataset.original || "{}");
    var select = kindSelect(row), kind = select.value;
    var force = row.hasAttribute("data-new") || changed(select);
    if (force) shape(field, kind);
    var later = [];
    controls(row).forEach(function (el) {
      if (!visible(el, row, kind) || !(force || changed(el))) return;
      if (el.dataset.type === "choices") later.push(el); else apply(field, el, kind);
    });
    later.forEach(function (el) { field.enum = choices(el.value, field); });
    if (kind === "group") field.schema = listOf(nest(row, "schema"));
    if (kind === "blocks") field.blocks = blocksOf(nest(row, "blocks"));
    return field;
  }

  function blockOf(row) {
    var block = JSON.parse(row.dataset.original || "{}");
    var force = row.hasAttribute("data-new");
    controls(row).forEach(function (el) { if (force || changed(el)) apply(block, el, ""); });
    if (block.reference_to) delete block.schema;
    else block.schema = listOf(nest(row, "schema"));
    return block;
  }

  function nest(row, name) {
    var box = row.querySelector(":scope > fieldset > [data-nest='" + name + "']");
    return box.querySelector(":scope > ol");
  }

  function items(list, cls) {
    return Array.prototype.filter.call(list.children, function (li) { return li.classList.contains(cls); });
  }

  function listOf(ol) { return items(ol, "ct-field").map(fieldOf); }
  function blocksOf(ol) { return items(ol, "ct-block").map(blockOf); }

  function definition() {
    var doc = JSON.parse(form.dataset.original || "{}");
    var force = form.hasAttribute("data-new-type");
    controls(null).forEach(function (el) { if (force || changed(el)) apply(doc, el, ""); });
    doc.schema = listOf(form.querySelector(".ct-root > ol"));
    return doc;
  }

  function slug(text) {
    var s = text.toLowerCase().normalize("NFKD").replace(/[\u0300-\u036f]/g, "")
      .replace(/[^a-z0-9]+/g, "_").replace(/^_+|_+$/g, "").slice(0, 64);
    return /^[a-z]/.test(s) ? s : s ? "f_" + s : "";
  }

  function showKind(row) {
    var kind = kindSelect(row).value;
    row.querySelectorAll("[data-kinds]").forEach(function (panel) {
      if (rowOf(panel) === row) panel.hidden = panel.dataset.kinds.split(" ").indexOf(kind) < 0;
    });
    if (kind === "taxonomy") {
      var uid = row.querySelector(":scope > fieldset > .ct-grid [data-type=uid]");
      uid.value = "taxonomies";
    }
  }

  function add(button, templateId) {
    var template = document.getElementById(templateId);
    var list = button.previousElementSibling;
    serial += 1;
    var key = "n" + serial + "-" + Date.now().toString(36);
    list.insertAdjacentHTML("beforeend", template.innerHTML.split("__KEY__").join(key));
    var li = list.lastElementChild;
    remember(li);
    var first = li.querySelector("input[type=text]");
    if (first) first.focus();
    announce(templateId === "ct-block-template" ? "Block added" : "Field added");
  }

  function move(button, step) {
    var li = rowOf(button), list = li.parentElement;
    var cls = li.classList.contains("ct-block") ? "ct-block" : "ct-field";
    var all = items(list, cls), at = all.indexOf(li), to = at + step;
    if (to < 0 || to >= all.length) return;
    if (step < 0) list.insertBefore(li, all[to]); else list.insertBefore(li, all[to].nextSibling);
    button.focus();
    announce("Moved to position " + (to + 1) + " of " + all.length);
  }

  function remove(button) {
    var li = rowOf(button), list = li.parentElement;
    var name = li.querySelector(".ct-name").textContent;
    var next = li.nextElementSibling || li.previousElementSibling;
    li.remove();
    var target = next ? next.querySelector("[data-action=ct-remove]") : list.nextElementSibling;
    if (target) target.focus();
    announce("Removed " + name + ". It is gone from the schema once you save.");
  }

  form.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-action]");
    if (!button) return;
    var action = button.dataset.action;
    if (action === "ct-add-field") add(button, "ct-field-template");
    else if (action === "ct-add-block") add(button, "ct-block-template");
    else if (action === "ct-up") move(button, -1);
    else if (action === "ct-down") move(button, 1);
    else if (action === "ct-remove") remove(button);
  });

  form.addEventListener("change", function (event) {
    var el = event.target;
    if (el.matches("[data-kind-select]")) showKind(rowOf(el));
    if (el.matches("[data-block-source]")) {
      var row = rowOf(el);
      row.querySelector(":scope > fieldset > [data-nest]").hidden = el.value !== "";
    }
  });

  form.addEventListener("input", function (event) {
    var el = event.target, row = rowOf(el);
    if (el.dataset.type === "uid") el.dataset.touched = "1";
    if (el.dataset.type !== "name") return;
    var scope = row ? row.querySelector(":scope > fieldset") : form;
    if (row) {
      var name = el.value || (row.classList.contains("ct-block") ? "New block" : "New field");
      row.querySelector(".ct-name").textContent = name;
      row.querySelectorAll(":scope > fieldset > .ct-tools .ct-named").forEach(function (span) {
        span.textContent = " " + (row.classList.contains("ct-block") ? "block " : "") + name;
      });
    }
    var isNew = row ? row.hasAttribute("data-new") : form.hasAttribute("data-new-type");
    var uid = row ? scope.querySelector(":scope > .ct-grid [data-type=uid]") : document.getElementById("ct-uid");
    if (isNew && uid && !uid.dataset.touched) uid.value = slug(el.value);
  });

  var submitting = false;
  form.addEventListener("submit", function () {
    submitting = true;
    form.elements.content_type.value = JSON.stringify(definition());
  });

  remember(form);
  // Leaving the page with changes not saved asks first (the browser's own prompt).
  var shown = JSON.stringify(definition());
  window.addEventListener("beforeunload", function (event) {
    if (submitting || JSON.stringify(definition()) === shown) return;
    event.preventDefault();
    event.returnValue = "";
  });
})();
