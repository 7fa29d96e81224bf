// Veneer editor: add, remove and reorder group and block instances; open the publish dialog;
// search a reference picker's entries.
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
    else return;
    event.preventDefault();
  });

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("select[data-reference]"), searchable);
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
