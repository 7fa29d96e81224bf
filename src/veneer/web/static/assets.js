// Veneer asset library: drop files on the upload form and watch each one upload. Each file is
// posted alone, as the same multipart form (with its CSRF token and folder), to the form's own
// address, asking for JSON; without JavaScript the form posts all files at once and redirects.
(function () {
  "use strict";

  function row(list, name) {
    var li = document.createElement("li");
    var label = document.createElement("span");
    label.textContent = name + " ";
    var bar = document.createElement("progress");
    bar.max = 100;
    bar.value = 0;
    bar.setAttribute("aria-label", "Upload of " + name);
    li.appendChild(label);
    li.appendChild(bar);
    list.appendChild(li);
    return { li: li, bar: bar };
  }

  function send(form, file, shown) {
    return new Promise(function (resolve) {
      var data = new FormData();
      data.append("csrf", form.elements.csrf.value);
      data.append("folder", form.elements.folder.value);
      data.append("files", file, file.name);
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      xhr.setRequestHeader("Accept", "application/json");
      xhr.upload.addEventListener("progress", function (e) {
        if (e.lengthComputable) shown.bar.value = Math.round((e.loaded / e.total) * 100);
      });
      xhr.addEventListener("load", function () {
        var ok = xhr.status === 201;
        shown.bar.value = 100;
        shown.li.appendChild(document.createTextNode(ok ? " done" : " failed (" + xhr.status + ")"));
        resolve(ok);
      });
      xhr.addEventListener("error", function () {
        shown.li.appendChild(document.createTextNode(" failed"));
        resolve(false);
      });
      xhr.send(data);
    });
  }

  function uploadAll(form, files) {
    var list = form.querySelector("[data-progress]");
    var jobs = Array.prototype.map.call(files, function (file) {
      return send(form, file, row(list, file.name));
    });
    Promise.all(jobs).then(function (results) {
      if (results.every(Boolean)) window.location.reload();
    });
  }

  document.querySelectorAll("form[data-upload]").forEach(function (form) {
    var drop = form.querySelector("[data-drop]");
    form.addEventListener("submit", function (e) {
      var input = form.elements.files;
      if (!input.files.length || !window.FormData) return;
      e.preventDefault();
      uploadAll(form, input.files);
    });
    if (!drop) return;
    ["dragenter", "dragover"].forEach(function (type) {
      drop.addEventListener(type, function (e) {
        e.preventDefault();
        drop.classList.add("dragging");
      });
    });
    ["dragleave", "drop"].forEach(function (type) {
      drop.addEventListener(type, function () { drop.classList.remove("dragging"); });
    });
    drop.addEventListener("drop", function (e) {
      e.preventDefault();
      if (e.dataTransfer && e.dataTransfer.files.length) uploadAll(form, e.dataTransfer.files);
    });
  });
})();
