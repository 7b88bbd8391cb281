"use strict";
// Admin report: draws the preference chart from the figure JSON embedded in the page (no inline script).
(function () {
  const data = document.getElementById("figure");
  if (!data || typeof Plotly === "undefined") return;
  const fig = JSON.parse(data.textContent);
  Plotly.newPlot("chart", fig.data, fig.layout, { responsive: true });
})();
