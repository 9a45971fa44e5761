// Balcão settings → connections: the numbers list (live status), "new number" with
// exactly the chosen provider's fields, the QR dialog, one number's AI/provider
// settings, its stats and deleting it. Everything goes through the public API; live
// notices come from inbox.js's event stream (re-dispatched as "balcao:notice").

const boot = JSON.parse(document.getElementById("boot").textContent);
const T = boot.conn;
const { $, $$, ApiError, call, toast, formatPhone } = window.Balcao;
const QR_POLL_MS = 2000;

function showError(form, error) {
  const box = $("[data-error]", form);
  if (!box) return toast(error ? error.message : T.error, "error");
  box.hidden = !error;
  box.textContent = error ? error.message : "";
}

const connId = (el) => el.closest("[data-id]")?.dataset.id;
const label = (key) => T[`key.${key}`] || key;

// ---------------------------------------------------------------- providers
let providersPromise = null;
function providers() {
  providersPromise ??= call("GET", "/api/v1/providers").catch((error) => {
    providersPromise = null;
    throw error;
  });
  return providersPromise;
}

// One input per config key. A secret is a password input that is never filled in:
// when set it says so in its placeholder and is only sent when something is typed.
function configFields(provider, connection) {
  const box = document.createDocumentFragment();
  const setSecrets = new Set(connection?.configuredSecrets || []);
  for (const key of provider.configKeys) {
    const field = document.createElement("label");
    const name = document.createElement("span");
    name.textContent = label(key.name) + (key.required ? " *" : "");
    const input = document.createElement("input");
    input.name = `config.${key.name}`;
    input.dataset.key = key.name;
    input.maxLength = 2000;
    input.autocomplete = "off";
    if (key.secret) {
      input.type = "password";
      input.autocomplete = "new-password";
      input.dataset.secret = "1";
      input.placeholder = setSecrets.has(key.name) ? T.secret_set : T.secret_unset;
    } else {
      input.type = key.url ? "url" : "text";
      input.value = connection?.config?.[key.name] ?? "";
      input.dataset.initial = input.value;
      if (key.url) input.placeholder = "https://";
    }
    if (key.required && !(key.secret && setSecrets.has(key.name))) input.required = true;
    field.append(name, input);
    if (key.secret && setSecrets.has(key.name)) {
      const hint = document.createElement("span");
      hint.className = "small muted";
      hint.dataset.secretState = key.name;
      hint.textContent = T.secret_set_help;
      field.append(hint);
    }
    box.append(field);
  }
  if (!provider.configKeys.length) {
    const none = document.createElement("p");
    none.className = "muted small";
    none.textContent = T.no_settings;
    box.append(none);
  }
  return box;
}

// The config a form carries: typed secrets, and public values that changed.
function configOf(form) {
  const config = {};
  for (const input of $$("input[data-key]", form)) {
    const value = input.value.trim();
    if (!value) continue;
    if (input.dataset.secret || value !== input.dataset.initial) config[input.dataset.key] = value;
  }
  return config;
}

function checkRequired(form) {
  const missing = $$("input[required]", form).find((input) => !input.value.trim());
  if (missing) {
    missing.focus();
    throw new ApiError(422, { detail: `${T.required}: ${missing.closest("label").firstChild.textContent}` });
  }
}

