// Veneer entry list: tick entries (or every entry of the page), then publish or unpublish them
// from the bulk dialog, which names the entries it will act on before anything is sent.
(function () {
  "use strict";

  function boxes() {
    return Array.prototype.slice.call(document.querySelectorAll("#entry-table tbody input[name=entries]"));
  }

  function refresh() {
    var all = boxes();
    var chosen = all.filter(function (box) { return box.checked; });
    var count = document.getElementById("bulk-count");
    var open = document.getElementById("bulk-open");
    var every = document.getElementById("select-all");
    var words = chosen.length === 1 ? "1 entry" : chosen.length + " entries";
    if (count) count.textContent = chosen.length ? words + " selected" : "No entries selected";
    if (open) open.disabled = chosen.length === 0;
    if (every) {
      every.checked = chosen.length > 0 && chosen.length === all.length;
      every.indeterminate = chosen.length > 0 && chosen.length < all.length;
    }
    Array.prototype.forEach.call(document.querySelectorAll("[data-bulk-count]"), function (el) {
      el.textContent = words;
    });
    var list = document.getElementById("bulk-chosen");
    if (list) {
      list.textContent = "";
      chosen.forEach(function (box) {
        var li = document.createElement("li");
        li.textContent = box.dataset.title;
        list.appendChild(li);
      });
    }
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.id === "select-all") {
      boxes().forEach(function (box) { box.checked = target.checked; });
      refresh();
    } else if (target.name === "entries") {
      refresh();
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    refresh();
    var results = document.getElementById("bulk-results");
    if (results) results.focus();
  });
})();
