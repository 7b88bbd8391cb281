"use strict";
(function () {
  const cfg = JSON.parse(document.getElementById("cfg").textContent);
  const q = "?token=" + encodeURIComponent(cfg.token);
  document.getElementById("report-link").href = "/admin/report" + q;
  document.getElementById("csv-link").href = "/admin/votes.csv" + q;
  function render(p) {
    for (const td of document.querySelectorAll("#progress-table td")) {
      const k = td.dataset.key;
      if (k in p) td.textContent = String(p[k]);
    }
    const frac = p.needed_votes ? Math.min(1, p.main_votes / p.needed_votes) : 0;
    document.getElementById("progress-bar").style.width = (100 * frac).toFixed(1) + "%";
  }
  async function poll() {
    try {
      const r = await fetch("/admin/api/progress", { headers: { Authorization: "Bearer " + cfg.token } });
      if (r.ok) render(await r.json());
    } catch (e) { /* server restarting: try again later */ }
  }
  poll();
  setInterval(poll, 5000);
})();