// ---------------------------------------------------------------- new number
const newNumber = {
  dialog: () => $("#conn-new-dialog"),
  async open() {
    const dialog = this.dialog();
    const form = $("form", dialog);
    form.reset();
    showError(form, null);
    $("[data-new=fields]", form).hidden = true;
    $("[data-new=submit]", form).disabled = true;
    dialog.showModal();
    try {
      this.render(form, await providers());
    } catch (error) {
      showError(form, error);
    }
  },
  render(form, list) {
    const box = $("[data-new=providers]", form);
    $$(".conn-provider", box).forEach((el) => el.remove());
    $("[data-new=loading]", box)?.remove();
    for (const provider of list) {
      const option = document.createElement("label");
      option.className = "conn-provider";
      const radio = document.createElement("input");
      radio.type = "radio";
      radio.name = "provider";
      radio.value = provider.kind;
      const name = document.createElement("strong");
      name.textContent = provider.name;
      const help = document.createElement("span");
      help.className = "small muted";
      help.textContent = T[`provider.${provider.kind}`] || "";
      option.append(radio, name, help);
      box.append(option);
    }
    this.list = list;
  },
  pick(kind) {
    const form = $("form", this.dialog());
    const provider = this.list.find((p) => p.kind === kind);
    const fields = $("[data-new=fields]", form);
    $("[data-new=config]", form).replaceChildren(configFields(provider, null));
    fields.hidden = false;
    $("[data-new=submit]", form).disabled = false;
    $("input[name=name]", form).focus();
  },
  async submit(form) {
    showError(form, null);
    const kind = new FormData(form).get("provider");
    const button = $("[data-new=submit]", form);
    button.disabled = true;
    try {
      checkRequired(form);
      const name = $("input[name=name]", form).value.trim();
      const body = { name, provider: kind, config: configOf(form) };
      const created = await call("POST", "/api/v1/connections", body);
      // A number paired by QR or token opens its dialog; one with nothing to pair
      // (a native integration) its page, where its webhook URL is.
      const pairing = this.list.find((p) => p.kind === kind)?.capabilities.pairing;
      location.assign(pairing === "none" ? `/inbox/settings/connections/${created.id}` : `/inbox/settings/connections?qr=${created.id}`);
    } catch (error) {
      showError(form, error);
      button.disabled = false;
    }
  },
};

// ---------------------------------------------------------------- QR dialog
// Polls the QR and the connection every 2 s while open (a new image replaces the old
// one), and asks at once when a live notice says the connection changed. A provider
// paired by token (Meta) shows instead the webhook URL and verify token to paste in
// its dashboard; any provider shows why it is not connected (statusReason). A number
// the platform provisions that is off (its QR lapsed, the server was down) starts
// pairing again when the dialog opens, and on "try again".
const qr = {
  id: null,
  timer: null,
  last: null,
  pairing: "qr",
  open(row) {
    const dialog = $("#conn-qr-dialog");
    this.id = row.dataset.id;
    this.last = null;
    this.pairing = row.dataset.pairing || "qr";
    this.provisioned = row.dataset.provisioned === "1";
    const token = this.pairing === "token";
    $("#conn-qr-title", dialog).firstChild.textContent = `${token ? T.token_title : T.qr_title} `;
    $("[data-qr=name]", dialog).textContent = row.dataset.name;
    $("[data-qr=webhook]", dialog).value = row.dataset.webhook;
    $("[data-qr=token]", dialog).value = new URL(row.dataset.webhook).searchParams.get("token") || "";
    $("[data-qr=help]", dialog).hidden = token;
    $("[data-qr=token-help]", dialog).hidden = !token;
    $("[data-qr=token-field]", dialog).hidden = !token;
    this.show({ status: row.dataset.status, qrCode: null }, null);
    dialog.showModal();
    if (this.provisioned && row.dataset.status === "DISCONNECTED") this.retry();
    else this.poll();
  },
  close() {
    clearTimeout(this.timer);
    this.timer = null;
    this.id = null;
  },
  async retry() {
    const id = this.id;
    if (!id) return;
    const status = $("#conn-qr-dialog [data-qr=status]");
    try {
      await call("POST", `/api/v1/connections/${id}/provision`);
      status.textContent = T.retrying;
    } catch (error) {
      status.textContent = error.message;
    }
    this.poll();
  },
  async poll() {
    clearTimeout(this.timer);
    this.timer = null;
    const id = this.id;
    if (!id) return;
    let again = true;
    try {
      const [body, connection] = await Promise.all([
        call("GET", `/api/v1/connections/${id}/qr`),
        call("GET", `/api/v1/connections/${id}`),
      ]);
      if (id !== this.id) return;
      again = this.show(body, connection);
      const row = document.getElementById(`conn-${id}`);
      if (row) paintRow(row, connection);
    } catch (error) {
      $("#conn-qr-dialog [data-qr=status]").textContent = error.message;
    }
    if (again && this.id === id && this.timer === null) this.timer = setTimeout(() => this.poll(), QR_POLL_MS);
  },
  show(body, connection) {
    const dialog = $("#conn-qr-dialog");
    const img = $("[data-qr=img]", dialog);
    const token = this.pairing === "token";
    const connected = body.status === "CONNECTED";
    const box = $("[data-qr=box]", dialog);
    box.dataset.state = connected ? "connected" : token ? "token" : body.qrCode ? "qr" : "waiting";
    if (body.qrCode && body.qrCode !== this.last) {
      img.src = body.qrCode;
      img.dataset.version = String(Number(img.dataset.version || 0) + 1);
      this.last = body.qrCode;
    }
    img.hidden = connected || !body.qrCode;
    $("[data-qr=wait]", dialog).hidden = connected || Boolean(body.qrCode);
    $("[data-qr=help]", dialog).hidden = connected || token;
    // The webhook URL is pasted where no QR is shown (Meta, a provider not calling yet).
    $("[data-qr=webhook-field]", dialog).hidden = !token && (connected || Boolean(body.qrCode));
    if (token && connection) {
      const own = (connection.configuredSecrets || []).includes("verifyToken");
      const field = $("[data-qr=token]", dialog);
      field.value = own ? T.verify_token_yours : new URL(connection.webhookUrl).searchParams.get("token") || "";
    }
    $("[data-qr=done]", dialog).hidden = !connected;
    const phone = connection?.phoneNumber ? formatPhone(connection.phoneNumber) : "";
    $("[data-qr=connected]", dialog).textContent = connected ? `${T.connected_as} ${phone}`.trim() : "";
    $("[data-qr=status]", dialog).textContent = connected ? "" : T[`status.${body.status}`] || body.status;
    const reason = connected ? "" : connection?.statusReason || "";
    $("[data-qr=reason]", dialog).textContent = reason;
    $("[data-qr=reason]", dialog).hidden = !reason;
    $("[data-qr=retry]", dialog).hidden = !this.provisioned || !["DISCONNECTED", "FAILED"].includes(body.status);
    return !connected; // keep polling until connected
  },
};

