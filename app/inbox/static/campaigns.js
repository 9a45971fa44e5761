// Campaigns: the list (status, progress, start/pause/resume/cancel), the step-by-step
// form (audience → copy → schedule → pacing → review) with a WhatsApp-like preview, and
// one campaign's live counters, report and recipients (refreshed when the inbox's
// event stream says the campaign moved). Everything goes through
// /api/v1/campaigns and friends with the inbox cookie (window.Balcao.call).

const { $, $$, call, toast, formatPhone } = window.Balcao;
const boot = JSON.parse(document.getElementById("boot").textContent);
const T = boot.camp;
const API = "/api/v1/campaigns";
// Live: the inbox's event stream (inbox.js re-dispatches each notice as "balcao:notice")
// carries the dispatcher's campaign.progress, at most one a second per run. Only while
// the stream is down does the page poll, slowly.
const FALLBACK_POLL_MS = 30_000;
// Acks and replies change delivered/read/replied after the sending is over; they come
// as message notices of the whole organization, so they refresh at most this often.
const MESSAGE_REFRESH_GAP_MS = 10_000;
const DAYS = ["MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"];
const FINAL = ["COMPLETED", "CANCELLED", "EXPIRED"];

const fmt = (text, values) => text.replace(/\{(\w+)\}/g, (all, k) => (k in values ? values[k] : all));
const el = (tag, attrs = {}, ...children) => {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "text") node.textContent = v;
    else if (k === "class") node.className = v;
    else node.setAttribute(k, v === true ? "" : v);
  }
  node.append(...children);
  return node;
};

// The API's refusal in plain words: its code first, then 422's field, else the detail.
function say(error) {
  const code = error.body?.code;
  if (code && T[`err.${code}`] && !["validation_error"].includes(code)) return T[`err.${code}`];
  const field = error.body?.extra?.field ? ` [${error.body.extra.field}]` : "";
  if (error.status === 422 || error.status === 400) return fmt(T["err.validation"], { detail: `${error.message}${field}` });
  if (error.status === 403) return T["err.forbidden"];
  if (error.status === 404) return T["err.not_found"];
  return fmt(T["err.generic"], { status: error.status || "—", detail: error.message });
}

function showError(text, box = $("#camp-error")) {
  if (!box) return toast(text, "error");
  box.textContent = text;
  box.hidden = !text;
  if (text) box.scrollIntoView({ block: "nearest" });
}

const statusBadge = (c) => el("span", { class: `campbadge campbadge--${c.status.toLowerCase()}`, "data-status": c.status, text: T[`st.${c.status}`] || c.status });

function actionsFor(status) {
  const out = [];
  if (status === "DRAFT") out.push("start");
  if (status === "RUNNING" || status === "SCHEDULED") out.push("pause");
  if (status === "PAUSED") out.push("resume");
  if (["DRAFT", "SCHEDULED", "PAUSED"].includes(status)) out.push("edit");
  if (!FINAL.includes(status)) out.push("cancel");
  return out;
}

// ------------------------------------------------------------- transitions
const cancelDialog = $("#cancel-dialog");
let cancelling = null;

async function transition(id, action, after) {
  if (action === "cancel") {
    cancelling = { id, after };
    $("[data-error]", cancelDialog).hidden = true;
    cancelDialog.showModal();
    return;
  }
  try {
    const updated = await call("POST", `${API}/${id}/${action}`);
    showError("");
    toast(T[`did.${action}`]);
    after(updated);
  } catch (error) {
    showError(say(error));
  }
}

$("form", cancelDialog)?.addEventListener("submit", async (event) => {
  event.preventDefault();
  const { id, after } = cancelling;
  try {
    const updated = await call("POST", `${API}/${id}/cancel`);
    cancelDialog.close();
    toast(T["did.cancel"]);
    after(updated);
  } catch (error) {
    const box = $("[data-error]", cancelDialog);
    box.textContent = say(error);
    box.hidden = false;
  }
});
for (const b of $$("[data-camp-close]")) b.addEventListener("click", () => b.closest("dialog").close());

