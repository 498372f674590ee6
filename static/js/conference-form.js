// The schedule and reschedule forms: show the venue and address fields, or the meeting link, for
// the mode chosen.
(function () {
  "use strict";
  const choices = document.querySelectorAll("[data-mode-choice]");
  function show() {
    const chosen = document.querySelector("[data-mode-choice]:checked");
    document.querySelectorAll("[data-mode]").forEach(function (section) {
      section.hidden = chosen !== null && section.dataset.mode !== chosen.value;
    });
  }
  choices.forEach(function (choice) { choice.addEventListener("change", show); });
  show();
})();
