// Balcão inbox: server-rendered HTML, refreshed in place from live notices.
// Changes go through the public REST API (cookie + X-Balcao-Inbox header);
// the page only asks the server for the fragments it shows.

const boot = JSON.parse(document.getElementById("boot").textContent);
const S = boot.strings;
const { $, $$, api, toast } = window.Balcao;

function fail(error) {
  if (error.status === 401) return;
  toast(error.status === 403 ? S.forbidden : error.message || S.generic, "error");
}

function fragment(html) {
  const template = document.createElement("template");
  template.innerHTML = html;
  return template.content;
}

// Replace an element by fresh HTML without losing the keyboard focus inside it.
function replaceKeepingFocus(el, html) {
  const focused = document.activeElement;
  const focusId = focused && el.contains(focused) ? focused.id || focused.dataset.action : null;
  const fresh = fragment(html);
  const first = fresh.firstElementChild;
  el.replaceWith(fresh);
  if (focusId && first) {
    const again = document.getElementById(focusId) || first.querySelector(`[data-action="${focusId}"]`);
    (again || first).focus({ preventScroll: true });
  }
  return first;
}

// ---------------------------------------------------------------- queue
const queue = {
  form: () => $("#queue-filters"),
  list: () => $("#queue-list"),
  query(extra = {}) {
    const form = this.form();
    const params = new URLSearchParams();
    if (!form) return params;
    for (const [key, value] of new FormData(form)) if (value !== "") params.set(key, value);
    for (const [key, value] of Object.entries(extra)) if (value !== null && value !== undefined) params.set(key, value);
    return params;
  },
  status() {
    return (this.form() && new FormData(this.form()).get("status")) || "QUEUED";
  },
  async reload() {
    const list = this.list();
    if (!list) return;
    const params = this.query({ open: pane.id() });
    list.innerHTML = await api.get(`/inbox/queue?${params}`);
    waits();
    const url = new URL(location.href);
    url.search = this.query().toString();
    history.replaceState(history.state, "", url);
    this.counts();
  },
  async more(button) {
    const params = this.query({ page: button.dataset.page, open: pane.id() });
    const html = await api.get(`/inbox/queue?${params}`);
    button.replaceWith(fragment(html));
    waits();
  },
  countsTimer: null,
  counts() {
    clearTimeout(this.countsTimer);
    this.countsTimer = setTimeout(async () => {
      const params = this.query();
      params.delete("status");
      const counts = await api.get(`/inbox/queue/counts?${params}`).catch(() => null);
      if (!counts) return;
      for (const el of $$("[data-count]")) el.textContent = counts[el.dataset.count] ?? 0;
    }, 300);
  },
  async refreshRow(sessionId) {
    const list = this.list();
    if (!list) return;
    const params = this.query({ open: pane.id() });
    const html = await api.get(`/inbox/queue/rows/${sessionId}?${params}`).catch(() => undefined);
    if (html === undefined) return;
    const existing = document.getElementById(`q-${sessionId}`);
    if (html === null) {
      existing && existing.remove();
    } else if (existing) {
      const row = replaceKeepingFocus(existing, html);
      if (this.status() !== "QUEUED" && row && row !== list.firstElementChild) list.prepend(row);
    } else {
      const row = fragment(html).firstElementChild;
      row.classList.add("is-new");
      $("#queue-empty")?.remove();
      const more = $(".queue__more", list);
      if (this.status() === "QUEUED") more ? more.before(row) : list.append(row);
      else list.prepend(row);
    }
    waits();
    this.counts();
  },
  rows: () => $$(".qrow", queue.list() || document),
  move(step) {
    const rows = this.rows();
    if (!rows.length) return;
    const current = rows.findIndex((r) => r.dataset.id === pane.id());
    const next = rows[Math.min(rows.length - 1, Math.max(0, current + step))] || rows[0];
    openSession(next.dataset.id, { focusRow: true });
  },
  mark(sessionId) {
    for (const row of this.rows()) row.classList.toggle("is-open", row.dataset.id === sessionId);
  },
};

