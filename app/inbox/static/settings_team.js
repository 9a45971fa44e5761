// Settings pages (team, tabulations): dialogs that create and edit records through the
// public REST API (cookie + X-Balcao-Inbox header, like inbox.js), then reload the
// server-rendered page. What the API refuses is shown in the dialog with its reason.
// A new user gets a one-time password made here or an invite link made by the API;
// either is shown once, in its own dialog.

const { $, $$, call, toast, explain, showError, copyFrom } = window.Balcao;
const boot = JSON.parse(document.getElementById("boot").textContent);

// The API's own words, with what they mean for the person at the keyboard first.
// A strong first sign-in password, from the browser's CSPRNG; never stored by the page.
function onePassword(length = 14) {
  const alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
  const bytes = crypto.getRandomValues(new Uint8Array(length));
  return [...bytes].map((b) => alphabet[b % alphabet.length]).join("");
}

// ------------------------------------------------------------- form <-> record
function fill(form, record) {
  for (const el of $$("[name]", form)) {
    if (el.hasAttribute("data-local")) {
      el.checked = el.defaultChecked;
      continue;
    }
    const value = record[el.name];
    if (el.type === "checkbox" && el.hasAttribute("data-list")) el.checked = (value || []).includes(el.value);
    else if (el.type === "checkbox") el.checked = Boolean(value);
    else if (el.type === "color") el.value = value || el.defaultValue;
    else el.value = value ?? "";
  }
}

function read(form, creating) {
  const body = {};
  for (const el of $$("[name]", form)) {
    if (el.hasAttribute("data-local")) continue; // the page's own choices, not API fields
    if (el.type === "checkbox" && el.hasAttribute("data-list")) {
      body[el.name] = body[el.name] || [];
      if (el.checked) body[el.name].push(el.value);
    } else if (el.type === "checkbox") {
      body[el.name] = el.checked;
    } else {
      const value = el.value.trim();
      if (value) body[el.name] = value;
      else if (el.hasAttribute("data-nullable") && !creating) body[el.name] = null;
    }
  }
  return body;
}

// ------------------------------------------------------------- dialogs
function open(dialogId, record) {
  const dialog = document.getElementById(dialogId);
  const form = $("form", dialog);
  const creating = !record.id;
  form.dataset.id = record.id || "";
  fill(form, record);
  const title = $("h3", form);
  title.textContent = creating ? title.dataset.titleNew : title.dataset.titleEdit;
  const submit = $("button[type=submit]", form);
  submit.textContent = creating ? submit.dataset.labelNew : submit.dataset.labelEdit;
  for (const el of $$("[data-only=new]", form)) el.hidden = !creating;
  $("[data-error]", form).hidden = true;
  dialog.showModal();
  $("input:not([type=hidden]), select, textarea", form)?.focus();
}

// An edit button names its record's API URL: the dialog is filled with what the API
// holds now (the page does not carry every record's fields; bench/settings: 500
// tabulations made a 487 KiB page). A "new" button carries its defaults.
async function openFor(button) {
  if (!button.dataset.fetch) return open(button.dataset.setOpen, JSON.parse(button.dataset.record || "{}"));
  button.disabled = true;
  try {
    open(button.dataset.setOpen, await call("GET", button.dataset.fetch));
  } catch (error) {
    if (error.status !== 401) toast(explain(error), "error");
  } finally {
    button.disabled = false;
  }
}

// Stacked tables (phones) label each cell with its column's heading.
for (const table of $$("table.table--stack")) {
  const heads = $$("thead th", table).map((th) => th.textContent.trim());
  for (const row of $$("tbody tr", table)) {
    [...row.cells].forEach((cell, i) => {
      if (!cell.dataset.label && heads[i] && cell.colSpan === 1) cell.dataset.label = heads[i];
    });
  }
}

let pendingDelete = null;
function confirmDelete(button) {
  const dialog = $("#confirm-dialog");
  pendingDelete = button.dataset.setDelete;
  const table = button.closest("[data-delete-title]");
  $("#confirm-title").textContent = button.dataset.title || `${table.dataset.deleteTitle} ${button.dataset.name}?`;
  $("[data-confirm-text]", dialog).textContent = button.dataset.text ?? table?.dataset.deleteText ?? "";
  $("[data-error]", dialog).hidden = true;
  dialog.showModal();
  $("button[type=submit]", dialog).focus();
}

