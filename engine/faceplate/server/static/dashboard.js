/* The Faceplate engine dashboard: plain JS, no build step, no CDN (works offline).
 *
 * Sign-in: `faceplate serve` prints http://127.0.0.1:PORT/#token=...; the fragment never leaves the
 * browser. The page removes it from the address bar first, then trades it for an HttpOnly session cookie
 * (POST /api/session: a random id that expires, not the token) that every later request, the EventSource
 * included, carries; a 401 (the session ended, the engine restarted) shows the sign-in form again.
 * Live: the selected job's events over SSE (/api/jobs/ID/stream); if the stream fails, the page polls
 * /api/jobs/ID/events. The job list is polled every few seconds either way.
 * Everything shown from the engine is set with textContent (paths and log lines are not markup).
 */
"use strict";
(() => {
  const ACTIVE = ["queued", "running", "busy"];
  const RETRYABLE = ["failed", "cancelled"];
  const LIST_POLL_MS = 3000;
  const EVENT_POLL_MS = 1000;
  const LOSS_RELOAD_MS = 5000;
  const LOG_LINES = 300;
  const KINDS = ["job", "stage", "progress", "metrics", "preview", "log"];

  const $ = (id) => document.getElementById(id);
  const state = {
    jobs: [], selected: null, job: null, range: null, after: 0, log: [], artifacts: null, artifactsKey: "",
    stream: null, pollTimer: null, previewVersion: 0, lossVersion: 0, lossLoadedAt: 0, drawn: false,
  };

  // --- the API ------------------------------------------------------------------------------
  class ApiError extends Error {
    constructor(status, body) {
      const error = (body && body.error) || {};
      super((error.message || `HTTP ${status}`) + (error.hint ? ` (${error.hint})` : ""));
      this.status = status;
      this.code = error.code;
    }
  }

  async function api(method, path, body) {
    const init = { method, headers: { Accept: "application/json" }, credentials: "same-origin", cache: "no-store" };
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    const answer = await fetch(path, init);
    if (answer.status === 204) return null;
    const data = await answer.json().catch(() => null);
    if (!answer.ok) throw new ApiError(answer.status, data);
    return data;
  }

  const jobPath = (id, rest = "") => `/api/jobs/${encodeURIComponent(id)}${rest}`;

  // --- signing in -----------------------------------------------------------------------------
  async function signInFromLink() {
    const token = new URLSearchParams(location.hash.slice(1)).get("token");
    if (!token) return;
    history.replaceState(null, "", location.pathname + location.search); // out of the address bar before anything else
    await signIn(token);
  }

  async function signIn(token) {
    try {
      await api("POST", "/api/session", { token });
      $("sign-in-error").textContent = "";
      return true;
    } catch (error) {
      $("sign-in-error").textContent = error.message;
      return false;
    }
  }

  function showSignIn() {
    $("sign-in").hidden = false;
    $("dashboard").hidden = true;
    setConnection("offline", "signed out");
  }

  // --- connection indicator -------------------------------------------------------------------
  function setConnection(kind, text) {
    const badge = $("connection");
    badge.dataset.state = kind;
    badge.textContent = text;
  }

  // --- the job list ---------------------------------------------------------------------------
  async function refreshJobs() {
    const answer = await api("GET", "/api/jobs?limit=50");
    state.jobs = answer.jobs;
    const selected = state.jobs.find((j) => j.id === state.selected);
    if (selected) {
      mergeJob(selected);
      await loadArtifacts(selected);
    } else {
      const next = state.jobs.find((j) => ACTIVE.includes(j.status)) || state.jobs[0];
      if (next) await selectJob(next.id);
      else { state.selected = null; state.job = null; }
    }
    draw();
  }

  function mergeJob(fresh) {
    // the list is a newer snapshot of the whole job; keep the stream's cursor
    const previewBefore = latestPreview(state.job);
    state.job = fresh;
    if (JSON.stringify(latestPreview(fresh)) !== JSON.stringify(previewBefore)) state.previewVersion += 1;
  }

  async function selectJob(id) {
    stopLive();
    state.selected = id;
    state.job = state.jobs.find((j) => j.id === id) || null;
    state.log = [];
    state.artifacts = null;
    state.artifactsKey = "";
    state.range = shotRange(state.job);
    state.previewVersion += 1;
    state.lossVersion += 1;
    draw();
    try {
      const tail = await api("GET", jobPath(id, `/log?lines=${LOG_LINES}`));
      state.log = tail.events;
      state.after = tail.last_event;
      if (!state.range) state.range = (await api("GET", jobPath(id, "/artifacts"))).frame_range;
    } catch (error) {
      if (error.status === 401) return showSignIn();
      state.after = state.job ? state.job.last_event : 0;
    }
    if (state.selected === id) startLive(id);
    if (state.job) await loadArtifacts(state.job);
    draw();
  }

  async function loadArtifacts(job) {
    // what the job made (layer version, report, movie) changes only with its status or its verdict
    // ... and with each stage that finishes (curate's source coverage comes before training)
    const finished = job.stages.filter((stage) => stage.status === "done").length;
    const key = JSON.stringify([job.id, job.status, job.verdict, finished]);
    if (key === state.artifactsKey) return;
    state.artifactsKey = key;
    try {
      const found = await api("GET", jobPath(job.id, "/artifacts"));
      if (state.selected === job.id) state.artifacts = found;
    } catch (error) {
      state.artifactsKey = "";
    }
  }

  function shotRange(job) {
    return job && job.spec && job.spec.shot ? job.spec.shot.range : null;
  }

  // --- live events: SSE, else polling ---------------------------------------------------------
  function startLive(id) {
    if (!window.EventSource) return startPolling(id);
    const source = new EventSource(jobPath(id, `/stream?after=${state.after}`));
    state.stream = source;
    source.onopen = () => setConnection("live", "live");
    for (const kind of KINDS) {
      source.addEventListener(kind, (message) => applyEvent(JSON.parse(message.data)));
    }
    source.onerror = () => {
      source.close(); // the engine ends the stream once the job has finished; anything else: poll instead
      if (state.stream !== source) return;
      state.stream = null;
      if (state.job && !ACTIVE.includes(state.job.status)) setConnection("live", "up to date");
      else startPolling(id);
    };
  }

  function startPolling(id) {
    setConnection("polling", "polling");
    state.pollTimer = setInterval(() => pollEvents(id), EVENT_POLL_MS);
  }

  async function pollEvents(id) {
    try {
      const page = await api("GET", jobPath(id, `/events?after=${state.after}`));
      page.events.forEach(applyEvent);
      setConnection("polling", "polling");
    } catch (error) {
      if (error.status === 401) { stopLive(); return showSignIn(); }
      setConnection("offline", "engine not answering");
    }
  }

  function stopLive() {
    if (state.stream) state.stream.close();
    state.stream = null;
    clearInterval(state.pollTimer);
    state.pollTimer = null;
  }

  function applyEvent(event) {
    if (!state.job || event.id <= state.after) return;
    state.after = event.id;
    const stage = state.job.stages.find((s) => s.name === event.stage);
    const data = event.data;
    if (event.kind === "progress" && stage) stage.progress = data;
    else if (event.kind === "metrics" && stage) { stage.metrics = data; maybeReloadLoss(); }
    else if (event.kind === "preview" && stage) { stage.preview = data; stage.started = event.time; state.previewVersion += 1; }
    else if (event.kind === "stage" && stage) { stage.status = data.status; addLog(event); refreshSoon(); }
    else if (event.kind === "job") { if (data.status) state.job.status = data.status; addLog(event); refreshSoon(); }
    else if (event.kind === "log") addLog(event);
    draw();
  }

  function maybeReloadLoss() {
    if (Date.now() - state.lossLoadedAt > LOSS_RELOAD_MS) state.lossVersion += 1;
  }

  function addLog(event) {
    state.log.push(event);
    if (state.log.length > LOG_LINES) state.log.splice(0, state.log.length - LOG_LINES);
  }

  let refreshTimer = null;
  function refreshSoon() {
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(() => refreshJobs().catch(() => {}), 200);
  }

  // --- actions --------------------------------------------------------------------------------
  async function act(action) {
    const id = state.selected;
    $("action-error").textContent = "";
    $("cancel-button").disabled = $("retry-button").disabled = true;
    try {
      await api("POST", jobPath(id, `/${action}`), action === "retry" ? {} : undefined);
      await refreshJobs();
      if (action === "retry") await selectJob(id); // its stream had ended with the job
    } catch (error) {
      $("action-error").textContent = `${action}: ${error.message}`;
    }
    draw();
  }

  // --- drawing --------------------------------------------------------------------------------
  function draw() {
    if (state.drawn) return;
    state.drawn = true;
    requestAnimationFrame(() => {
      state.drawn = false;
      drawList();
      drawJob();
    });
  }

  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs)) {
      if (key === "class") node.className = value;
      else if (key.startsWith("data-")) node.setAttribute(key, value);
      else node[key] = value;
    }
    for (const child of children) node.append(child instanceof Node ? child : String(child ?? ""));
    return node;
  }

  function shotName(job) {
    const parts = job.workspace.split(/[\\/]/).filter(Boolean);
    return parts[parts.length - 1] || job.workspace;
  }

  function jobFraction(job) {
    const counted = job.stages.filter((s) => s.status !== "skipped");
    if (!counted.length) return 0;
    const sum = counted.reduce((total, s) => total + (s.status === "done" ? 1 : s.status === "running" && s.progress
      ? s.progress.fraction || 0 : 0), 0);
    return sum / counted.length;
  }

  function drawList() {
    const list = $("job-list");
    list.replaceChildren(...state.jobs.map((job) => {
      const current = job.current_stage ? ` · ${job.current_stage}` : "";
      const item = el("li", { class: "job-item", "data-job-id": job.id, "data-status": job.status },
        el("div", { class: "name" }, shotName(job)),
        el("div", { class: "line" },
          el("span", { class: "status", "data-status": job.status, "data-verdict": verdictState(job) }, job.status),
          verdictBadge(job),
          el("span", {}, `${Math.round(jobFraction(job) * 100)} %${current}`)),
        el("div", { class: "line" }, el("span", {}, clock(job.created)), el("span", { class: "num" }, job.id)));
      item.setAttribute("aria-selected", String(job.id === state.selected));
      item.addEventListener("click", () => selectJob(job.id));
      return item;
    }));
    $("no-jobs").hidden = state.jobs.length > 0;
  }

  function drawJob() {
    const job = state.job;
    $("job").hidden = !job;
    if (!job) return;
    $("job").dataset.jobId = job.id;
    $("job-title").textContent = shotName(job);
    const range = state.range ? ` · frames ${state.range.replace("-", "–")}` : "";
    $("job-sub").textContent = `${job.workspace}${range} · job ${job.id}`;
    $("job-budget").textContent = job.spec && job.spec.budget ? `budget ${job.spec.budget}` : "";
    const status = job.cancel_requested && ACTIVE.includes(job.status) ? "cancelling" : job.status;
    $("job-status").textContent = status;
    $("job-status").dataset.status = job.status;
    $("job-status").dataset.verdict = verdictState(job);
    $("job-error").textContent = job.error && job.error !== "cancelled" ? job.error : "";
    $("cancel-button").disabled = !ACTIVE.includes(job.status) || job.cancel_requested;
    $("retry-button").disabled = !RETRYABLE.includes(job.status);
    drawVerdict(job);
    drawLinks(job);
    drawCoverage(job);
    const qcVerdict = verdictState(job); // the QC stage's row is red, not green, when the shot fails
    $("stage-rows").replaceChildren(...job.stages.map((stage) => stageRow(stage, stage.name === "qc" ? qcVerdict : "none")));
    drawImages(job);
    drawLog();
  }

  function verdictState(job) {
    if (!job.verdict) return "none";
    return job.verdict.passed ? "pass" : "fail";
  }

  function verdictBadge(job) {
    const verdict = verdictState(job);
    if (verdict === "none") return "";
    return el("span", { class: "badge", "data-verdict": verdict }, verdict === "pass" ? "QC PASS" : "QC FAIL");
  }

  function drawVerdict(job) {
    const verdict = job.verdict;
    $("verdict").hidden = !verdict;
    if (!verdict) return;
    const badge = $("verdict-badge");
    badge.dataset.verdict = verdictState(job);
    badge.textContent = verdict.passed ? "QC PASS" : "QC FAIL";
    $("verdict-line").textContent = verdict.line;
    $("verdict-flags").replaceChildren(...(verdict.flags || []).slice(0, 20).map((flag) =>
      el("li", {}, `${flag.first === flag.last ? flag.first : `${flag.first}–${flag.last}`}: ${flag.reason}`)));
  }

  function drawLinks(job) {
    const made = state.artifacts && state.selected === job.id ? state.artifacts : null;
    const layer = made && made.layer;
    $("links").hidden = !layer && !(made && made.report);
    $("layer-version").textContent = layer ? `layer ${layer.version}` : "";
    setLink("report-link", made && made.report ? jobPath(job.id, "/report/index.html") : null);
    setLink("movie-link", layer && layer.movie ? jobPath(job.id, "/movie") : null);
    setLink("layer-link", layer ? jobPath(job.id, "/layer") : null);
  }

  function drawCoverage(job) {
    const made = state.artifacts && state.selected === job.id ? state.artifacts : null;
    const found = made && made.coverage;
    $("coverage").hidden = !found || !(found.pose || found.expression || found.people);
    if ($("coverage").hidden) return;
    const share = (report, what) => report ? `${what} ${Math.round(100 * report.covered_fraction)}% covered` : null;
    $("coverage-summary").textContent =
      [share(found.pose, "pose"), share(found.expression, "expression")].filter(Boolean).join(" · ");
    $("coverage-lines").replaceChildren(...found.lines.map((line) => el("li", {}, line)));
    $("coverage-people").textContent = found.people ? peopleText(found.people) : "";
  }

  function peopleText(people) {
    // the review sheet's wording (faceplate.faces.people.people_html)
    const others = (people.others || []).map((other) =>
      `${other.name} in ${other.frames} frames` + (other.only_them ? ` (alone in ${other.only_them}: no face kept)` : ""));
    return `kept ${people.kept}` + (others.length ? `; other people: ${others.join(", ")}` : "");
  }

  function setLink(id, url) {
    const link = $(id);
    link.hidden = !url;
    if (url) link.setAttribute("href", url);
    else link.removeAttribute("href");
  }

  function stageRow(stage, verdict) {
    const progress = stage.progress;
    const fraction = stage.status === "done" ? 1 : progress && progress.fraction != null ? progress.fraction : 0;
    const label = progressLabel(stage);
    const bar = el("div", { class: "bar", "data-status": stage.status, "data-verdict": verdict,
                            "data-fraction": fraction.toFixed(4),
                            "data-done": progress ? progress.done : 0 },
      el("div", { class: "fill" }),
      el("div", { class: "label num" }, label));
    bar.firstChild.style.width = `${(fraction * 100).toFixed(1)}%`;
    const running = stage.status === "running" && progress;
    return el("tr", { "data-stage": stage.name },
      el("td", {}, stage.name, progress && progress.task !== stage.name ? el("div", { class: "task" }, progress.task) : ""),
      el("td", {}, el("span", { class: "status", "data-status": stage.status, "data-verdict": verdict }, stage.status)),
      el("td", {}, bar),
      el("td", { class: "num" }, running && progress.rate ? `${number(progress.rate)} ${progress.unit}/s` : ""),
      el("td", { class: "num" }, running && progress.eta_s != null ? duration(progress.eta_s) : ""),
      el("td", { class: "losses num" }, losses(stage.metrics)));
  }

  function progressLabel(stage) {
    const p = stage.progress;
    if (!p) return stage.status === "done" ? "done" : "";
    let text = p.total ? `${p.done} / ${p.total} ${p.unit}` : `${p.done} ${p.unit}`;
    if (p.fraction != null) text += ` · ${(p.fraction * 100).toFixed(1)} %`;
    const frame = plateFrame(p);
    if (frame != null) text += ` · at frame ${frame}`;
    return text;
  }

  function plateFrame(progress) {
    // frames are counted from the start of the shot's range; name the plate's own frame number
    const match = /^(\d+)-(\d+)$/.exec(state.range || "");
    if (!match || progress.unit !== "frames" || !progress.done) return null;
    const first = Number(match[1]);
    const last = Number(match[2]);
    return progress.total === last - first + 1 ? first + progress.done - 1 : null;
  }

  function losses(metrics) {
    if (!metrics) return "";
    return Object.entries(metrics)
      .filter(([key, value]) => typeof value === "number" && !/^(iteration|it_per_s|rate)$/.test(key))
      .map(([key, value]) => `${key} ${number(value)}`).join("  ");
  }

  function latestPreview(job) {
    if (!job) return null;
    const shown = job.stages.filter((s) => s.preview);
    if (!shown.length) return null;
    return shown.reduce((a, b) => ((b.finished || b.started || 0) >= (a.finished || a.started || 0) ? b : a)).preview;
  }

  function drawImages(job) {
    const preview = latestPreview(job);
    $("preview-caption").textContent = preview ? preview.caption : "";
    showImage("preview-image", "preview-none", preview ? jobPath(job.id, `/preview?v=${state.previewVersion}`) : null);
    const trained = job.stages.some((s) => s.name === "train" && (s.runs > 0 || s.status !== "pending"));
    showImage("loss-image", "loss-none", trained ? jobPath(job.id, `/loss-plot?v=${state.lossVersion}`) : null);
  }

  function showImage(imageId, noneId, url) {
    const image = $(imageId);
    if (!url) { image.hidden = true; $(noneId).hidden = false; image.removeAttribute("src"); return; }
    if (image.getAttribute("src") === url) return; // unchanged: no reload, no flicker
    image.onload = () => {
      image.hidden = false;
      $(noneId).hidden = true;
      if (imageId === "loss-image") state.lossLoadedAt = Date.now();
    };
    image.onerror = () => { image.hidden = true; $(noneId).hidden = false; };
    image.setAttribute("src", url);
  }

  function drawLog() {
    const box = $("log");
    const atBottom = box.scrollTop + box.clientHeight >= box.scrollHeight - 4;
    box.replaceChildren(...state.log.map(logLine));
    if (atBottom) box.scrollTop = box.scrollHeight;
  }

  function logLine(event) {
    const data = event.data || {};
    let text;
    let level = data.level || "info";
    if (event.kind === "log") text = data.message;
    else if (event.kind === "stage") {
      const lines = (data.lines || []).join("\n    ");
      text = `${data.status}${data.message ? ": " + data.message : ""}${lines ? "\n    " + lines : ""}`;
      if (data.status === "failed") level = "error";
    } else if (data.verdict) {
      text = data.verdict.line;
      if (!data.verdict.passed) level = "warning";
    } else {
      text = `job ${data.status || ""}${data.cancel ? "cancel " + data.cancel : ""}${data.message ? ": " + data.message : ""}`;
    }
    const where = event.stage ? ` ${event.stage}` : "";
    return el("div", { class: level.toLowerCase() }, `${clock(event.time)}${where}  ${text}\n`);
  }

  // --- formatting -----------------------------------------------------------------------------
  function number(value) {
    if (!Number.isFinite(value)) return String(value);
    const size = Math.abs(value);
    if (size >= 100) return value.toFixed(0);
    if (size >= 1) return value.toFixed(2);
    return size >= 0.001 || value === 0 ? value.toPrecision(3) : value.toExponential(2); // a learning rate
  }

  function duration(seconds) {
    const s = Math.max(0, Math.round(seconds));
    if (s < 60) return `${s} s`;
    const two = (n) => String(n).padStart(2, "0");
    const days = Math.floor(s / 86400);
    const h = Math.floor((s % 86400) / 3600);
    const m = Math.floor((s % 3600) / 60);
    const rest = `${h ? h + ":" + two(m) : m}:${two(s % 60)}`;
    return days ? `${days} d ${rest}` : rest;
  }

  function clock(epochSeconds) {
    if (!epochSeconds) return "";
    return new Date(epochSeconds * 1000).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false });
  }

  // --- start ----------------------------------------------------------------------------------
  async function start() {
    $("cancel-button").addEventListener("click", () => act("cancel"));
    $("retry-button").addEventListener("click", () => act("retry"));
    $("sign-in-form").addEventListener("submit", async (event) => {
      event.preventDefault();
      if (await signIn($("token-input").value.trim())) { $("token-input").value = ""; await open(); }
    });
    api("GET", "/api/health").then((h) => { $("engine-version").textContent = `faceplate ${h.version}`; }).catch(() => {});
    await signInFromLink();
    await open();
  }

  async function open() {
    try {
      await refreshJobs();
    } catch (error) {
      if (error.status === 401) return showSignIn();
      setConnection("offline", "engine not answering");
    }
    $("sign-in").hidden = true;
    $("dashboard").hidden = false;
    if (!state.listTimer) state.listTimer = setInterval(tickList, LIST_POLL_MS);
  }

  async function tickList() {
    try {
      await refreshJobs();
      if (!state.stream && !state.pollTimer) setConnection("live", "up to date");
    } catch (error) {
      if (error.status === 401) { stopLive(); clearInterval(state.listTimer); state.listTimer = null; showSignIn(); }
      else setConnection("offline", "engine not answering");
    }
  }

  start();
})();