// ---------------------------------------------------------------- the open conversation
const drafts = new Map();
const pane = {
  el: () => $("#pane"),
  id: () => $("#pane")?.dataset.session || null,
  timeline: () => $("#timeline"),
  newest() {
    const items = $$("[data-at]", this.timeline() || document);
    return items.length ? items[items.length - 1].dataset.at : null;
  },
  nearBottom() {
    const t = this.timeline();
    return !t || t.scrollHeight - t.scrollTop - t.clientHeight < 120;
  },
  scrollDown() {
    const t = this.timeline();
    if (t) t.scrollTop = t.scrollHeight;
  },
  async refreshHeader() {
    const id = this.id();
    const head = $("#conv-head");
    if (!id || !head) return;
    const html = await api.get(`/inbox/s/${id}/header`);
    if (this.id() !== id) return;
    // A live refresh must not close the menu the agent has open, nor lose what they typed.
    const open = $$("details[open]", head).map((d) => d.id).filter(Boolean);
    const focused = head.contains(document.activeElement) ? document.activeElement : null;
    const typed = focused && focused.name ? [focused.name, focused.value] : null;
    const action = focused ? focused.dataset.action : null;
    head.innerHTML = html;
    for (const id of open) document.getElementById(id)?.setAttribute("open", "");
    if (typed) {
      const input = $(`[name="${typed[0]}"]`, head);
      if (input) {
        input.value = typed[1];
        input.focus({ preventScroll: true });
      }
    } else if (action) $(`[data-action="${action}"]`, head)?.focus({ preventScroll: true });
    countdowns();
  },
  async refreshContact() {
    const id = this.id();
    const panel = $("#contact-panel");
    if (!id || !panel) return;
    const html = await api.get(`/inbox/s/${id}/contact`);
    if (this.id() === id) panel.innerHTML = html;
  },
  async refreshTimeline() {
    const id = this.id();
    const timeline = this.timeline();
    if (!id || !timeline) return;
    const since = this.newest();
    const stick = this.nearBottom();
    const url = since ? `/inbox/s/${id}/timeline?since=${encodeURIComponent(since)}` : `/inbox/s/${id}/timeline`;
    const html = await api.get(url);
    if (this.id() !== id) return;
    for (const el of [...fragment(html).children]) {
      if (!el.id) continue;
      const old = document.getElementById(el.id);
      if (old) {
        old.replaceWith(el);
      } else {
        el.classList.add("is-new");
        timeline.append(el);
      }
    }
    if (stick) this.scrollDown();
  },
  async refreshMessage(messageId) {
    const el = document.getElementById(`m-${messageId}`);
    if (!el) return;
    const html = await api.get(`/inbox/m/${messageId}`);
    const current = document.getElementById(`m-${messageId}`);
    if (current) current.replaceWith(fragment(html));
  },
  async older(button) {
    const id = this.id();
    const timeline = this.timeline();
    const html = await api.get(`/inbox/s/${id}/timeline?before=${encodeURIComponent(button.dataset.before)}`);
    const height = timeline.scrollHeight;
    button.replaceWith(fragment(html));
    timeline.scrollTop += timeline.scrollHeight - height;
  },
};

async function openSession(sessionId, { push = true, focusRow = false } = {}) {
  const previous = pane.id();
  const text = $("#composer-text");
  if (previous && text) drafts.set(previous, text.value);
  const html = await api.get(`/inbox/s/${sessionId}/pane`).catch(fail);
  if (html === undefined) return;
  $("#conv").innerHTML = html;
  $("#inbox")?.classList.add("has-conv");
  queue.mark(sessionId);
  const draft = drafts.get(sessionId);
  if (draft && $("#composer-text")) $("#composer-text").value = draft;
  if (push) {
    const url = `/inbox/s/${sessionId}?${queue.query()}`;
    history.pushState({ sessionId }, "", url);
  }
  const name = $("#pane h2")?.textContent;
  if (name) document.title = `${name} · Balcão`;
  pane.scrollDown();
  countdowns();
  if (focusRow) document.getElementById(`q-${sessionId}`)?.focus({ preventScroll: false });
}

function closePane() {
  $("#inbox")?.classList.remove("has-conv");
  history.pushState({}, "", `/inbox?${queue.query()}`);
}