function actionButtons(c, after) {
  const box = el("div", { class: "campbtns" });
  for (const action of actionsFor(c.status)) {
    if (action === "edit") {
      box.append(el("a", { class: "btn btn--small", href: `/inbox/campaigns/${c.id}/edit`, text: T["do.edit"] }));
      continue;
    }
    const kind = action === "cancel" ? "btn--danger" : action === "start" || action === "resume" ? "btn--primary" : "";
    const b = el("button", { class: `btn btn--small ${kind}`, type: "button", "data-do": action, text: T[`do.${action}`] });
    b.addEventListener("click", () => transition(c.id, action, after));
    box.append(b);
  }
  return box;
}

const reasonLine = (c) => (c.statusReason ? `${T.paused_by} ${c.statusReason}` : "");
const progressText = (c) => fmt(T.sent_of, { sent: c.stats.sent, total: c.stats.total });

// ------------------------------------------------------------- live updates
const streamUp = () => $("#live")?.dataset.state === "online";

// One run at a time; asked again meanwhile, it runs once more after (never piles up).
// ``gapMs`` spaces the runs out.
function coalesced(run, gapMs = 0) {
  let busy = false;
  let again = false;
  let last = 0;
  let timer = null;
  const go = async () => {
    if (busy) { again = true; return; }
    const wait = last + gapMs - Date.now();
    if (wait > 0) {
      timer ??= setTimeout(() => { timer = null; go(); }, wait);
      return;
    }
    busy = true;
    last = Date.now();
    try {
      await run();
    } finally {
      busy = false;
      if (again) { again = false; go(); }
    }
  };
  return go;
}

// ``onProgress(notice)`` for every campaign.progress; ``onAny()`` when the stream is
// back after a loss and every FALLBACK_POLL_MS while it is down.
function followLive({ onProgress, onMessage, onAny }) {
  document.addEventListener("balcao:notice", (event) => {
    const notice = event.detail;
    if (notice.event === "campaign.progress") onProgress(notice);
    else if (onMessage && notice.event.startsWith("message.")) onMessage(notice);
  });
  document.addEventListener("balcao:resync", () => onAny());
  setInterval(() => { if (!streamUp()) onAny(); }, FALLBACK_POLL_MS);
}

// ------------------------------------------------------------- list
async function showList() {
  const body = $("#campaigns tbody");
  let page;
  try {
    page = await call("GET", `${API}?limit=100`);
  } catch (error) {
    showError(say(error));
    return;
  }
  body.replaceChildren();
  if (!page.data.length) body.append(el("tr", {}, el("td", { colspan: 4, class: "muted", id: "camp-empty", text: T.empty })));
  for (const c of page.data) {
    const pct = c.stats.total ? Math.round((100 * c.stats.sent) / c.stats.total) : 0;
    const name = el("td", { "data-label": T.name }, el("a", { href: `/inbox/campaigns/${c.id}`, text: c.name }));
    const status = el("td", { "data-label": T.status }, statusBadge(c));
    if (c.statusReason) status.append(el("div", { class: "small campreason", text: reasonLine(c) }));
    const progress = el("td", { "data-label": T.progress },
      el("div", { class: "campbar campbar--thin" }, el("span", { style: `width:${pct}%` })),
      el("span", { class: "small", text: progressText(c) }));
    const actions = el("td", { class: "table__actions" }, actionButtons(c, () => showList()));
    body.append(el("tr", { id: `camp-${c.id}`, "data-status": c.status }, name, status, progress, actions));
  }
}

function followList() {
  // Redrawn at most every 2 s: a list of running campaigns hears a notice a second each.
  const refresh = coalesced(() => showList(), 2000);
  followLive({ onProgress: refresh, onAny: refresh });
}

// ------------------------------------------------------------- detail
let recipientsPage = 1;

