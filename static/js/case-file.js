// The case pages. The server opens the tab named in ?tab=; when another tab is chosen, the address
// follows, so that reloading or coming back to the page lands on the same tab.
// On the "add a person" page, show only the fields that apply to the role and kind chosen.
(function () {
  "use strict";
  document.querySelectorAll("[data-case-tabs] [data-tab]").forEach(function (tab) {
    tab.addEventListener("shown.bs.tab", function () {
      const url = new URL(window.location.href);
      url.searchParams.set("tab", tab.dataset.tab);
      url.hash = "";
      window.history.replaceState(null, "", url);
    });
  });

  // A form that came back with errors: take the reader to its first marked field.
  const invalid = document.querySelector(".is-invalid");
  if (invalid) invalid.focus();

  const row = document.querySelector("[data-party-row]");
  if (!row) return;
  function refresh() {
    const role = row.querySelector("select[name='role']");
    const kind = row.querySelector("select[name='kind']");
    const isOrganisation = kind && kind.value === "organisation";
    row.querySelectorAll("[data-individual]").forEach(function (el) { el.hidden = isOrganisation; });
    row.querySelectorAll("[data-organisation]").forEach(function (el) { el.hidden = !isOrganisation; });
    row.querySelectorAll("[data-responsible]").forEach(function (el) {
      el.hidden = !role || role.value !== "responsible";
    });
  }
  refresh();
  row.addEventListener("change", refresh);
})();