// ---------------------------------------------------------------- composer
const composer = {
  el: () => $("#composer"),
  text: () => $("#composer-text"),
  mode(mode) {
    const form = this.el();
    if (!form) return;
    form.dataset.mode = mode;
    for (const tab of $$(".composer__tabs [data-mode]", form)) tab.setAttribute("aria-selected", String(tab.dataset.mode === mode));
    const text = this.text();
    text.placeholder = text.dataset[mode === "note" ? "placeholderNote" : "placeholderReply"];
    const send = $("#composer-send");
    send.textContent = send.dataset[mode === "note" ? "labelNote" : "labelReply"];
  },
  focus(mode) {
    if (!this.el()) return;
    this.mode(mode);
    this.text().focus();
  },
  sending: false,
  async submit() {
    const form = this.el();
    const text = this.text();
    const value = text.value.trim();
    if (!form || !value || this.sending) return;
    const sessionId = pane.id();
    this.sending = true;
    $("#composer-send").disabled = true;
    try {
      if (form.dataset.mode === "note") {
        await api.post(`/api/v1/sessions/${sessionId}/notes`, { text: value });
        toast(S.note);
      } else {
        await api.post("/api/v1/messages", {
          sessionId,
          type: "TEXT",
          author: "AGENT",
          content: { text: value },
        });
        toast(S.sent);
      }
      text.value = "";
      drafts.delete(sessionId);
      await pane.refreshTimeline();
      pane.scrollDown();
    } catch (error) {
      fail(error);
    } finally {
      this.sending = false;
      const send = $("#composer-send");
      if (send) send.disabled = false;
    }
  },
};

// Quick replies: "/" at the start of the reply opens the list.
const quick = {
  cache: new Map(),
  items: [],
  index: 0,
  box: () => $("#quick"),
  async update() {
    const text = composer.text();
    if (!text || !this.box()) return;
    if (!/^\/\S*$/.test(text.value)) return this.hide();
    const sessionId = pane.id();
    if (!this.cache.has(sessionId)) {
      this.cache.set(sessionId, await api.get(`/inbox/s/${sessionId}/quick-replies`).catch(() => []));
    }
    // Read the text again: the agent kept typing (or picked a reply) while we fetched.
    const match = /^\/(\S*)$/.exec(composer.text()?.value || "");
    if (!match || composer.el().dataset.mode !== "reply" || pane.id() !== sessionId) return this.hide();
    const wanted = match[1].toLowerCase();
    this.items = this.cache.get(sessionId).filter((r) => r.shortcut.startsWith(wanted));
    this.index = 0;
    this.render();
  },
  render() {
    const box = this.box();
    box.innerHTML = "";
    if (!this.items.length) {
      const li = document.createElement("li");
      li.textContent = S.noQuickReplies;
      box.append(li);
    }
    this.items.forEach((item, i) => {
      const li = document.createElement("li");
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", String(i === this.index));
      li.dataset.index = i;
      const b = document.createElement("b");
      b.textContent = "/" + item.shortcut;
      const span = document.createElement("span");
      span.textContent = item.text;
      li.append(b, span);
      box.append(li);
    });
    box.hidden = false;
  },
  hide() {
    const box = this.box();
    if (box) box.hidden = true;
    this.items = [];
  },
  open: () => quick.box() && !quick.box().hidden,
  pick(i = this.index) {
    const item = this.items[i];
    if (!item) return;
    const text = composer.text();
    text.value = item.text;
    text.focus();
    text.setSelectionRange(text.value.length, text.value.length);
    this.hide();
  },
  key(event) {
    if (!this.open()) return false;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      const step = event.key === "ArrowDown" ? 1 : -1;
      this.index = (this.index + step + this.items.length) % Math.max(1, this.items.length);
      this.render();
      return true;
    }
    if ((event.key === "Enter" || event.key === "Tab") && this.items.length) {
      this.pick();
      return true;
    }
    if (event.key === "Escape") {
      this.hide();
      return true;
    }
    return false;
  },
};

// ---------------------------------------------------------------- session actions
async function act(promise, { header = true, contact = false } = {}) {
  try {
    await promise;
    if (header) await pane.refreshHeader();
    if (contact) await pane.refreshContact();
    return true;
  } catch (error) {
    fail(error);
    return false;
  }
}