async function loadRecipients(reset) {
  const id = boot.campaignId;
  const status = $("#recipient-filter").value;
  if (reset) recipientsPage = 1;
  const query = new URLSearchParams({ page: recipientsPage, limit: 50 });
  if (status) query.set("status", status);
  const csv = new URLSearchParams(status ? { status } : {});
  $("#camp-csv").href = `${API}/${id}/recipients.csv${status ? `?${csv}` : ""}`;
  try {
    const page = await call("GET", `${API}/${id}/recipients?${query}`);
    const rows = page.data || page;
    const body = $("#camp-recipients tbody");
    if (reset) body.replaceChildren();
    if (reset && !rows.length) body.append(el("tr", {}, el("td", { colspan: 5, class: "muted", text: T.no_recipients })));
    for (const r of rows) {
      const st = el("td", { "data-label": T.status }, el("span", { class: `pill rs--${r.status.toLowerCase()}`, text: T[`rs.${r.status}`] || r.status }));
      if (r.reason || r.error) st.append(el("div", { class: "small muted", text: r.reason || r.error }));
      body.append(el("tr", {},
        el("td", { "data-label": T.contact, text: r.name || "—" }),
        el("td", { "data-label": T.phone, text: formatPhone(r.phoneNumber || "") }),
        st,
        el("td", { "data-label": "#", text: r.variant === null || r.variant === undefined ? "—" : String(r.variant + 1) }),
        el("td", { "data-label": T.when, text: r.sentAt ? new Date(r.sentAt).toLocaleString(boot.lang) : "—" })));
    }
    const more = page.pagination && page.pagination.page < page.pagination.pages;
    $("#recipients-more").hidden = !more;
  } catch (error) {
    showError(say(error));
  }
}

const pctText = (x) => `${Math.round((x || 0) * 1000) / 10}%`;

async function loadReport() {
  try {
    const report = await call("GET", `${API}/${boot.campaignId}/report`);
    const f = report.funnel;
    $("#camp-funnel").replaceChildren(
      ...[["delivery", f.deliveryRate], ["read", f.readRate], ["reply", f.replyRate]].map(([k, v]) =>
        el("div", { class: "funnel__row" }, el("span", { class: "funnel__label", text: T[`rate.${k}`] }),
          el("span", { class: "campbar" }, el("span", { style: `width:${Math.min(100, (v || 0) * 100)}%` })),
          el("b", { text: pctText(v) }))));
    $("#camp-variants tbody").replaceChildren(...report.variants.map((v) => el("tr", {},
      el("td", { "data-label": "#", text: fmt(T.variant, { n: v.variant + 1 }) }),
      ...["sent", "delivered", "read", "replied", "failed"].map((k) => el("td", { "data-label": T[`stat.${k}`], text: String(v.stats[k]) })))));
    const failures = $("#camp-failures tbody");
    failures.replaceChildren(...report.failures.map((g) => el("tr", {},
      el("td", { "data-label": T.status, text: T[`rs.${g.status}`] || g.status }),
      el("td", { "data-label": T.cause, text: g.cause }),
      el("td", { "data-label": T.count, text: String(g.count) }))));
    if (!report.failures.length) failures.append(el("tr", {}, el("td", { colspan: 3, class: "muted", text: T.no_failures })));
  } catch (error) {
    showError(say(error));
  }
}

let lastStatus = null;

function drawCampaign(c) {
  $("#camp-name").textContent = c.name;
  $("#camp-status").replaceChildren(statusBadge(c));
  const reason = $("#camp-reason");
  reason.textContent = reasonLine(c);
  reason.hidden = !c.statusReason;
  for (const dd of $$("[data-stat]")) dd.textContent = String(c.stats[dd.dataset.stat] ?? 0);
  $("#camp-bar").style.width = `${c.stats.total ? (100 * c.stats.sent) / c.stats.total : 0}%`;
  $("#camp-actions").replaceChildren(actionButtons(c, drawCampaign));
  drawLive(c.status);
  if (lastStatus !== null && lastStatus !== c.status) { loadReport(); loadRecipients(true); }
  lastStatus = c.status;
}

