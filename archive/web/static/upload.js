// Drag and drop onto the upload form: the dropped files become the file input's, and their names are listed.
(function () {
  var zone = document.getElementById("drop");
  var input = document.getElementById("files");
  var chosen = document.getElementById("chosen");
  if (!zone || !input) return;
  function list() {
    chosen.textContent = Array.prototype.map.call(input.files, function (f) { return f.name; }).join(", ");
  }
  zone.addEventListener("dragover", function (event) { event.preventDefault(); zone.classList.add("over"); });
  zone.addEventListener("dragleave", function () { zone.classList.remove("over"); });
  zone.addEventListener("drop", function (event) {
    event.preventDefault();
    zone.classList.remove("over");
    input.files = event.dataTransfer.files;
    list();
  });
  input.addEventListener("change", list);
})();
