// Settings → webhooks: create and edit subscriptions (the secret shown once, right
// after creating or rotating), delete them, and on a subscription's delivery log
// replay a delivery and follow it until it is delivered or fails again. Everything goes
// through /api/v1/webhook-subscriptions with the inbox cookie (window.Balcao.call).

const { $, $$, call, explain, showError, copyFrom } = window.Balcao;
const boot = JSON.parse(document.getElementById("boot").textContent);
const T = boot.hook;
const API = "/api/v1/webhook-subscriptions";
const POLL_MS = 700;
const POLL_LIMIT = 60; // ~40 s: retries back off, the row says "queued" after that

// ------------------------------------------------------------- subscription dialog
const subDialog = $("#sub-dialog");

function syncAll(form) {
  const boxes = $$("input[name=events]", form);
  const all = $("[data-hook-all]", form);
  all.checked = boxes.every((b) => b.checked);
  all.indeterminate = !all.checked && boxes.some((b) => b.checked);
}

function openSubscription(record) {
  const form = $("form", subDialog);
  const creating = !record.id;
  form.dataset.id = record.id || "";
  form.elements.url.value = record.url || "";
  form.elements.isActive.checked = record.isActive !== false;
  for (const box of $$("input[name=events]", form)) box.checked = (record.events || []).includes(box.value);
  syncAll(form);
  const title = $("h3", form);
  title.textContent = creating ? title.dataset.titleNew : title.dataset.titleEdit;
  const submit = $("button[type=submit]", form);
  submit.textContent = creating ? submit.dataset.labelNew : submit.dataset.labelEdit;
  for (const el of $$("[data-only=new]", form)) el.hidden = !creating;
  $("[data-error]", form).hidden = true;
  subDialog.showModal();
  form.elements.url.focus();
}

function readSubscription(form) {
  return {
    url: form.elements.url.value.trim(),
    events: $$("input[name=events]:checked", form).map((b) => b.value),
    isActive: form.elements.isActive.checked,
  };
}

function showSecret(url, secret) {
  const dialog = $("#secret-dialog");
  $("#hook-secret").textContent = secret;
  $("[data-secret-for]", dialog).textContent = url;
  const copy = $("[data-hook-copy]", dialog);
  copy.textContent = T.copy;
  dialog.showModal();
  copy.focus();
}

// ------------------------------------------------------------- confirmations
let pending = null; // the subscription a rotate/delete dialog is about

function confirmWith(dialogId, id, title) {
  const dialog = document.getElementById(dialogId);
  pending = id;
  if (title) $("h3", dialog).textContent = title;
  $("[data-error]", dialog).hidden = true;
  dialog.showModal();
  $("button[type=submit]", dialog).focus();
}

const submitters = {
  async subscription(form) {
    const id = form.dataset.id;
    const body = readSubscription(form);
    if (id) return call("PATCH", `${API}/${id}`, body);
    const created = await call("POST", API, body);
    subDialog.close();
    showSecret(created.url, created.secret);
    return "stay"; // the page reloads when the secret dialog closes
  },
  async rotate(form) {
    const rotated = await call("POST", `${API}/${pending}/rotate-secret`);
    form.closest("dialog").close();
    const url = $(`#sub-${pending} .hookurl`)?.textContent || "";
    showSecret(url, rotated.secret);
    return "stay";
  },
  delete: () => call("DELETE", `${API}/${pending}`),
  async secret(form) {
    form.closest("dialog").close();
    return "stay";
  },
};

async function submit(form) {
  const button = $("button[type=submit]", form);
  button.disabled = true;
  try {
    const outcome = await submitters[form.dataset.hookForm](form);
    if (outcome !== "stay") location.reload();
  } catch (error) {
    if (error.status !== 401) showError(form, error);
  } finally {
    button.disabled = false;
  }
}

const copy = (button) => copyFrom(button, button.dataset.hookCopy);

