// Veneer editor: typed work is never lost (issue 17, Major 2).
// - Leaving an entry form with unsaved changes (a link, a variant pill, the locale switch, the
//   publish dialog, closing the tab) asks first: the browser's own "Leave site?" prompt.
// - While you type, a draft of the form is kept in this browser (localStorage, per form: entry,
//   variant and locale). When the page opens again with a draft that differs from what it shows
//   (after a lost session and a new login, say), a banner offers to restore or discard it.
// - A draft is dropped once its form is saved (the page after the save says so).
(function () {
  "use strict";

  var PREFIX = "veneer-draft:";
  var SAVING = "veneer-draft-saving";
  var STRUCTURE = /(\[\]|\._uid|\._block)$|^(base_version|variant_version)$/;
  var form = null;
  var key = "";
  var initial = "";
  var submitting = false;

  function pairs(f) {
    var out = [];
    new FormData(f).forEach(function (value, name) {
      if (name !== "csrf" && typeof value === "string") out.push([name, value]);
    });
    return out;
  }

  function snapshot(f) {
    return JSON.stringify(pairs(f));
  }

  function dirty() {
    return form !== null && !submitting && snapshot(form) !== initial;
  }

  function stored() {
    try {
      var raw = window.localStorage.getItem(key);
      return raw ? JSON.parse(raw) : null;
    } catch (e) {
      return null;
    }
  }

  function keep() {
    if (!form || submitting) return;
    try {
      if (dirty()) {
        window.localStorage.setItem(key, JSON.stringify({ at: new Date().toISOString(), pairs: pairs(form) }));
      } else if (stored() && !document.getElementById("draft-banner")) {
        window.localStorage.removeItem(key);
      }
    } catch (e) { /* storage full or disabled: the leave warning still protects the work */ }
  }

  function drop(which) {
    try { window.localStorage.removeItem(which); } catch (e) { /* nothing kept */ }
  }

  // Set the form's fields from a draft, by name, in order for repeated names. Fields the page no
  // longer has (an instance added since) are counted, not invented.
  function restore(draft) {
    var missing = 0;
    var seen = {};
    draft.pairs.forEach(function (pair) {
      var name = pair[0], value = pair[1];
      var fields = form.querySelectorAll("[name=\"" + name.replace(/"/g, "\\\"") + "\"]");
      var n = seen[name] || 0;
      seen[name] = n + 1;
      if (!fields.length) { missing += 1; return; }
      var first = fields[0];
      if (first.type === "checkbox" || first.type === "radio") {
        Array.prototype.forEach.call(fields, function (f) { if (f.value === value) f.checked = true; });
      } else if (first.tagName === "SELECT" && first.multiple) {
        Array.prototype.forEach.call(first.options, function (o) { if (o.value === value) o.selected = true; });
      } else if (fields[n]) {
        // The page's own bookkeeping (instance order and identity, the versions it was opened
        // at) stays as the page has it.
        if (fields[n].type !== "hidden" || !STRUCTURE.test(name)) fields[n].value = value;
      } else {
        missing += 1;
      }
    });
    return missing;
  }

  function banner(draft) {
    var box = document.createElement("div");
    box.className = "alert info";
    box.id = "draft-banner";
    box.setAttribute("role", "status");
    var when = new Date(draft.at);
    box.innerHTML = "<p>This browser kept changes to this form that were not saved (" +
      when.toLocaleString() + ").</p>";
    var restoreButton = document.createElement("button");
    restoreButton.type = "button";
    restoreButton.textContent = "Restore them";
    var discard = document.createElement("button");
    discard.type = "button";
    discard.className = "secondary";
    discard.textContent = "Discard them";
    box.appendChild(restoreButton);
    box.appendChild(document.createTextNode(" "));
    box.appendChild(discard);
    restoreButton.addEventListener("click", function () {
      var missing = restore(draft);
      // Rich text editors (rte.js) show what was put back in their text areas.
      document.dispatchEvent(new CustomEvent("veneer:draft-restored"));
      box.innerHTML = "<p>Your unsaved changes are back in the form" +
        (missing ? " (" + missing + " value" + (missing > 1 ? "s" : "") + " could not be placed: the form changed since)" : "") +
        ". Check them and save.</p>";
      keep();
    });
    discard.addEventListener("click", function () {
      drop(key);
      box.remove();
    });
    var anchor = form.closest(".editor-layout") || form;  // above the form and its sidebar
    anchor.parentNode.insertBefore(box, anchor);
  }

  // On a base entry: a field some variants override, whose base value is being removed, asks
  // first and names them (issue 16 §3). They keep their own values; readers without them get none.
  function clearingOverridden() {
    var cleared = [];
    Array.prototype.forEach.call(form.querySelectorAll("details[data-overridden]"), function (badge) {
      var wrapper = badge.closest("[data-vpath]");
      var control = wrapper && wrapper.querySelector("input:not([type=hidden]):not([type=checkbox]):not([type=radio]), textarea");
      if (!control || control.value.trim() !== "" || control.defaultValue.trim() === "") return;
      var names = Array.prototype.map.call(badge.querySelectorAll("li strong"), function (n) { return n.textContent; });
      var label = wrapper.querySelector("label, legend");
      cleared.push((label ? label.textContent.replace(/\s*\*.*$/, "").trim() : badge.dataset.overridden) +
        " (overridden in " + names.join(", ") + ")");
    });
    if (!cleared.length) return true;
    return window.confirm("You are removing the base value of " + cleared.join("; ") +
      ". Those variants keep their own values; readers without them will get no value. Save anyway?");
  }

  document.addEventListener("DOMContentLoaded", function () {
    // A save that went through shows its notice: the draft of the form it came from is done.
    var saving = window.sessionStorage.getItem(SAVING);
    if (saving && document.getElementById("notice")) drop(saving);
    if (saving) window.sessionStorage.removeItem(SAVING);

    form = document.querySelector("form[data-editor]");
    if (!form) return;
    key = PREFIX + (form.getAttribute("action") || window.location.pathname);
    initial = snapshot(form);
    var draft = stored();
    // A refused stale save shows its merge instead (the form holds the typed values, merged
    // with what was saved meanwhile): offering the draft back would undo the merge.
    var merging = form.querySelector("#merge") !== null;
    if (draft && draft.pairs && !merging && JSON.stringify(draft.pairs) !== initial) banner(draft);

    form.addEventListener("input", keep);
    form.addEventListener("change", keep);
    form.addEventListener("click", function () { window.setTimeout(keep, 0); });
    form.addEventListener("submit", function (event) {
      if (!clearingOverridden()) {
        event.preventDefault();
        return;
      }
      keep();
      submitting = true;
      window.sessionStorage.setItem(SAVING, key);
    });
    // A field saved alone (revert, undo: editor.js) is saved: a form that had no other edit
    // is clean again; one with other edits stays dirty, and its draft is kept up to date.
    var cleanBefore = true;
    document.addEventListener("veneer:partial-saving", function () { cleanBefore = !dirty(); });
    document.addEventListener("veneer:partial-saved", function () {
      if (cleanBefore) initial = snapshot(form);
      keep();
    });
    window.addEventListener("beforeunload", function (event) {
      if (!dirty()) return;
      keep();
      event.preventDefault();
      event.returnValue = "";
    });
  });
})();
