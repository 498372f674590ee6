// The agreement form: add item rows from the empty-form template, and show the amount only for
// restitution and the hours only for community service.
(function () {
  "use strict";
  const list = document.querySelector("[data-item-list]");
  const template = document.getElementById("item-template");
  const total = document.getElementById("id_items-TOTAL_FORMS");
  const max = document.getElementById("id_items-MAX_NUM_FORMS");
  const add = document.querySelector("[data-add-item]");
  if (!list || !template || !total || !add) return;

  function refresh(row) {
    const kind = row.querySelector("select[name$='-kind']");
    row.querySelectorAll("[data-for-kind]").forEach(function (el) {
      el.hidden = !kind || el.getAttribute("data-for-kind") !== kind.value;
    });
  }

  list.querySelectorAll("[data-item-row]").forEach(refresh);
  list.addEventListener("change", function (event) {
    const row = event.target.closest("[data-item-row]");
    if (row) refresh(row);
  });

  function full() {
    return max && parseInt(total.value, 10) >= parseInt(max.value, 10);
  }

  add.disabled = full();
  add.addEventListener("click", function () {
    if (full()) return;
    const index = parseInt(total.value, 10);
    list.insertAdjacentHTML("beforeend", template.innerHTML.replace(/__prefix__/g, String(index)));
    total.value = String(index + 1);
    add.disabled = full();
    const row = list.lastElementChild;
    refresh(row);
    row.querySelector("select, input:not([type=hidden])").focus();
  });
})();
