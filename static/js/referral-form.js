// The referral form: add party rows from the empty-form template, and show only the fields that
// apply to each row (an organisation has no date of birth; only a responsible party admits).
(function () {
  "use strict";
  const list = document.querySelector("[data-party-list]");
  const template = document.getElementById("party-template");
  const total = document.getElementById("id_parties-TOTAL_FORMS");
  if (!list || !template || !total) return;

  function refresh(row) {
    const role = row.querySelector("select[name$='-role']");
    const kind = row.querySelector("select[name$='-kind']");
    const isOrganisation = kind && kind.value === "organisation";
    row.querySelectorAll("[data-individual]").forEach(function (el) { el.hidden = isOrganisation; });
    row.querySelectorAll("[data-organisation]").forEach(function (el) { el.hidden = !isOrganisation; });
    row.querySelectorAll("[data-responsible]").forEach(function (el) {
      el.hidden = !role || role.value !== "responsible";
    });
  }

  list.querySelectorAll("[data-party-row]").forEach(refresh);
  list.addEventListener("change", function (event) {
    const row = event.target.closest("[data-party-row]");
    if (row) refresh(row);
  });

  document.querySelector("[data-add-party]").addEventListener("click", function () {
    const index = parseInt(total.value, 10);
    const html = template.innerHTML.replace(/__prefix__/g, String(index));
    list.insertAdjacentHTML("beforeend", html);
    total.value = String(index + 1);
    const row = list.lastElementChild;
    const role = row.querySelector("select[name$='-role']");
    if (role) role.value = "harmed";
    refresh(row);
    row.querySelector("select, input:not([type=hidden])").focus();
  });
})();