// ------------------------------------------------------------- replay
// As the server's Clock.full: dd/mm/yyyy hh:mm in the organization's time zone.
const clock = new Intl.DateTimeFormat("pt-BR", { timeZone: boot.timezone, dateStyle: "short", timeStyle: "short" });
const fullTime = (iso) => clock.format(new Date(iso)).replace(",", "");

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function paint(row, delivery) {
  row.dataset.status = delivery.status;
  const set = (field, text) => {
    const el = $(`[data-field=${field}]`, row);
    if (el) el.textContent = text;
  };
  set("status", T[`status.${delivery.status}`] || delivery.status);
  set("code", delivery.lastStatusCode ?? "—");
  set("code2", delivery.lastStatusCode ?? "");
  set("attempts", String(delivery.attempts));
  if (delivery.lastAttemptAt) set("lastAttemptAt", fullTime(delivery.lastAttemptAt));
  set("response", delivery.lastResponseBody || T.no_response);
  let error = $("[data-field=error]", row);
  if (delivery.lastError) {
    if (!error) {
      error = document.createElement("p");
      error.className = "hookerror";
      error.dataset.field = "error";
      $(".hookfacts", row).after(error);
    }
    error.textContent = `${T.error}: ${delivery.lastError}`;
  } else if (error) {
    error.remove();
  }
}

async function replay(button) {
  const row = button.closest(".hookrow");
  const result = $("[data-field=replay]", row);
  button.disabled = true;
  result.textContent = T.replaying;
  try {
    let delivery = await call("POST", `${API}/deliveries/${button.dataset.hookReplay}/replay`);
    paint(row, delivery);
    for (let i = 0; i < POLL_LIMIT && delivery.status === "PENDING"; i++) {
      await sleep(POLL_MS);
      delivery = await call("GET", `${API}/deliveries/${delivery.id}`);
      // A retry waits between attempts: show each attempt's outcome as it lands.
      paint(row, delivery);
      if (delivery.status === "PENDING" && delivery.attempts > 0) break;
    }
    const code = delivery.lastStatusCode ? ` (${delivery.lastStatusCode})` : "";
    result.textContent = delivery.status === "PENDING" && !delivery.attempts
      ? T.replay_waiting
      : T.replayed.replace("{status}", (T[`status.${delivery.status}`] || delivery.status) + code);
  } catch (error) {
    if (error.status !== 401) result.textContent = explain(error);
  } finally {
    button.disabled = false;
  }
}

// ------------------------------------------------------------- wiring
document.addEventListener("click", (event) => {
  const el = event.target.closest("[data-hook-open], [data-hook-rotate], [data-hook-delete], [data-hook-close], [data-set-close], [data-hook-copy], [data-hook-replay]");
  if (!el) return;
  event.preventDefault();
  if (el.dataset.hookOpen) openSubscription(JSON.parse(el.dataset.hookOpen));
  else if (el.dataset.hookRotate) confirmWith("rotate-dialog", el.dataset.hookRotate);
  else if (el.dataset.hookDelete) confirmWith("delete-dialog", el.dataset.hookDelete, el.dataset.title);
  else if (el.dataset.hookCopy) copy(el);
  else if (el.dataset.hookReplay) replay(el);
  else el.closest("dialog").close();
});

document.addEventListener("change", (event) => {
  const form = event.target.closest("form[data-hook-form=subscription]");
  if (!form) return;
  if (event.target.matches("[data-hook-all]")) {
    for (const box of $$("input[name=events]", form)) box.checked = event.target.checked;
  }
  syncAll(form);
});

document.addEventListener("submit", (event) => {
  const form = event.target.closest("form[data-hook-form]");
  if (!form) return;
  event.preventDefault();
  submit(form);
});

// Closing the secret (Done or Esc) forgets it and shows the list as it is now.
$("#secret-dialog")?.addEventListener("close", () => {
  $("#hook-secret").textContent = "";
  location.reload();
});
