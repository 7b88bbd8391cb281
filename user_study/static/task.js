"use strict";
// Rater page: one assignment at a time; both videos must play to the end before answering.
// Everything user-visible is written with textContent (never innerHTML).
(function () {
  const cfg = JSON.parse(document.getElementById("cfg").textContent);
  const LABELS = { left: "Left", right: "Right", tie: "About the same" };
  const KEYS = { "1": "left", ArrowLeft: "left", "2": "right", ArrowRight: "right", "3": "tie", t: "tie", "4": "none", n: "none" };
  const $ = (id) => document.getElementById(id);
  const vids = { left: $("video-left"), right: $("video-right") };
  let items = [], idx = 0, state = null, busy = false;

  function fresh() {
    return { ended: { left: false, right: false }, watch: { left: 0, right: 0 }, since: { left: null, right: null } };
  }

  for (const side of ["left", "right"]) {
    const v = vids[side];
    v.addEventListener("play", () => { state.since[side] = performance.now(); });
    const stop = () => {
      if (state.since[side] !== null) { state.watch[side] += performance.now() - state.since[side]; state.since[side] = null; }
    };
    v.addEventListener("pause", stop);
    v.addEventListener("ended", () => { stop(); state.ended[side] = true; update(); });
  }

  function buildQuestions() {
    const form = $("questions");
    form.replaceChildren();
    cfg.questions.forEach((q, qi) => {
      const fs = document.createElement("fieldset");
      fs.dataset.qid = q.id;
      fs.disabled = true;
      const lg = document.createElement("legend");
      lg.textContent = (qi + 1) + ". " + q.text;
      fs.appendChild(lg);
      const box = document.createElement("div");
      box.className = "choices";
      for (const a of q.allowed) {
        const lab = document.createElement("label");
        const inp = document.createElement("input");
        inp.type = "radio"; inp.name = q.id; inp.value = a;
        inp.addEventListener("change", update);
        lab.appendChild(inp);
        lab.appendChild(document.createTextNode(a === "none" ? q.none_label : LABELS[a]));
        box.appendChild(lab);
      }
      fs.appendChild(box);
      form.appendChild(fs);
    });
  }

  function answers() {
    const out = {};
    for (const q of cfg.questions) {
      const c = document.querySelector('input[name="' + CSS.escape(q.id) + '"]:checked');
      if (c) out[q.id] = c.value;
    }
    return out;
  }

  function update() {
    const played = state.ended.left && state.ended.right;
    const ans = answers();
    const fss = document.querySelectorAll("#questions fieldset");
    let activeSet = false;
    for (const fs of fss) {
      fs.disabled = !played;
      const isActive = played && !activeSet && !(fs.dataset.qid in ans);
      fs.classList.toggle("active", isActive);
      if (isActive) activeSet = true;
    }
    $("watch-status").textContent = played ? "Both videos played — answer the questions."
      : "Play both videos to the end to enable the questions" +
        (state.ended.left ? " (left done)" : "") + (state.ended.right ? " (right done)" : "") + ".";
    $("submit").disabled = busy || !played || Object.keys(ans).length !== cfg.questions.length;
  }

  function progress() {
    const done = items.filter((a) => a.done).length;
    $("progress-bar").style.width = (100 * done / Math.max(items.length, 1)).toFixed(1) + "%";
    $("progress-text").textContent = idx < items.length ? "Item " + (idx + 1) + " of " + items.length
      : items.length + " of " + items.length + " done";
  }

  function show() {
    idx = items.findIndex((a) => !a.done);
    if (idx < 0) { idx = items.length; progress(); return finish(); }
    state = fresh();
    const a = items[idx];
    for (const side of ["left", "right"]) {
      vids[side].src = "/media/" + cfg.token + "/" + a.id + "/" + side;
      vids[side].load();
    }
    buildQuestions();
    $("status").textContent = "";
    $("item").hidden = false;
    progress();
    update();
  }

  function playBoth() {
    for (const side of ["left", "right"]) {
      const v = vids[side];
      if (v.ended) v.currentTime = 0;
      v.play().catch(() => { $("status").textContent = "Could not start playback; use the video controls."; });
    }
  }

  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

  async function post(url, body) {
    for (let attempt = 0; ; attempt++) {
      try {
        const r = await fetch(url, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
        if (r.status >= 500 && attempt < 6) { await sleep(500 * 2 ** attempt); continue; }
        return r;
      } catch (e) {  // network error / server restarting: retry, the server makes this idempotent
        if (attempt >= 6) throw e;
        $("status").textContent = "Connection problem, retrying…";
        await sleep(500 * 2 ** attempt);
      }
    }
  }

  async function submit() {
    if ($("submit").disabled) return;
    busy = true; update();
    $("status").textContent = "Saving…";
    const a = items[idx];
    const body = { token: cfg.token, assignment_id: a.id, answers: answers(),
      watch_left_ms: Math.max(1, Math.round(state.watch.left)), watch_right_ms: Math.max(1, Math.round(state.watch.right)) };
    try {
      const r = await post("/api/vote", body);
      if (r.status === 201 || r.status === 409) {  // 409: already stored by an earlier attempt
        a.done = true;
        for (const v of Object.values(vids)) v.pause();
        busy = false;
        return show();
      }
      const err = await r.json().catch(() => ({}));
      $("status").textContent = "Could not save: " + (err.detail || r.status);
    } catch (e) {
      $("status").textContent = "Could not reach the server; please try again.";
    }
    busy = false; update();
  }

  async function finish() {
    $("item").hidden = true;
    const r = await post("/api/complete", { token: cfg.token });
    const data = await r.json().catch(() => ({}));
    if (!r.ok) { $("status").textContent = "Could not finish: " + (data.detail || r.status); return; }
    $("completion-code").textContent = data.completion_code;
    $("done").hidden = false;
    if (data.turk_submit_url) {
      $("done-note").textContent = "Submitting to Mechanical Turk…";
      const f = document.createElement("form");
      f.method = "POST"; f.action = data.turk_submit_url;
      for (const [k, v] of [["assignmentId", data.mturk_assignment_id], ["completion_code", data.completion_code]]) {
        const i = document.createElement("input");
        i.type = "hidden"; i.name = k; i.value = v;
        f.appendChild(i);
      }
      document.body.appendChild(f);
      f.submit();
    } else {
      $("done-note").textContent = "Keep this code. You may close the page, or reload it for another batch.";
    }
  }

  document.addEventListener("keydown", (ev) => {
    if (ev.target && ev.target.tagName === "INPUT" && ev.target.type === "text") return;
    if ($("item").hidden) return;
    if (ev.key === " ") { ev.preventDefault(); return playBoth(); }
    if (ev.key === "Enter") { ev.preventDefault(); return submit(); }
    const choice = KEYS[ev.key];
    if (!choice || !(state.ended.left && state.ended.right)) return;
    const fs = document.querySelector("#questions fieldset.active");
    if (!fs) return;
    const inp = fs.querySelector('input[value="' + choice + '"]');
    if (inp) { inp.checked = true; ev.preventDefault(); update(); }
  });
  $("play").addEventListener("click", playBoth);
  $("submit").addEventListener("click", submit);

  fetch("/api/session/" + cfg.token).then((r) => r.json()).then((data) => {
    items = data.assignments;
    show();
  }).catch(() => { $("status").textContent = "Could not load the batch; please reload."; });
})();