function drawLive(status = lastStatus) {
  const live = $("#camp-live");
  live.hidden = status !== "RUNNING";
  const down = $("#live")?.dataset.state === "offline";
  live.dataset.stream = down ? "offline" : "online";
  live.textContent = down ? T.live_offline : T.live;
}

const refreshDetail = coalesced(async () => {
  try {
    drawCampaign(await call("GET", `${API}/${boot.campaignId}`));
    await loadReport();
  } catch (error) {
    showError(say(error));
  }
});

function followDetail() {
  const quiet = () => lastStatus === null || lastStatus === "DRAFT";
  const afterSending = coalesced(refreshDetail, MESSAGE_REFRESH_GAP_MS);
  followLive({
    onProgress: (notice) => notice.id === boot.campaignId && refreshDetail(),
    onMessage: () => !quiet() && afterSending(),
    onAny: () => !quiet() && refreshDetail(),
  });
  // The stream's state shows beside the counters (inbox.js keeps #live's data-state).
  const indicator = $("#live");
  if (indicator) new MutationObserver(() => drawLive()).observe(indicator, { attributes: true, attributeFilter: ["data-state"] });
}

async function showDetail() {
  try {
    drawCampaign(await call("GET", `${API}/${boot.campaignId}`));
  } catch (error) {
    showError(say(error));
  }
  loadReport();
  loadRecipients(true);
  $("#recipient-filter").addEventListener("change", () => loadRecipients(true));
  $("#recipients-more").addEventListener("click", () => { recipientsPage += 1; loadRecipients(false); });
  followDetail();
}

// ------------------------------------------------------------- form
const STEPS = ["audience", "copy", "schedule", "pacing", "review"];
let step = 0;
let savedId = boot.campaignId;
let media = null; // {mediaKey, name}
let lists = [];
let numbers = []; // connections in the chosen order: [{id, name, chosen}]

const form = $("#camp-form");

function goStep(i) {
  step = Math.max(0, Math.min(STEPS.length - 1, i));
  for (const s of $$("[data-step]", form)) s.hidden = s.dataset.step !== STEPS[step];
  for (const b of $$("[data-step-go]")) {
    if (b.dataset.stepGo === STEPS[step]) b.setAttribute("aria-current", "step");
    else b.removeAttribute("aria-current");
  }
  $("#step-back").disabled = step === 0;
  $("#step-next").hidden = step === STEPS.length - 1;
  if (STEPS[step] === "review") drawReview();
  if (STEPS[step] === "pacing") drawEstimate();
}

function variantBoxes() { return $$("[data-variant] textarea", form); }

function addVariant(text = "") {
  const box = $("#camp-variants-edit");
  if (box.children.length >= 5) return;
  const n = box.children.length + 1;
  const area = el("textarea", { rows: 4, maxlength: 4096, "aria-label": fmt(T.variant, { n }) });
  area.value = text;
  const remove = el("button", { class: "btn btn--small", type: "button", text: T.remove });
  const item = el("div", { class: "campvariant", "data-variant": "" },
    el("div", { class: "campvariant__head" }, el("b", { text: fmt(T.variant, { n }) }), remove), area);
  remove.addEventListener("click", () => { if (box.children.length > 1) { item.remove(); renumber(); drawPreview(); } });
  area.addEventListener("input", () => { dirty = true; drawPreview(); });
  area.addEventListener("focus", () => { lastArea = area; drawPreview(); });
  box.append(item);
  renumber();
}

function renumber() {
  $$("[data-variant]", form).forEach((item, i) => {
    $("b", item).textContent = fmt(T.variant, { n: i + 1 });
    $("textarea", item).setAttribute("aria-label", fmt(T.variant, { n: i + 1 }));
  });
  $("#variant-add").disabled = $("#camp-variants-edit").children.length >= 5;
}

let lastArea = null;
let dirty = true; // the copy differs from the saved draft: the client-side preview is the one

