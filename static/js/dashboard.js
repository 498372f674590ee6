// Draw the dashboard's charts from the figures the page passes with json_script.
// Each chart has the same figures in the table under it, for screen readers and for reading exact values.
(function () {
  "use strict";
  const source = document.getElementById("dashboard-charts");
  if (!source || typeof Chart === "undefined") return;
  const charts = JSON.parse(source.textContent);
  const brand = "#1f4e79";
  const accent = "#6aa84f";

  function datasets(name, data) {
    if (data.ordered) {
      return [
        { label: "Ordered", data: data.ordered, backgroundColor: brand },
        { label: "Done", data: data.done, backgroundColor: accent },
      ];
    }
    return [{ label: name, data: data.values.map((v) => (v === null ? 0 : v)), backgroundColor: brand }];
  }

  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    const name = canvas.dataset.chart;
    const data = charts[name];
    if (!data) return;
    const percent = canvas.hasAttribute("data-percent");
    new Chart(canvas, {
      type: "bar",
      data: { labels: data.labels, datasets: datasets(name, data) },
      options: {
        indexAxis: name === "funnel" || name === "declined" || name === "returned" ? "y" : "x",
        plugins: { legend: { display: Boolean(data.ordered) } },
        scales: percent
          ? { y: { ticks: { callback: (v) => Math.round(v * 100) + "%" }, suggestedMax: 1 } }
          : { x: { ticks: { precision: 0 } }, y: { ticks: { precision: 0 } } },
        animation: false,
      },
    });
  });
})();