function showPassword(user, password) {
  const dialog = $("#password-dialog");
  $("#one-time-password").textContent = password;
  $("[data-password-who]", dialog).textContent = `${user.name} · ${user.email}`;
  dialog.showModal();
  $("[data-set-copy]", dialog).focus();
}

function showInvite(who, invite) {
  const dialog = $("#invite-dialog");
  $("#invite-url").textContent = invite.inviteUrl;
  $("[data-invite-who]", dialog).textContent = who;
  const when = new Intl.DateTimeFormat("pt-BR", { timeZone: boot.timezone, dateStyle: "short", timeStyle: "short" })
    .format(new Date(invite.expiresAt)).replace(",", ""); // as the server's Clock.full
  $("[data-invite-expires]", dialog).textContent = dialog.dataset.expires.replace("{when}", when);
  const copyButton = $("[data-set-copy]", dialog);
  copyButton.textContent = dialog.dataset.copy;
  dialog.showModal();
  copyButton.focus();
}

async function inviteLink(button) {
  button.disabled = true;
  try {
    const invite = await call("POST", `/api/v1/users/${button.dataset.setInvite}/invite`);
    showInvite(button.dataset.who, invite);
  } catch (error) {
    if (error.status !== 401) rowError(button, error);
  } finally {
    button.disabled = false;
  }
}

const submitters = {
  async user(form) {
    const id = form.dataset.id;
    const body = read(form, !id);
    if (id) return call("PATCH", `/api/v1/users/${id}`, body);
    if ($("input[name=access]:checked", form)?.value === "invite") {
      const created = await call("POST", "/api/v1/users", { ...body, invite: true });
      form.closest("dialog").close();
      showInvite(`${created.name} · ${created.email}`, created.invite);
      return "stay"; // the page reloads when the invite dialog is closed
    }
    const password = onePassword();
    const created = await call("POST", "/api/v1/users", { ...body, password });
    form.closest("dialog").close();
    showPassword(created, password);
    return "stay"; // the page reloads when the password dialog is closed
  },
  department: (form) => save(form),
  tabulation: (form) => save(form),
  confirm: () => call("DELETE", pendingDelete),
  password: async (form) => {
    form.closest("dialog").close();
    return "stay";
  },
  invite: async (form) => {
    form.closest("dialog").close();
    return "stay";
  },
};

function save(form) {
  const id = form.dataset.id;
  const url = form.dataset.collection + (id ? `/${id}` : "");
  return call(id ? "PATCH" : "POST", url, read(form, !id));
}

async function submit(form) {
  const button = $("button[type=submit]", form);
  button.disabled = true;
  try {
    const outcome = await submitters[form.dataset.setForm](form);
    if (outcome !== "stay") location.reload();
  } catch (error) {
    if (error.status !== 401) showError(form, error);
  } finally {
    button.disabled = false;
  }
}

async function setActive(button) {
  const active = button.dataset.setActive === "true";
  button.disabled = true;
  try {
    await call("PATCH", `/api/v1/users/${button.dataset.id}`, { isActive: active });
    location.reload();
  } catch (error) {
    button.disabled = false;
    rowError(button, error);
  }
}

// What the API refused for a row's button, under the row's buttons.
function rowError(button, error) {
  const row = button.closest("tr");
  let box = $("[data-error]", row);
  if (!box) {
    box = document.createElement("p");
    box.className = "dialog__error";
    box.dataset.error = "";
    box.setAttribute("role", "alert");
    button.parentElement.append(box);
  }
  box.textContent = explain(error);
  box.hidden = false;
}

const copy = (button) => copyFrom(button, button.dataset.setCopy);

// ------------------------------------------------------------- wiring
document.addEventListener("click", (event) => {
  const el = event.target.closest("[data-set-open], [data-set-delete], [data-set-active], [data-set-close], [data-set-copy], [data-set-invite]");
  if (!el) return;
  event.preventDefault();
  if (el.dataset.setOpen) openFor(el);
  else if (el.dataset.setDelete) confirmDelete(el);
  else if (el.dataset.setActive) setActive(el);
  else if (el.dataset.setCopy) copy(el);
  else if (el.dataset.setInvite) inviteLink(el);
  else el.closest("dialog").close();
});

document.addEventListener("submit", (event) => {
  const form = event.target.closest("form[data-set-form]");
  if (!form) return;
  event.preventDefault();
  submit(form);
});

// Closing the one-time password (Done or Esc) shows the new user in the list.
$("#password-dialog")?.addEventListener("close", () => location.reload());
$("#invite-dialog")?.addEventListener("close", () => location.reload());