// As the sender would fill it for a sample contact (the server's preview is the truth).
function renderSample(text) {
  const now = new Date();
  const hour = now.getHours();
  const sample = {
    nome: T.sample_name, primeiro_nome: T.sample_name.split(" ")[0],
    saudacao: hour < 12 ? "bom dia" : hour < 18 ? "boa tarde" : "boa noite",
    dia_semana: now.toLocaleDateString("pt-BR", { weekday: "long" }),
    data: now.toLocaleDateString("pt-BR"), telefone: "+55 11 98888-7777",
  };
  let out = text.replace(/\{\{\s*([\w]+)\s*(?:\|([^}]*))?\}\}/g, (all, key, fallback) => sample[key] ?? fallback ?? `[${key}]`);
  out = out.replace(/\{([^{}]*\|[^{}]*)\}/g, (all, options) => options.split("|")[0]);
  return out;
}

function bubble(text) {
  const time = new Date().toLocaleTimeString(boot.lang, { hour: "2-digit", minute: "2-digit" });
  const b = el("div", { class: "bubble bubble--out" });
  if (media) b.append(el("div", { class: "bubble__media", text: `📎 ${media.name}` }));
  b.append(el("div", { class: "bubble__text", text }), el("span", { class: "bubble__time", text: `${time} ✓✓` }));
  return b;
}

function drawPreview() {
  const chat = $("#camp-preview");
  const gate = form.elements.replyGate.value.trim();
  const area = lastArea && lastArea.isConnected ? lastArea : variantBoxes()[0];
  const items = [];
  if (gate) items.push(bubble(renderSample(gate)));
  items.push(bubble(renderSample(area ? area.value : "")));
  chat.replaceChildren(...items);
  if (savedId && area && !gate && !dirty) serverPreview();
}

let previewContact;
let previewTimer = null;
function serverPreview() {
  clearTimeout(previewTimer);
  previewTimer = setTimeout(async () => {
    if (previewContact === undefined) {
      previewContact = null;
      for (const id of chosenLists()) {
        const page = await call("GET", `/api/v1/contact-lists/${id}/contacts?limit=1`).catch(() => null);
        const first = page && (page.data || page)[0];
        if (first) { previewContact = first; break; }
      }
    }
    if (!previewContact) return; // the saved draft as it would go now, for a real contact
    const shown = await call("GET", `${API}/${savedId}/preview?contactId=${previewContact.id}`).catch(() => null);
    if (!shown) return;
    $("#camp-preview").replaceChildren(bubble(shown.text));
    $("#camp-preview-note").textContent = fmt(T.preview_server, { name: previewContact.name || formatPhone(previewContact.phoneNumber) });
  }, 400);
}

function chosenLists() { return $$("#camp-lists input:checked").map((b) => b.value); }

function drawNumbers() {
  const box = $("#camp-numbers");
  box.replaceChildren();
  if (!numbers.length) box.append(el("li", { class: "muted", text: T.no_numbers }));
  const firstChosen = numbers.find((n) => n.chosen);
  numbers.forEach((n, i) => {
    const check = el("input", { type: "checkbox", value: n.id, checked: n.chosen });
    check.addEventListener("change", () => { n.chosen = check.checked; drawNumbers(); });
    const up = el("button", { class: "btn btn--small", type: "button", text: "↑", "aria-label": `${T.up}: ${n.name}`, disabled: i === 0 });
    up.addEventListener("click", () => { [numbers[i - 1], numbers[i]] = [numbers[i], numbers[i - 1]]; drawNumbers(); });
    const label = el("label", { class: "check" }, check, ` ${n.name}`);
    if (n === firstChosen) label.append(el("span", { class: "pill pill--on", text: T.primary }));
    box.append(el("li", {}, label, up));
  });
}

