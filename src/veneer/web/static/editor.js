// Veneer editor: add, remove and reorder group and block instances; open the publish dialog;
// search a reference picker's entries; choose and remove the assets of file fields (asset picker).
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
    renumber(list);
    var li = list.lastElementChild;
    var target = li.querySelector("input:not([type=hidden]), select, textarea") || li.querySelector("button");
    if (target) target.focus();
    announce("Added " + title(li));
  }

  function remove(button) {
    var li = button.closest("li.instance");
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
    var other = up ? li.previousElementSibling : li.nextElementSibling;
    if (!other || !other.classList.contains("instance")) {
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

  // A reference picker lists the first entries of each type by title; its search box asks the
  // server, which searches and pages in the database, for the entries whose title matches.
  // Chosen options stay; the others are replaced by what the search found.
  function refill(group, found) {
    var kept = {};
    Array.prototype.slice.call(group.children).forEach(function (option) {
      if (option.selected) kept[option.value] = true;
      else group.removeChild(option);
    });
    found.forEach(function (choice) {
      if (kept[choice.value]) return;
      var option = document.createElement("option");
      option.value = choice.value;
      option.textContent = choice.label;
      group.appendChild(option);
    });
  }

  function search(groups, text, isLatest) {
    Array.prototype.forEach.call(groups, function (group) {
      var url = new URL(group.dataset.choices, window.location.href);
      url.searchParams.set("q", text);
      fetch(url, { credentials: "same-origin", headers: { accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (body) {
          if (!body || !isLatest()) return;
          refill(group, body.choices);
          announce(body.choices.length + " found in " + group.label);
        });
    });
  }

  function searchable(select) {
    var groups = select.querySelectorAll("optgroup[data-choices]");
    if (!groups.length) return;
    var label = document.querySelector('label[for="' + select.id + '"]');
    var box = document.createElement("input");
    box.type = "search";
    box.className = "reference-search";
    box.placeholder = "Search titles";
    box.setAttribute("aria-label", "Search " + (label ? label.childNodes[0].textContent.trim() : "entries"));
    box.setAttribute("aria-controls", select.id);
    select.parentNode.insertBefore(box, select);
    var timer = null;
    var asked = 0;
    box.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(function () {
        var mine = ++asked;
        search(groups, box.value, function () { return mine === asked; });
      }, 250);
    });
  }


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
    else return;
    event.preventDefault();
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

  document.addEventListener("DOMContentLoaded", function () {
    localTimes();
    Array.prototype.forEach.call(document.querySelectorAll("select[data-reference]"), searchable);
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