const actions = {
  "block-ai": (el) => blockAi(Number(el.dataset.minutes)),
  "unblock-ai": () => act(api.post(`/api/v1/sessions/${pane.id()}/unblock-ai`)),
  take: () => act(api.post(`/api/v1/sessions/${pane.id()}/assign`, { agentId: boot.userId })),
  status: (el) => act(api.patch(`/api/v1/sessions/${pane.id()}/status`, { status: el.dataset.status })),
  assign: () => openDialog("assign-dialog"),
  tabulate: () => openDialog("tabulate-dialog"),
  close: () => openDialog("close-dialog"),
  back: () => closePane(),
  "toggle-contact": () => $("#pane")?.classList.toggle("show-contact"),
  more: (el) => queue.more(el).catch(fail),
  older: (el) => pane.older(el).catch(fail),
  help: () => $("#help-dialog")?.showModal(),
  logout: async () => {
    await api.post("/inbox/logout").catch(() => null);
    location.assign("/inbox/login");
  },
  "new-session": async () => {
    const el = pane.el();
    try {
      const created = await api.post("/api/v1/sessions", { contactId: el.dataset.contact, connectionId: el.dataset.connection });
      await openSession(created.id);
      composer.focus("reply");
    } catch (error) {
      if (error.body.code === "session_open" && error.body.extra.sessionId) return openSession(error.body.extra.sessionId);
      fail(error);
    }
  },
  "contact-untag": (el) => act(api.del(`/api/v1/contacts/${pane.el().dataset.contact}/tabulations`, { tabulationIds: [el.dataset.tabulation] }), { header: false, contact: true }),
  "delete-quick-reply": async (el) => {
    try {
      await api.del(`/api/v1/quick-replies/${el.dataset.id}`);
      document.getElementById(`qr-${el.dataset.id}`)?.remove();
      toast(S.saved);
    } catch (error) {
      fail(error);
    }
  },
};

function blockAi(minutes) {
  $("#block-menu")?.removeAttribute("open");
  return act(api.post(`/api/v1/sessions/${pane.id()}/block-ai`, { durationMinutes: minutes, reason: S.blockReason }));
}

function openDialog(id) {
  const dialog = document.getElementById(id);
  if (!dialog) return;
  const state = $("#conv-state");
  const tabs = new Set((state?.dataset.tabs || "").split(",").filter(Boolean));
  for (const box of $$('input[name="tabulation"]', dialog)) box.checked = id === "tabulate-dialog" && tabs.has(box.value);
  const error = $("[data-error]", dialog);
  if (error) error.hidden = true;
  dialog.showModal();
}

function dialogError(form, error) {
  const box = $("[data-error]", form);
  const message = error.body && error.body.code === "tabulation_required" ? S.tabulationRequired : error.message;
  if (box) {
    box.textContent = message;
    box.hidden = false;
  } else fail(error);
}

const forms = {
  async assign(form) {
    const data = new FormData(form);
    const body = {};
    const department = data.get("departmentId");
    const agent = data.get("agentId");
    if (department) body.departmentId = department;
    if (agent === "queue") body.autoAssign = false;
    else if (agent) body.agentId = agent;
    await api.post(`/api/v1/sessions/${pane.id()}/assign`, body);
  },
  async tabulate(form) {
    const chosen = new Set($$('input[name="tabulation"]:checked', form).map((b) => b.value));
    const had = new Set(($("#conv-state")?.dataset.tabs || "").split(",").filter(Boolean));
    const added = [...chosen].filter((id) => !had.has(id));
    const removed = [...had].filter((id) => !chosen.has(id));
    if (added.length) await api.post(`/api/v1/sessions/${pane.id()}/tags`, { tabulationIds: added });
    if (removed.length) await api.del(`/api/v1/sessions/${pane.id()}/tags`, { tabulationIds: removed });
  },
  async close(form) {
    const data = new FormData(form);
    const body = { tabulationIds: data.getAll("tabulation") };
    if (data.get("endReason")) body.endReason = data.get("endReason");
    await api.post(`/api/v1/sessions/${pane.id()}/close`, body);
    await pane.refreshTimeline();
    await pane.refreshContact();
    const closedComposer = await api.get(`/inbox/s/${pane.id()}/pane`);
    $("#conv").innerHTML = closedComposer;
  },
};

async function submitDialog(form, submitter) {
  const dialog = form.closest("dialog");
  if (!submitter || submitter.value !== "ok") return dialog.close();
  submitter.disabled = true;
  try {
    await forms[form.dataset.form](form);
    dialog.close();
    await pane.refreshHeader();
  } catch (error) {
    dialogError(form, error);
  } finally {
    submitter.disabled = false;
  }
}