function addWindow(w = { days: ["MON", "TUE", "WED", "THU", "FRI"], start: "09:00", end: "18:00" }) {
  const row = el("div", { class: "campwindow", "data-window": "" });
  const days = el("div", { class: "campdays" }, ...DAYS.map((d) =>
    el("label", { class: "campday" }, el("input", { type: "checkbox", value: d, checked: w.days.includes(d) }), T[`day.${d}`])));
  const start = el("input", { type: "time", value: w.start, "data-w": "start", "aria-label": T.from });
  const end = el("input", { type: "time", value: w.end, "data-w": "end", "aria-label": T.to });
  const remove = el("button", { class: "btn btn--small", type: "button", text: T.remove });
  remove.addEventListener("click", () => row.remove());
  row.append(days, el("span", { class: "camptimes" }, T.from, " ", start, " ", T.to, " ", end), remove);
  $("#camp-windows").append(row);
}

// datetime-local holds the browser's wall-clock time, not UTC.
const toLocalInput = (iso) => {
  if (!iso) return "";
  const d = new Date(iso);
  d.setMinutes(d.getMinutes() - d.getTimezoneOffset());
  return d.toISOString().slice(0, 16);
};
const fromLocalInput = (value) => (value ? new Date(value).toISOString() : null);
const num = (name, fallback) => {
  const v = form.elements[name].value.trim();
  return v === "" ? fallback : Number(v);
};

function readForm() {
  const f = form.elements;
  const texts = variantBoxes().map((a) => a.value);
  const messages = texts.map((text, i) => (media && i === 0 ? { text, media: { mediaKey: media.mediaKey } } : { text }));
  if (media) for (const m of messages) m.media = { mediaKey: media.mediaKey };
  const gate = f.replyGate.value.trim();
  return {
    name: f.name.value.trim(),
    contactListIds: chosenLists(),
    connectionIds: numbers.filter((n) => n.chosen).map((n) => n.id),
    messages,
    replyGate: gate ? { text: gate } : null,
    schedule: {
      startAt: f.startNow.checked ? null : fromLocalInput(f.startAt.value),
      timezone: f.timezone.value.trim() || boot.timezone,
      windows: $$("[data-window]").map((row) => ({
        days: $$(".campday input:checked", row).map((b) => b.value),
        start: $("[data-w=start]", row).value,
        end: $("[data-w=end]", row).value,
      })),
      skipHolidays: f.skipHolidays.checked,
      holidaySubdivision: f.holidaySubdivision.value.trim().toUpperCase() || null,
      validUntil: fromLocalInput(f.validUntil.value),
    },
    pacing: {
      minDelaySeconds: num("minDelaySeconds", 0),
      maxDelaySeconds: num("maxDelaySeconds", 0),
      pauseEvery: num("pauseEvery", 0),
      pauseSeconds: num("pauseSeconds", 0),
      dailyCapPerConnection: f.dailyCapPerConnection.value.trim() === "" || num("dailyCapPerConnection", 0) === 0 ? null : num("dailyCapPerConnection", 0),
      warmUp: f.warmUp.checked,
    },
  };
}

function fill(c) {
  const f = form.elements;
  f.name.value = c.name;
  for (const b of $$("#camp-lists input")) b.checked = c.contactListIds.includes(b.value);
  const order = new Map(c.connectionIds.map((id, i) => [id, i]));
  for (const n of numbers) n.chosen = order.has(n.id);
  numbers.sort((a, b) => (order.get(a.id) ?? 99) - (order.get(b.id) ?? 99));
  drawNumbers();
  $("#camp-variants-edit").replaceChildren();
  for (const m of c.messages) addVariant(m.text);
  const firstMedia = c.messages.find((m) => m.media && m.media.mediaKey);
  if (firstMedia) setMedia({ mediaKey: firstMedia.media.mediaKey, name: firstMedia.media.mediaKey });
  f.replyGate.value = c.replyGate ? c.replyGate.text : "";
  const s = c.schedule;
  f.startNow.checked = !s.startAt;
  f.startAt.value = toLocalInput(s.startAt);
  f.timezone.value = s.timezone || boot.timezone;
  $("#camp-windows").replaceChildren();
  for (const w of s.windows) addWindow(w);
  f.skipHolidays.checked = s.skipHolidays;
  f.holidaySubdivision.value = s.holidaySubdivision || "";
  f.validUntil.value = toLocalInput(s.validUntil);
  const p = c.pacing;
  for (const k of ["minDelaySeconds", "maxDelaySeconds", "pauseEvery", "pauseSeconds"]) f[k].value = p[k];
  f.dailyCapPerConnection.value = p.dailyCapPerConnection ?? "";
  f.warmUp.checked = p.warmUp;
  syncLater();
}

