// Drag and drop onto the upload form: a progressive enhancement. Without
// this file the form works with its ordinary file picker.
(function () {
  "use strict";
  document.querySelectorAll("[data-drop]").forEach(function (zone) {
    var input = zone.querySelector("input[type=file]");
    if (!input) { return; }
    ["dragenter", "dragover"].forEach(function (ev) {
      zone.addEventListener(ev, function (e) { e.preventDefault(); zone.classList.add("over"); });
    });
    ["dragleave", "drop"].forEach(function (ev) {
      zone.addEventListener(ev, function (e) { e.preventDefault(); zone.classList.remove("over"); });
    });
    zone.addEventListener("drop", function (e) {
      if (!e.dataTransfer || !e.dataTransfer.files.length) { return; }
      input.files = e.dataTransfer.files;
      var names = zone.querySelector("[data-names]");
      if (names) {
        names.textContent = Array.prototype.map.call(input.files, function (f) { return f.name; }).join("、");
      }
    });
  });
})();