async function submitQuickReply(form) {
  const data = new FormData(form);
  const body = { shortcut: data.get("shortcut"), content: data.get("content") };
  if (data.get("departmentId")) body.departmentId = data.get("departmentId");
  try {
    await api.post("/api/v1/quick-replies", body);
    location.reload();
  } catch (error) {
    dialogError(form, error);
  }
}

// ---------------------------------------------------------------- time that moves
function formatAgo(seconds) {
  if (seconds < 60) return `${Math.max(0, Math.floor(seconds))}${S.s}`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} ${S.min}`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)} ${S.h}`;
  return `${Math.floor(seconds / 86400)} ${S.d}`;
}
function waits() {
  const now = Date.now();
  for (const el of $$("[data-since]")) {
    const seconds = (now - Date.parse(el.dataset.since)) / 1000;
    const ago = $(".ago", el);
    if (ago) ago.textContent = formatAgo(seconds);
    el.classList.toggle("is-long", seconds > 15 * 60);
  }
}
function countdowns() {
  const now = Date.now();
  for (const el of $$("[data-countdown]")) {
    const left = Math.round((Date.parse(el.dataset.countdown) - now) / 1000);
    if (left <= 0) {
      el.removeAttribute("data-countdown");
      pane.refreshHeader().catch(() => null);
      continue;
    }
    const h = Math.floor(left / 3600);
    const m = Math.floor((left % 3600) / 60);
    const s = String(left % 60).padStart(2, "0");
    el.textContent = h ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
  }
}

// ---------------------------------------------------------------- live notices
function onNotice(notice) {
  const open = pane.id();
  const kind = notice.event.split(".")[0];
  if (notice.event === "message.created" || notice.event === "note.created") {
    if (notice.sessionId === open) pane.refreshTimeline().catch(() => null);
    if (notice.event === "message.created" && notice.sessionId) queue.refreshRow(notice.sessionId).catch(() => null);
  } else if (kind === "message") {
    pane.refreshMessage(notice.id).catch(() => null);
  } else if (kind === "session") {
    queue.refreshRow(notice.sessionId || notice.id).catch(() => null);
    if ((notice.sessionId || notice.id) === open) {
      pane.refreshHeader().catch(() => null);
      pane.refreshContact().catch(() => null);
      pane.refreshTimeline().catch(() => null); // the change joins the session's history
    }
  } else if (kind === "contact") {
    if (pane.el()?.dataset.contact === notice.id) {
      pane.refreshHeader().catch(() => null);
      pane.refreshContact().catch(() => null);
    }
  }
}

function resync() {
  document.dispatchEvent(new CustomEvent("balcao:resync"));
  queue.reload().catch(() => null);
  if (pane.id()) {
    pane.refreshTimeline().catch(() => null);
    pane.refreshHeader().catch(() => null);
  }
}

function connectLive() {
  const indicator = $("#live");
  if (!indicator || !window.EventSource) return;
  const source = new EventSource("/inbox/events");
  let lost = false;
  source.addEventListener("hello", () => {
    indicator.dataset.state = "online";
    indicator.title = S.online;
    if (lost) resync();
    lost = false;
  });
  source.addEventListener("resync", () => lost && resync());
  source.onmessage = (event) => {
    try {
      const notice = JSON.parse(event.data);
      // Pages with a script of their own (settings) listen here rather than open a second stream.
      document.dispatchEvent(new CustomEvent("balcao:notice", { detail: notice }));
      onNotice(notice);
    } catch (_) {
      /* a notice we do not understand is ignored */
    }
  };
  source.onerror = () => {
    lost = true;
    indicator.dataset.state = "offline";
    indicator.title = S.offline;
  };
}

// ---------------------------------------------------------------- phone menu
// Below 760 px the sections are a menu (#topnav-toggle); outside a click or Esc closes it.
function navMenu() {
  const toggle = $("#topnav-toggle");
  if (!toggle) return;
  const bar = toggle.closest(".topbar");
  const open = () => toggle.getAttribute("aria-expanded") === "true";
  const set = (value) => {
    bar.classList.toggle("is-nav-open", value);
    toggle.setAttribute("aria-expanded", String(value));
  };
  toggle.addEventListener("click", () => {
    set(!open());
    if (open()) $("#topnav a")?.focus();
  });
  document.addEventListener("click", (event) => open() && !bar.contains(event.target) && set(false));
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape" || !open()) return;
    set(false);
    toggle.focus();
  });
}