// ---------------------------------------------------------------- list rows
function paintRow(row, connection) {
  row.dataset.status = connection.status;
  row.dataset.name = connection.name;
  $(".conn-row__main .conn-dot", row).dataset.status = connection.status;
  $("[data-field=status]", row).textContent = T[`status.${connection.status}`] || connection.status;
  $("[data-field=phone]", row).textContent = connection.phoneNumber ? formatPhone(connection.phoneNumber) : T.no_phone;
  const reason = $("[data-field=reason]", row);
  reason.textContent = connection.statusReason || "";
  reason.hidden = !connection.statusReason;
}

async function refreshRow(id) {
  const row = document.getElementById(`conn-${id}`);
  if (!row) return;
  paintRow(row, await call("GET", `/api/v1/connections/${id}`));
}

async function todayCounts(row) {
  const stats = await call("GET", `/api/v1/connections/${row.dataset.id}/stats`);
  const today = stats.today;
  $("[data-field=today]", row).textContent =
    `${T.today}: ${today.messagesIn} ${T.in_short} · ${today.messagesOut} ${T.out_short} · ${today.sessionsOpened} ${T.sessions_short}`;
  return stats;
}

// ---------------------------------------------------------------- delete
const removal = {
  id: null,
  open(row) {
    this.id = row.dataset.id;
    const dialog = $("#conn-delete-dialog");
    $("[data-delete=name]", dialog).textContent = row.dataset.name;
    showError($("form", dialog), null);
    dialog.showModal();
  },
  async confirm(form) {
    try {
      await call("DELETE", `/api/v1/connections/${this.id}`);
    } catch (error) {
      return showError(form, error);
    }
    $("#conn-delete-dialog").close();
    if ($("#conn-page").dataset.page === "detail") return location.assign("/inbox/settings/connections");
    document.getElementById(`conn-${this.id}`)?.remove();
    toast(T.deleted);
  },
};

// ---------------------------------------------------------------- one number
const detail = {
  connection: boot.connection,
  async init() {
    const form = $("[data-conn-form=config]");
    const list = await providers();
    const provider = list.find((p) => p.kind === this.connection.provider);
    const box = $("[data-config=fields]", form);
    box.replaceChildren(provider ? configFields(provider, this.connection) : document.createTextNode(""));
    const row = $(".conn-row");
    drawStats(await todayCounts(row));
  },
  async saveAi(form) {
    showError(form, null);
    const data = new FormData(form);
    const body = {
      name: String(data.get("name")).trim(),
      aiEnabled: data.get("aiEnabled") === "on",
      aiBlockTtlMinutes: Number(data.get("aiBlockTtlMinutes")),
      concatTimeout: Number(data.get("concatTimeout")),
      systemPrompt: String(data.get("systemPrompt")).trim() || null,
      failoverConnectionId: data.get("failoverConnectionId") || null,
    };
    await this.patch(form, body);
  },
  async saveConfig(form) {
    showError(form, null);
    try {
      checkRequired(form);
    } catch (error) {
      return showError(form, error);
    }
    const connection = await this.patch(form, { config: configOf(form) });
    if (!connection) return;
    const list = await providers();
    const provider = list.find((p) => p.kind === connection.provider);
    $("[data-config=fields]", form).replaceChildren(configFields(provider, connection));
  },
  async patch(form, body) {
    const button = $("button[type=submit]", form);
    button.disabled = true;
    try {
      this.connection = await call("PATCH", `/api/v1/connections/${this.connection.id}`, body);
      paintRow($(".conn-row"), this.connection);
      toast(T.saved);
      return this.connection;
    } catch (error) {
      showError(form, error);
      return null;
    } finally {
      button.disabled = false;
    }
  },
};

