// Veneer editor: add, remove and reorder group and block instances; open the publish dialog;
// choose, reorder (drag or buttons) and remove a reference field's entries (reference picker);
// choose and remove the assets of file fields (asset picker).
// The order of instances is the order of their hidden "<field>[]" inputs in the page, so moving
// an element is all a reorder needs: the server reads the new order from the posted form.
(function () {
  "use strict";

  function announce(text) {
    var region = document.getElementById("announce");
    if (!region) return;
    region.textContent = "";
    window.setTimeout(function () { region.textContent = text; }, 50);
  }

  function items(list) {
    return Array.prototype.filter.call(list.children, function (el) {
      return el.classList.contains("instance");
    });
  }

  function title(li) {
    var legend = li.querySelector(":scope > fieldset > legend");
    return legend ? legend.textContent.replace(/\s+/g, " ").trim() : "Item";
  }

  function renumber(list) {
    items(list).forEach(function (li, i) {
      var index = li.querySelector(":scope > fieldset > legend [data-index]");
      if (index) index.textContent = String(i + 1);
    });
  }

  function newKey() {
    var bytes = new Uint8Array(6);
    window.crypto.getRandomValues(bytes);
    return "n" + Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  function listOf(button) {
    var fieldset = button.closest("fieldset.list");
    return fieldset ? fieldset.querySelector(":scope > ol[data-list]") : null;
  }

  function add(button) {
    var template = document.getElementById(button.dataset.template);
    var list = listOf(button);
    if (!template || !list) return;
    var html = template.innerHTML.split(template.dataset.placeholder).join(newKey());
    list.insertAdjacentHTML("beforeend", html);
    enhancePickers(list);
    enhanceRefPickers(list);
    renumber(list);
    var li = list.lastElementChild;
    var target = li.querySelector("input:not([type=hidden]), select, textarea") || li.querySelector("button");
    if (target) target.focus();
    announce("Added " + title(li));
  }

  function remove(button) {
    var li = button.closest("li.instance");
    // Variants that change something inside this instance lose those changes with it: ask.
    var losers = li.dataset.overriddenBy;
    if (losers && !window.confirm("The variants " + losers + " change this " + title(li) +
        ". Removing it from the base entry drops their changes to it. Remove it?")) return;
    var list = li.parentElement;
    var label = title(li);
    var neighbour = li.nextElementSibling || li.previousElementSibling;
    li.remove();
    renumber(list);
    var focus = neighbour ? neighbour.querySelector("[data-action=remove]")
      : list.parentElement.querySelector(":scope > .add-row button");
    if (focus) focus.focus();
    announce("Removed " + label);
  }

  function move(button, up) {
    var li = button.closest("li.instance");
    var list = li.parentElement;
    // Base instances a variant removed are shown in the list, read-only: moves pass them by.
    var other = up ? li.previousElementSibling : li.nextElementSibling;
    while (other && !other.classList.contains("instance")) {
      other = up ? other.previousElementSibling : other.nextElementSibling;
    }
    if (!other) {
      announce(title(li) + " is already " + (up ? "first" : "last"));
      return;
    }
    if (up) list.insertBefore(li, other); else list.insertBefore(other, li);
    renumber(list);
    button.focus();
    announce("Moved to " + title(li));
  }

  function openDialog(button) {
    var dialog = document.getElementById(button.dataset.dialog);
    if (!dialog) return;
    if (dialog.open) dialog.close();
    dialog.showModal();
  }

  // -- Reference picker: the chosen entries are hidden inputs in a list, in the order saved; the
  // dialog searches and pages one content type at a time (the server pages in the database).
  // Choosing adds (a multiple field) or replaces (a single one); nothing is ever dropped by a
  // click. Entries are reordered by dragging or with the Move buttons.

  function refPicker(el) { return el.closest("[data-ref-picker]"); }

  function refList(picker) { return picker.querySelector("[data-ref-picked]"); }

  function refItems(picker) {
    return Array.prototype.slice.call(refList(picker).querySelectorAll(":scope > li.ref-item"));
  }

  function refValues(picker) {
    return refItems(picker).map(function (li) { return li.dataset.value; });
  }

  function refChanged(picker) {
    picker.querySelector("[data-ref-empty]").hidden = refItems(picker).length > 0;
    var chosen = refValues(picker);
    Array.prototype.forEach.call(picker.querySelectorAll("[data-ref-results] button"), function (b) {
      b.setAttribute("aria-pressed", chosen.indexOf(b.dataset.value) >= 0 ? "true" : "false");
    });
    var choose = picker.querySelector("[data-action=choose-ref]");
    if (choose && picker.dataset.multiple !== "true") {
      choose.firstChild.textContent = chosen.length ? "Change entry" : "Choose entry";
    }
  }

  function toolButton(text, action, extra, cls) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = cls;
    b.dataset.action = action;
    b.textContent = text;
    var hidden = document.createElement("span");
    hidden.className = "visually-hidden";
    hidden.textContent = " " + extra;
    b.appendChild(hidden);
    return b;
  }

  function refItem(picker, value, label, typeTitle) {
    var multiple = picker.dataset.multiple === "true";
    var li = document.createElement("li");
    li.className = "ref-item";
    li.dataset.value = value;
    var input = document.createElement("input");
    input.type = "hidden";
    input.name = picker.dataset.name;
    input.value = value;
    li.appendChild(input);
    if (multiple) {
      li.draggable = true;
      var handle = document.createElement("span");
      handle.className = "drag-handle";
      handle.setAttribute("aria-hidden", "true");
      handle.title = "Drag to reorder";
      handle.textContent = "\u283f";
      li.appendChild(handle);
    }
    var title = document.createElement("span");
    title.className = "ref-title";
    title.textContent = label;
    var tag = document.createElement("span");
    tag.className = "tag";
    tag.textContent = typeTitle;
    var tools = document.createElement("span");
    tools.className = "ref-tools";
    if (multiple) {
      tools.appendChild(toolButton("Move up", "ref-up", label, "secondary small"));
      tools.appendChild(toolButton("Move down", "ref-down", label, "secondary small"));
    }
    tools.appendChild(toolButton("Remove", "ref-remove", label, "link"));
    li.appendChild(title);
    li.appendChild(document.createTextNode(" "));
    li.appendChild(tag);
    li.appendChild(tools);
    return li;
  }

  function refTitle(li) { return li.querySelector(".ref-title").textContent; }

  function chooseRef(b) {
    var picker = refPicker(b);
    picker.refPage = 1;
    picker.querySelector("dialog").showModal();
    picker.querySelector("[data-ref-search]").focus();
    loadRefs(picker);
  }

  function refType(picker) {
    var select = picker.querySelector("[data-ref-type]");
    return select.options[select.selectedIndex];
  }

  function loadRefs(picker) {
    var type = refType(picker);
    var url = new URL(type.dataset.search, window.location.href);
    url.searchParams.set("q", picker.querySelector("[data-ref-search]").value);
    url.searchParams.set("page", String(picker.refPage || 1));
    var asked = (picker.refAsked = (picker.refAsked || 0) + 1);
    var count = picker.querySelector("[data-ref-count]");
    fetch(url, { credentials: "same-origin", headers: { accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (body) {
        if (asked !== picker.refAsked) return;
        var list = picker.querySelector("[data-ref-results]");
        list.textContent = "";
        body.choices.forEach(function (choice) {
          var li = document.createElement("li");
          var pick = document.createElement("button");
          pick.type = "button";
          pick.className = "secondary";
          pick.dataset.action = "pick-ref";
          pick.dataset.value = choice.value;
          pick.dataset.label = choice.label;
          pick.dataset.type = type.textContent;
          var text = document.createElement("span");
          text.textContent = choice.label;
          var state = document.createElement("span");
          state.className = "chosen-mark";
          state.textContent = "Chosen";
          pick.appendChild(text);
          pick.appendChild(state);
          li.appendChild(pick);
          list.appendChild(li);
        });
        picker.querySelector("[data-ref-page]").textContent = "Page " + body.page;
        picker.querySelector("[data-action=ref-page][data-step='-1']").disabled = body.page <= 1;
        picker.querySelector("[data-action=ref-page][data-step='1']").disabled = !body.more;
        count.textContent = body.choices.length
          ? type.textContent + ": page " + body.page + (body.more ? ", more on the next page" : "")
          : "No " + type.textContent + " entries found.";
        refChanged(picker);
      })
      .catch(function () {
        if (asked !== picker.refAsked) return;
        picker.querySelector("[data-ref-results]").textContent = "";  // never stale results
        count.textContent = "The entries could not be loaded. Search again to retry.";
      });
  }

  function addRef(picker, value, label, typeTitle) {
    if (refValues(picker).indexOf(value) >= 0) {
      announce(label + " is already chosen");
      return false;
    }
    var list = refList(picker);
    if (picker.dataset.multiple !== "true") list.textContent = "";
    list.appendChild(refItem(picker, value, label, typeTitle));
    refChanged(picker);
    announce(label + " chosen");
    return true;
  }

  function pickRef(b) {
    var picker = refPicker(b);
    if (!addRef(picker, b.dataset.value, b.dataset.label, b.dataset.type)) return;
    if (picker.dataset.multiple !== "true") {
      picker.querySelector("dialog").close();
      picker.querySelector("[data-action=choose-ref]").focus();
    }
  }

  function removeRef(b) {
    var picker = refPicker(b);
    var li = b.closest("li.ref-item");
    var label = refTitle(li);
    var next = li.nextElementSibling || li.previousElementSibling;
    li.remove();
    refChanged(picker);
    var focus = next ? next.querySelector("[data-action=ref-remove]") : picker.querySelector("[data-action=choose-ref]");
    if (focus) focus.focus();
    announce(label + " removed");
  }

  function moveRef(b, up) {
    var li = b.closest("li.ref-item");
    var other = up ? li.previousElementSibling : li.nextElementSibling;
    if (!other) {
      announce(refTitle(li) + " is already " + (up ? "first" : "last"));
      return;
    }
    li.parentElement.insertBefore(li, up ? other : other.nextElementSibling);
    b.focus();
    announce(refTitle(li) + " moved to position " + (refItems(refPicker(li)).indexOf(li) + 1));
  }

  function pageRefs(b) {
    var picker = refPicker(b);
    picker.refPage = Math.max(1, (picker.refPage || 1) + Number(b.dataset.step));
    loadRefs(picker);
  }

  function refTypeChanged(select) {
    var picker = refPicker(select);
    var type = select.options[select.selectedIndex];
    var create = picker.querySelector("[data-ref-new]");
    create.href = type.dataset.new;
    picker.querySelector("[data-ref-new-title]").textContent = type.textContent;
    picker.refPage = 1;
    loadRefs(picker);
  }

  var dragged = null;

  document.addEventListener("dragstart", function (event) {
    var li = event.target.closest && event.target.closest("li.ref-item[draggable=true]");
    if (!li) return;
    dragged = li;
    li.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", li.dataset.value);
  });

  document.addEventListener("dragover", function (event) {
    if (!dragged) return;
    var over = event.target.closest && event.target.closest("li.ref-item");
    if (!over || over.parentElement !== dragged.parentElement) return;
    event.preventDefault();
    if (over === dragged) return;
    var box = over.getBoundingClientRect();
    var after = event.clientY > box.top + box.height / 2;
    over.parentElement.insertBefore(dragged, after ? over.nextElementSibling : over);
  });

  document.addEventListener("drop", function (event) {
    if (dragged) event.preventDefault();
  });

  document.addEventListener("dragend", function () {
    if (!dragged) return;
    dragged.classList.remove("dragging");
    announce(refTitle(dragged) + " moved to position " + (refItems(refPicker(dragged)).indexOf(dragged) + 1));
    dragged = null;
  });

  document.addEventListener("change", function (event) {
    if (event.target.matches && event.target.matches("[data-ref-type]")) refTypeChanged(event.target);
  });

  document.addEventListener("input", function (event) {
    var box = event.target;
    if (!box.matches || !box.matches("[data-ref-search]")) return;
    var picker = refPicker(box);
    window.clearTimeout(picker.refTimer);
    picker.refTimer = window.setTimeout(function () { picker.refPage = 1; loadRefs(picker); }, 250);
  });

  document.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && event.target.matches && event.target.matches("[data-ref-search]")) {
      event.preventDefault();  // Enter searches; it must not submit the entry form
    }
  });

  // "Create new" opens the type's form in another tab with a token; once the entry is made
  // there, its page hands it back over a BroadcastChannel and the picker holding the token adds it.
  function newToken() {
    var bytes = new Uint8Array(12);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  function createRef(link) {
    var picker = refPicker(link);
    picker.refToken = picker.refToken || newToken();
    var url = new URL(refType(picker).dataset.new, window.location.href);
    url.searchParams.set("pick", picker.refToken);
    link.href = url.toString();
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("[data-ref-new]");
    if (link) createRef(link);  // the browser then follows the link, to a new tab
  });

  var channel = "BroadcastChannel" in window ? new BroadcastChannel("veneer-reference-picker") : null;
  if (channel) {
    channel.onmessage = function (event) {
      var made = event.data || {};
      Array.prototype.forEach.call(document.querySelectorAll("[data-ref-picker]"), function (picker) {
        if (!made.token || picker.refToken !== made.token) return;
        addRef(picker, made.value, made.label, made.type);
        if (picker.querySelector("dialog").open) loadRefs(picker);
      });
    };
  }

  function handBack() {
    var made = document.getElementById("picked-for");
    if (!made || !channel) return;
    channel.postMessage({
      token: made.dataset.token,
      value: made.dataset.value,
      label: made.dataset.label,
      type: made.dataset.type
    });
  }

  // Without JavaScript a picker's entries are checkboxes and a text input adds one; with it,
  // the entries are kept as hidden inputs and the picker's buttons do the rest.
  function enhanceRefPickers(root) {
    Array.prototype.forEach.call(root.querySelectorAll("[data-ref-picker]:not([data-ready])"), function (picker) {
      if (picker.closest("template")) return;
      picker.dataset.ready = "1";
      Array.prototype.forEach.call(picker.querySelectorAll("[data-ref-keep]"), function (box) {
        box.type = "hidden";
      });
      var manual = picker.querySelector("[data-ref-manual]");
      if (manual) manual.remove();
    });
  }

  // Back from the tab where a new entry was made: show it.
  window.addEventListener("focus", function () {
    Array.prototype.forEach.call(document.querySelectorAll("[data-ref-picker] dialog[open]"), function (d) {
      loadRefs(refPicker(d));
    });
  });


  // -- Asset picker of file fields: the uid input stays the posted value; the buttons edit it.

  function pickerValue(picker) {
    return picker.querySelector("[data-asset-value]");
  }

  function pickedUids(picker) {
    return pickerValue(picker).value.split(/\r?\n/).map(function (u) { return u.trim(); })
      .filter(Boolean);
  }

  function writeUids(picker, uids) {
    var multiple = picker.dataset.multiple === "true";
    pickerValue(picker).value = multiple ? uids.join("\n") : (uids[0] || "");
  }

  function thumb(asset, width) {
    var el;
    if (asset.thumb) {
      el = document.createElement("img");
      el.src = asset.thumb;
      el.alt = "";
      el.width = width;
    } else {
      el = document.createElement("span");
      el.setAttribute("aria-hidden", "true");
      el.textContent = asset.ext;
      el.classList.add("icon");
    }
    el.classList.add("asset-thumb");
    return el;
  }

  function pickedItem(asset) {
    var li = document.createElement("li");
    li.dataset.uid = asset.uid;
    var title = document.createElement("span");
    title.className = "asset-title";
    title.textContent = asset.title;
    var remove = document.createElement("button");
    remove.type = "button";
    remove.className = "link";
    remove.dataset.action = "remove-asset";
    remove.textContent = "Remove";
    var hidden = document.createElement("span");
    hidden.className = "visually-hidden";
    hidden.textContent = " " + asset.title;
    remove.appendChild(hidden);
    li.appendChild(thumb(asset, 120));
    li.appendChild(title);
    li.appendChild(remove);
    return li;
  }

  function enhancePickers(root) {
    Array.prototype.forEach.call(root.querySelectorAll(".asset-picker:not([data-ready])"), function (picker) {
      if (picker.closest("template")) return;
      picker.dataset.ready = "1";
      pickerValue(picker).hidden = true;
      var hint = picker.querySelector("[data-asset-hint]");
      if (hint) hint.hidden = true;
      Array.prototype.forEach.call(picker.querySelectorAll("[data-action=remove-asset], [data-action=choose-asset]"), function (b) { b.hidden = false; });
      var box = picker.querySelector("[data-asset-search]");
      var timer = null;
      box.addEventListener("input", function () {
        window.clearTimeout(timer);
        timer = window.setTimeout(function () { findAssets(picker); }, 250);
      });
      box.addEventListener("keydown", function (e) { if (e.key === "Enter") e.preventDefault(); });
    });
  }

  function findAssets(picker) {
    var box = picker.querySelector("[data-asset-search]");
    var url = picker.dataset.picker + "?" + new URLSearchParams({ q: box.value }).toString();
    var asked = (picker.asked = (picker.asked || 0) + 1);
    fetch(url, { credentials: "same-origin", headers: { accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (body) {
        if (asked !== picker.asked) return;
        var list = picker.querySelector("[data-asset-results]");
        list.textContent = "";
        body.assets.forEach(function (asset) {
          var li = document.createElement("li");
          var button = document.createElement("button");
          button.type = "button";
          button.className = "secondary";
          button.dataset.action = "pick-asset";
          button.dataset.asset = JSON.stringify(asset);
          button.appendChild(thumb(asset, 110));
          button.appendChild(document.createTextNode(asset.title));
          li.appendChild(button);
          list.appendChild(li);
        });
        picker.querySelector("[data-asset-count]").textContent =
          body.count + (body.count === 1 ? " asset" : " assets") + (body.count > body.assets.length ? ", showing " + body.assets.length : "");
      })
      .catch(function () {
        picker.querySelector("[data-asset-count]").textContent = "The assets could not be loaded.";
      });
  }

  function chooseAsset(button) {
    var picker = button.closest(".asset-picker");
    picker.querySelector("[data-asset-results]").textContent = "";
    picker.querySelector("dialog").showModal();
    findAssets(picker);
  }

  function pickAsset(button) {
    var picker = button.closest(".asset-picker");
    var asset = JSON.parse(button.dataset.asset);
    var list = picker.querySelector("[data-picked]");
    var uids = pickedUids(picker);
    if (picker.dataset.multiple !== "true") {
      list.textContent = "";
      uids = [];
    }
    if (uids.indexOf(asset.uid) < 0) {
      uids.push(asset.uid);
      list.appendChild(pickedItem(asset));
    }
    writeUids(picker, uids);
    picker.querySelector("dialog").close();
    announce(asset.title + " chosen");
    picker.querySelector("[data-action=choose-asset]").focus();
  }

  function removeAsset(button) {
    var picker = button.closest(".asset-picker");
    var li = button.closest("li");
    var uid = li.dataset.uid;
    var title = li.querySelector(".asset-title").textContent;
    li.remove();
    writeUids(picker, pickedUids(picker).filter(function (u) { return u !== uid; }));
    announce(title + " removed");
    picker.querySelector("[data-action=choose-asset]").focus();
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-action]");
    if (!button) return;
    var action = button.dataset.action;
    if (action === "add") add(button);
    else if (action === "remove") remove(button);
    else if (action === "up") move(button, true);
    else if (action === "down") move(button, false);
    else if (action === "open-dialog") openDialog(button);
    else if (action === "close-dialog") button.closest("dialog").close();
    else if (action === "choose-asset") chooseAsset(button);
    else if (action === "pick-asset") pickAsset(button);
    else if (action === "remove-asset") removeAsset(button);
    else if (action === "close-picker") button.closest("dialog").close();
    else if (action === "choose-ref") chooseRef(button);
    else if (action === "pick-ref") pickRef(button);
    else if (action === "ref-remove") removeRef(button);
    else if (action === "ref-up") moveRef(button, true);
    else if (action === "ref-down") moveRef(button, false);
    else if (action === "ref-page") pageRefs(button);
    else return;
    event.preventDefault();
  });

  // "Revert to base entry value" and its "Undo" save that one field alone (issue 17, Major 1):
  // the request carries the field's path and the versions the page was opened at, nothing else
  // of the form. The page then takes the saved field, the versions, the notice (with Undo) and
  // the sidebar from the editor's answer, and every other unsaved edit stays where it is.
  function byPath(root, vpath) {
    return root.querySelector("[data-vpath=\"" + CSS.escape(vpath) + "\"]");
  }

  function replaceFrom(fresh, selector) {
    var now = document.querySelector(selector);
    var next = fresh.querySelector(selector);
    if (now && next) now.replaceWith(document.importNode(next, true));
    return now && next;
  }

  function partialError(fresh, fallback) {
    var old = document.getElementById("partial-error");
    if (old) old.remove();
    var box = document.createElement("div");
    box.className = "alert error";
    box.id = "partial-error";
    box.setAttribute("role", "alert");
    box.tabIndex = -1;
    var said = fresh && fresh.querySelector(".alert.error p, .alert.error h2");
    box.textContent = said ? said.textContent : fallback;
    document.querySelector(".editor-layout").before(box);
    box.focus();
  }

  // An instance taken from the editor's answer (a restored one) is named by its position there
  // (k0, k1…), which an instance of this page may hold already: give it a fresh key.
  function rekey(li) {
    var keyInput = li.querySelector(":scope > fieldset > input[type=hidden][name$='[]']");
    var uidInput = li.querySelector(":scope > fieldset > input[type=hidden][name$='._uid']");
    if (!keyInput || !uidInput) return li;
    var oldName = uidInput.name.slice(0, -"._uid".length);
    var key = newKey();
    var newName = oldName.slice(0, oldName.length - keyInput.value.length) + key;
    var oldId = li.id;
    var newId = newName.split(".").join("-");
    var html = li.outerHTML.split(oldName + ".").join(newName + ".")
      .split(oldId + "-").join(newId + "-").split("\"" + oldId + "\"").join("\"" + newId + "\"");
    var holder = document.createElement("template");
    holder.innerHTML = html;
    var node = holder.content.firstElementChild;
    node.querySelector(":scope > fieldset > input[type=hidden][name$='[]']").value = key;
    return node;
  }

  // A restored instance goes where the saved variant has it: after the item that precedes it
  // in the editor's answer (the form's other instances may have been moved since it loaded).
  function placeAsSaved(node, saved) {
    var list = node.parentElement;
    var before = saved.previousElementSibling;
    if (!before) { list.prepend(node); return; }
    var anchor = byPath(list, before.dataset.vpath || "");
    if (anchor && anchor.parentElement === list) anchor.after(node);
  }

  function takeFresh(fresh, vpath) {
    var form = document.querySelector("form[data-editor]");
    var freshForm = fresh.querySelector("form[data-editor]");
    var now = byPath(form, vpath);
    var next = byPath(freshForm, vpath);
    if (now && next) {
      var node = document.importNode(next, true);
      var restored = now.classList.contains("removed-instance") && node.classList.contains("instance");
      if (restored) node = rekey(node);
      now.replaceWith(node);
      if (restored) placeAsSaved(node, next);
      if (node.classList.contains("instance")) renumber(node.parentElement);
      enhanceRefPickers(node);
      enhancePickers(node);
    }
    ["variant_version", "base_version"].forEach(function (name) {
      var mine = form.querySelector("input[type=hidden][name=" + name + "]");
      var theirs = freshForm.querySelector("input[type=hidden][name=" + name + "]");
      if (mine && theirs) mine.value = mine.defaultValue = theirs.value;
    });
    ["partial-error", "notice"].forEach(function (id) {
      var old = document.getElementById(id);
      if (old) old.remove();
    });
    // The notice goes in empty and is filled a moment later, so that screen readers announce it
    // as they announce the notice of a page that loads.
    var notice = fresh.getElementById("notice");
    if (notice) {
      var shown = document.importNode(notice, true);
      var parts = Array.prototype.slice.call(shown.childNodes);
      parts.forEach(function (part) { part.remove(); });
      document.querySelector(".editor-layout").before(shown);
      window.setTimeout(function () {
        parts.forEach(function (part) { shown.appendChild(part); });
        var undo = shown.querySelector("#undo-revert button");
        if (undo) undo.focus();
      }, 50);
    }
    replaceFrom(fresh, ".variant-banner");
    replaceFrom(fresh, "nav.variant-switcher");
    replaceFrom(fresh, "aside.side");
    var dialog = document.getElementById("publish-dialog");
    if (dialog && !dialog.open) replaceFrom(fresh, "#publish-dialog");
    document.dispatchEvent(new CustomEvent("veneer:partial-saved"));
    var field = byPath(form, vpath);
    var control = field && field.querySelector("input:not([type=hidden]), textarea, select, button");
    if (control && !(notice && notice.querySelector("#undo-revert"))) control.focus();
  }

  function saveOnly(url, data, vpath) {
    document.dispatchEvent(new CustomEvent("veneer:partial-saving"));
    return fetch(url, {
      method: "POST",
      body: new URLSearchParams(data),
      credentials: "same-origin",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
    })
      .then(function (r) { return r.text().then(function (html) { return { ok: r.ok, html: html }; }); })
      .then(function (answer) {
        var fresh = new DOMParser().parseFromString(answer.html, "text/html");
        if (!answer.ok || !fresh.querySelector("form[data-editor]")) {
          partialError(fresh, "The field was not saved: your session may have ended. Your edits are still in the form.");
          return;
        }
        takeFresh(fresh, vpath);
      })
      .catch(function () { partialError(null, "The field was not saved: the server could not be reached."); });
  }

  function revertField(button) {
    var form = button.form;
    var label = button.dataset.label || button.value;
    var nested = Number(button.dataset.discards || 0);
    var data = [["csrf", form.querySelector("input[name=csrf]").value], ["revert", button.value]];
    ["variant_version", "base_version"].forEach(function (name) {
      var input = form.querySelector("input[type=hidden][name=" + name + "]");
      if (input) data.push([name, input.value]);
    });
    if (nested) {
      var sure = window.confirm("Reverting " + label + " to the base entry value also discards " + nested +
        " of this variant's own value" + (nested > 1 ? "s" : "") + " inside it. Revert anyway?");
      if (!sure) return;
      data.push(["confirm", "discard"]);
    }
    saveOnly(form.action, data, button.value);
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("button.revert[name=revert]");
    if (!button || !button.form || !window.fetch) return;
    event.preventDefault();
    revertField(button);
  });

  // "Restore" on a base instance the variant removed puts that instance back, alone.
  function restoreInstance(button) {
    var form = button.form;
    var data = [["csrf", form.querySelector("input[name=csrf]").value], ["restore", button.value]];
    ["variant_version", "base_version"].forEach(function (name) {
      var input = form.querySelector("input[type=hidden][name=" + name + "]");
      if (input) data.push([name, input.value]);
    });
    saveOnly(form.action, data, button.value);
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("button.restore[name=restore]");
    if (!button || !button.form || !window.fetch) return;
    event.preventDefault();
    restoreInstance(button);
  });

  document.addEventListener("submit", function (event) {
    var undo = event.target.closest("form[data-undo]");
    if (!undo || !window.fetch) return;
    event.preventDefault();
    var data = [];
    new FormData(undo).forEach(function (value, name) { data.push([name, value]); });
    saveOnly(undo.action, data, undo.dataset.undo);
  });

  // The publish dialog's "Schedule for" is a local time: post the browser's offset from UTC at
  // that moment (daylight saving may differ from today's), which the server applies.
  document.addEventListener("submit", function (event) {
    var at = event.target.querySelector("[data-schedule]");
    var offset = event.target.querySelector("[data-tz-offset]");
    if (!at || !offset) return;
    offset.value = at.value ? String(new Date(at.value).getTimezoneOffset()) : "";
  });

  // Scheduled times are written in UTC; show them in the reader's time zone.
  function localTimes() {
    Array.prototype.forEach.call(document.querySelectorAll("time[data-local-time]"), function (el) {
      var moment = new Date(el.getAttribute("datetime"));
      if (isNaN(moment.getTime())) return;
      el.title = el.textContent;
      el.textContent = moment.toLocaleString([], { dateStyle: "medium", timeStyle: "short" });
    });
  }

  // Choosing a locale switches to it (the Switch button stays for pages without JavaScript).
  function autoSwitch() {
    Array.prototype.forEach.call(document.querySelectorAll("form.locale-switch"), function (form) {
      var select = form.querySelector("select");
      var button = form.querySelector("button[type=submit]");
      if (!select || !button) return;
      button.hidden = true;
      select.addEventListener("change", function () { form.submit(); });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    autoSwitch();
    localTimes();
    handBack();
    enhanceRefPickers(document);
    enhancePickers(document);
    var dialog = document.querySelector("dialog[data-modal-on-load]");
    if (dialog) {
      dialog.close();
      dialog.showModal();
      return;
    }
    var summary = document.getElementById("error-summary");
    if (summary) summary.focus();
  });
})();