// ---------------------------------------------------------------- wiring
function typing(target) {
  return target.closest("input, textarea, select, [contenteditable]") !== null;
}

document.addEventListener("click", (event) => {
  const link = event.target.closest("a.qrow, a[data-session-link]");
  if (link && !event.metaKey && !event.ctrlKey && !event.shiftKey && event.button === 0) {
    event.preventDefault();
    openSession(link.dataset.id || link.dataset.sessionLink);
    return;
  }
  const option = event.target.closest("#quick li[data-index]");
  if (option) return quick.pick(Number(option.dataset.index));
  const tab = event.target.closest(".composer__tabs [data-mode]");
  if (tab) return composer.focus(tab.dataset.mode);
  const el = event.target.closest("[data-action]");
  if (el && el.tagName !== "SELECT" && el.type !== "checkbox" && actions[el.dataset.action]) {
    event.preventDefault();
    actions[el.dataset.action](el);
  }
});

document.addEventListener("change", (event) => {
  const el = event.target;
  if (el.closest("#queue-filters") && el.name !== "q") return queue.reload().catch(fail);
  if (el.id === "language") return api.post("/inbox/lang", { lang: el.value }).then(() => location.reload(), fail);
  if (el.id === "availability") return api.post("/inbox/me/availability", { available: el.checked }).catch(fail);
  const contact = pane.el()?.dataset.contact;
  if (el.dataset.action === "bypass") return act(api.patch(`/api/v1/contacts/${contact}`, { bypassBots: el.checked }), { contact: true });
  if (el.dataset.action === "contact-tag" && el.value) {
    return act(api.post(`/api/v1/contacts/${contact}/tabulations`, { tabulationIds: [el.value] }), { header: false, contact: true });
  }
});

let searchTimer = null;
document.addEventListener("input", (event) => {
  if (event.target.id === "queue-search") {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(() => queue.reload().catch(fail), 250);
  } else if (event.target.id === "composer-text") {
    quick.update().catch(() => null);
  }
});

document.addEventListener("submit", (event) => {
  const form = event.target;
  if (form.id === "composer") {
    event.preventDefault();
    return composer.submit();
  }
  if (form.id === "queue-filters") {
    event.preventDefault();
    return queue.reload().catch(fail);
  }
  if (form.dataset.form === "block-custom") {
    event.preventDefault();
    return blockAi(Number(new FormData(form).get("minutes")));
  }
  if (form.dataset.form === "quick-reply") {
    event.preventDefault();
    return submitQuickReply(form);
  }
  if (form.dataset.form && forms[form.dataset.form]) {
    event.preventDefault();
    return submitDialog(form, event.submitter);
  }
});

document.addEventListener("keydown", (event) => {
  const target = event.target;
  if (target.id === "composer-text") {
    if (quick.key(event)) return event.preventDefault();
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      return composer.submit();
    }
    if (event.key === "Escape") return target.blur();
    return;
  }
  if (typing(target)) {
    if (event.key === "Escape") target.blur();
    return;
  }
  if (event.metaKey || event.ctrlKey || event.altKey || $("dialog[open]")) return;
  const keys = {
    j: () => queue.move(1),
    k: () => queue.move(-1),
    r: () => composer.focus("reply"),
    n: () => composer.focus("note"),
    c: () => $("#close-dialog") && openDialog("close-dialog"),
    b: () => $('[data-action="block-ai"]') && blockAi(15),
    "/": () => $("#queue-search")?.focus(),
    "?": () => $("#help-dialog")?.showModal(),
  };
  if (keys[event.key]) {
    event.preventDefault();
    keys[event.key]();
  }
});

window.addEventListener("popstate", () => {
  const match = /^\/inbox\/s\/([0-9a-f-]{36})/.exec(location.pathname);
  if (match) openSession(match[1], { push: false });
  else $("#inbox")?.classList.remove("has-conv");
});

setInterval(countdowns, 1000);
setInterval(waits, 15000);
waits();
countdowns();
pane.scrollDown();
navMenu();
connectLive();
