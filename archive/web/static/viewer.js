// The document page's zoom: the page image from 50 % to 400 % of the frame's width, scrolled within its frame.
(function () {
  var image = document.getElementById("page-image");
  var level = document.getElementById("zoom-level");
  if (!image || !level) return;
  var percent = 100;
  document.querySelectorAll("[data-zoom]").forEach(function (button) {
    button.addEventListener("click", function () {
      percent = Math.min(400, Math.max(50, percent + parseInt(button.getAttribute("data-zoom"), 10)));
      image.style.width = percent + "%";
      image.style.maxWidth = "none";
      level.textContent = percent + " %";
    });
  });
})();