function problems(body) {
  if (!body.name) return T["err.no_name"];
  if (!body.contactListIds.length) return T["err.no_lists"];
  if (!body.connectionIds.length) return T["err.no_numbers"];
  if (body.messages.some((m) => !m.text.trim())) return T["err.no_text"];
  return "";
}

async function save() {
  const body = readForm();
  const problem = problems(body);
  if (problem) { showError(problem); return null; }
  try {
    const saved = savedId ? await call("PATCH", `${API}/${savedId}`, body) : await call("POST", API, body);
    savedId = saved.id;
    history.replaceState(null, "", `/inbox/campaigns/${saved.id}/edit`);
    showError("");
    toast(T.saved);
    dirty = false;
    drawPreview();
    return saved;
  } catch (error) {
    showError(say(error));
    return null;
  }
}

function drawReview() {
  const body = readForm();
  const names = (ids, from) => ids.map((id) => (from.find((x) => x.id === id) || {}).name || id).join(", ") || "—";
  const rows = [
    [T.name, body.name || "—"],
    [T.review_lists, names(body.contactListIds, lists)],
    [T.review_numbers, names(body.connectionIds, numbers)],
    [T.review_variants, String(body.messages.length)],
    [T.review_start, body.schedule.startAt ? new Date(body.schedule.startAt).toLocaleString(boot.lang) : T.now],
  ];
  $("#camp-review").replaceChildren(...rows.flatMap(([k, v]) => [el("dt", { text: k }), el("dd", { text: v })]));
}

function drawEstimate() {
  const p = readForm().pacing;
  const mean = (p.minDelaySeconds + p.maxDelaySeconds) / 2;
  const perBlock = p.pauseEvery > 0 ? p.pauseEvery * mean + p.pauseSeconds : 0;
  const perHour = mean <= 0 ? "∞" : String(Math.round(p.pauseEvery > 0 ? (3600 * p.pauseEvery) / perBlock : 3600 / mean));
  $("#camp-estimate").textContent = fmt(T.pacing_estimate, { n: perHour });
}

function syncLater() { $("[data-when-later]").hidden = form.elements.startNow.checked; }

function setMedia(m) {
  media = m;
  const state = $("#camp-media-state");
  state.hidden = !m;
  if (m) $("span", state).textContent = fmt(T.media_done, { name: m.name });
  drawPreview();
}

async function upload(file) {
  const data = new FormData();
  data.append("file", file);
  const response = await fetch("/api/v1/media", { method: "POST", body: data, credentials: "same-origin", headers: { "X-Balcao-Inbox": "1" } });
  const payload = await response.json().catch(() => ({}));
  if (!response.ok) throw new window.Balcao.ApiError(response.status, payload);
  return payload;
}

async function loadHolidays() {
  const uf = form.elements.holidaySubdivision.value.trim().toUpperCase();
  const query = new URLSearchParams({ year: new Date().getFullYear() });
  if (/^[A-Z]{2}$/.test(uf)) query.set("subdivision", uf);
  const found = await call("GET", `/api/v1/holidays?${query}`).catch(() => null);
  if (!found) return;
  const today = new Date().toISOString().slice(0, 10);
  const next = (found.data || found).filter((h) => h.date >= today).slice(0, 3);
  $("#camp-holidays").textContent = next.length ? fmt(T.holidays_next, { list: next.map((h) => `${h.date.slice(8, 10)}/${h.date.slice(5, 7)} ${h.name}`).join(" · ") }) : "";
}

