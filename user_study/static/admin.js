"use strict";
// Admin dashboard: polls the progress counts; the login cookie (HttpOnly) authenticates the requests.
(function () {
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
      const r = await fetch("/admin/api/progress", { credentials: "same-origin" });
      if (r.ok) render(await r.json());
    } catch (e) { /* server restarting: try again later */ }
  }
  poll();
  setInterval(poll, 5000);
})();