// Today / week / month as small CSS bar charts, each scaled to its own largest count.
function drawStats(stats) {
  const box = $("#conn-stats");
  if (!box) return;
  box.replaceChildren();
  for (const window of ["today", "week", "month"]) {
    const w = stats[window];
    const by = w.messagesOutByAuthor || {};
    const rows = [
      ["in", w.messagesIn],
      ["out_ai", by.AI || 0],
      ["out_agent", (by.AGENT || 0) + (by.AGENT_PLATFORM || 0)],
      ["out_other", (by.BUSINESS || 0) + (by.SYSTEM || 0)],
      ["opened", w.sessionsOpened],
      ["closed", w.sessionsClosed],
    ];
    const top = Math.max(1, ...rows.map(([, n]) => n));
    const chart = document.createElement("figure");
    chart.className = "conn-chart";
    chart.dataset.window = window;
    const title = document.createElement("figcaption");
    title.textContent = T[`window.${window}`];
    chart.append(title);
    for (const [key, n] of rows) {
      const line = document.createElement("div");
      line.className = "conn-chart__row";
      const name = document.createElement("span");
      name.textContent = T[`stat.${key}`];
      const bar = document.createElement("span");
      bar.className = "conn-chart__bar";
      const fill = document.createElement("span");
      fill.className = `conn-chart__fill conn-chart__fill--${key}`;
      fill.style.width = `${(100 * n) / top}%`;
      bar.append(fill);
      const count = document.createElement("strong");
      count.textContent = String(n);
      line.append(name, bar, count);
      chart.append(line);
    }
    box.append(chart);
  }
}

// ---------------------------------------------------------------- wiring
document.addEventListener("click", (event) => {
  const el = event.target.closest("[data-conn]");
  if (!el) return;
  const row = el.closest(".conn-row");
  if (el.dataset.conn === "dismiss") el.closest("dialog").close();
  else if (el.dataset.conn === "new") newNumber.open();
  else if (el.dataset.conn === "qr") qr.open(row);
  else if (el.dataset.conn === "delete") removal.open(row);
});
$("#conn-qr-dialog [data-qr=retry]")?.addEventListener("click", () => qr.retry());

document.addEventListener("change", (event) => {
  if (event.target.name === "provider" && event.target.closest("#conn-new-dialog")) newNumber.pick(event.target.value);
});

document.addEventListener("submit", (event) => {
  const form = event.target;
  const kind = form.dataset.connForm;
  if (!kind) return;
  event.preventDefault();
  if (kind === "new") newNumber.submit(form);
  else if (kind === "delete") removal.confirm(form);
  else if (kind === "ai") detail.saveAi(form);
  else if (kind === "config") detail.saveConfig(form);
});

$("#conn-qr-dialog")?.addEventListener("close", () => qr.close());

document.addEventListener("balcao:notice", (event) => {
  const notice = event.detail;
  if (notice.event !== "connection.status_changed") return;
  refreshRow(notice.id).catch(() => null);
  if (notice.id === qr.id) qr.poll();
});
document.addEventListener("balcao:resync", () => {
  $$(".conn-row").forEach((row) => refreshRow(row.dataset.id).catch(() => null));
  if (qr.id) qr.poll();
});

if ($("#conn-page")?.dataset.page === "detail") {
  detail.init().catch((error) => toast(error.message, "error"));
} else {
  $$(".conn-row").forEach((row) => todayCounts(row).catch(() => null));
  const pending = new URLSearchParams(location.search).get("qr");
  const row = pending && document.getElementById(`conn-${pending}`);
  if (row) {
    history.replaceState(null, "", location.pathname);
    qr.open(row);
  }
}