async function showForm() {
  const [listPage, connPage] = await Promise.all([
    call("GET", "/api/v1/contact-lists?limit=100").catch((e) => { showError(say(e)); return { data: [] }; }),
    call("GET", "/api/v1/connections?limit=100").catch((e) => { showError(say(e)); return { data: [] }; }),
  ]);
  lists = listPage.data || listPage;
  const listBox = $("#camp-lists");
  listBox.replaceChildren(...lists.map((l) => el("label", { class: "check" },
    el("input", { type: "checkbox", value: l.id }), ` ${l.name} `, el("span", { class: "muted small", text: fmt(T.contacts_n, { n: l.contactCount }) }))));
  if (!lists.length) listBox.append(el("span", { class: "muted", text: T.no_lists }));
  numbers = (connPage.data || connPage).map((c) => ({ id: c.id, name: c.name, chosen: false }));
  if (numbers.length === 1) numbers[0].chosen = true;
  drawNumbers();
  listBox.addEventListener("change", () => { previewContact = undefined; });

  if (savedId) {
    try { fill(await call("GET", `${API}/${savedId}`)); } catch (error) { showError(say(error)); }
  } else {
    addVariant();
  }
  drawPreview();
  loadHolidays();

  $("#variant-add").addEventListener("click", () => { addVariant(); variantBoxes().at(-1).focus(); });
  $("#window-add").addEventListener("click", () => addWindow());
  form.elements.replyGate.addEventListener("input", drawPreview);
  form.elements.startNow.addEventListener("change", syncLater);
  form.elements.holidaySubdivision.addEventListener("change", loadHolidays);
  for (const b of $$("[data-insert]")) b.addEventListener("click", () => {
    const area = lastArea && lastArea.isConnected ? lastArea : variantBoxes()[0];
    const at = area.selectionStart ?? area.value.length;
    area.value = area.value.slice(0, at) + b.dataset.insert + area.value.slice(area.selectionEnd ?? at);
    area.focus();
    drawPreview();
  });
  for (const b of $$("[data-step-go]")) b.addEventListener("click", () => goStep(STEPS.indexOf(b.dataset.stepGo)));
  $("#step-back").addEventListener("click", () => goStep(step - 1));
  $("#step-next").addEventListener("click", () => goStep(step + 1));
  form.addEventListener("submit", async (event) => { event.preventDefault(); await save(); });
  $("#camp-save-start").addEventListener("click", async () => {
    const saved = await save();
    if (!saved) return;
    try {
      if (saved.status === "DRAFT") await call("POST", `${API}/${saved.id}/start`);
      else if (saved.status === "PAUSED") await call("POST", `${API}/${saved.id}/resume`);
      location.assign(`/inbox/campaigns/${saved.id}`);
    } catch (error) {
      showError(say(error));
    }
  });
  $("#camp-media").addEventListener("change", async (event) => {
    const file = event.target.files[0];
    if (!file) return;
    try {
      const up = await upload(file);
      setMedia({ mediaKey: up.mediaKey, name: file.name });
    } catch (error) {
      showError(say(error));
      event.target.value = "";
    }
  });
  $("#camp-media-remove").addEventListener("click", () => { $("#camp-media").value = ""; setMedia(null); });

  const aiDialog = $("#ai-dialog");
  $("#ai-open").addEventListener("click", () => { $("[data-error]", aiDialog).hidden = true; aiDialog.showModal(); });
  $("form", aiDialog).addEventListener("submit", async (event) => {
    event.preventDefault();
    const f = event.target.elements;
    const count = Math.max(1, variantBoxes().length);
    try {
      const out = await call("POST", `${API}/ai-copy`, { brief: f.brief.value.trim(), variants: count, tone: f.tone.value.trim() || null });
      $("#camp-variants-edit").replaceChildren();
      for (const text of out.messages.slice(0, 5)) addVariant(text);
      aiDialog.close();
      toast(T.ai_done);
      drawPreview();
    } catch (error) {
      const box = $("[data-error]", aiDialog);
      box.textContent = say(error);
      box.hidden = false;
    }
  });
  goStep(0);
}

const views = { list: () => { followList(); return showList(); }, detail: showDetail, form: showForm };
views[boot.view]?.();
