// The admin's periodic task form (django-celery-beat): the crontab's help says in words when the
// chosen schedule runs, in place of the read-only translation field, which is hidden.
(function () {
  "use strict";
  document.querySelectorAll(".field-crontab_translation").forEach(function (row) {
    row.style.display = "none";
  });
  const source = document.getElementById("readable-crontabs");
  const select = document.getElementById("id_crontab");
  const help = document.querySelector(".field-crontab .help");
  if (!source || !select || !help) return;
  const readable = JSON.parse(source.textContent);
  const translation = document.createElement("div");
  help.appendChild(translation);
  function show() {
    const words = readable[select.value];
    translation.textContent = words ? "Translation: " + words : "";
  }
  select.addEventListener("change", show);
  show();
})();
