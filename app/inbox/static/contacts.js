// Contacts: create, rename and delete lists; on a list, remove contacts, opt them out
// and back in, and import a spreadsheet (preview with the column mapping, upload, a
// progress bar polling the import every second, the report with its error lines).
// Everything goes through /api/v1/contact-lists and /api/v1/contacts with the inbox
// cookie (window.Balcao.call), as any other client would.

const { $, $$, call, ApiError } = window.Balcao;
const boot = JSON.parse(document.getElementById("boot").textContent);
const T = boot.ct;
const API = "/api/v1/contact-lists";
const POLL_MS = 1000;
const ERRORS_SHOWN = 200;
const TARGETS = ["phoneNumber", "name", "email", "externalId"];
const MAX_BYTES = 64 * 1024 * 1024; // the API's limit (app/contact_lists/uploads.py)

const fill = (text, values) => text.replace(/\{(\w+)\}/g, (_, key) => values[key] ?? "");

// An API refusal in Portuguese: the code's own words when the page knows them, else
// the API's sentence with its status.
function explain(error) {
  if (!(error instanceof ApiError)) return T["code.validation_error"];
  // A body over the server's own limit is refused before the API reads it.
  const code = error.status === 413 ? "file_too_large" : error.body.code;
  const known = code && T[`code.${code}`];
  if (known && code !== "validation_error") return known;
  const field = error.body.extra && error.body.extra.field ? ` [${error.body.extra.field}]` : "";
  const refused = document.querySelector(".setpage")?.dataset.refused || "";
  return `${refused} (${error.status}): ${error.message}${field}`;
}

function showError(form, error) {
  const box = $("[data-error]", form);
  box.textContent = typeof error === "string" ? error : explain(error);
  box.hidden = false;
}

function hideError(form) {
  $("[data-error]", form).hidden = true;
}

// ------------------------------------------------------------- lists
const listDialog = $("#list-dialog");
const confirmDialog = $("#confirm-dialog");
let pending = null; // what the confirm dialog is about: {run, after}

function openList(record) {
  const form = $("form", listDialog);
  form.dataset.id = record.id || "";
  form.elements.name.value = record.name || "";
  form.elements.description.value = record.description || "";
  const title = $("h3", form);
  title.textContent = record.id ? title.dataset.titleEdit : title.dataset.titleNew;
  const submit = $("button[type=submit]", form);
  submit.textContent = record.id ? submit.dataset.labelEdit : submit.dataset.labelNew;
  hideError(form);
  listDialog.showModal();
  form.elements.name.focus();
}

function confirmThen(title, text, label, run, after) {
  pending = { run, after };
  const form = $("form", confirmDialog);
  $("h3", form).textContent = title;
  $("[data-confirm-text]", form).textContent = text;
  $("button[type=submit]", form).textContent = label;
  hideError(form);
  confirmDialog.showModal();
  $("button[type=submit]", form).focus();
}

const submitters = {
  async list(form) {
    const id = form.dataset.id;
    const body = {
      name: form.elements.name.value.trim(),
      description: form.elements.description.value.trim() || null,
    };
    if (id) {
      await call("PATCH", `${API}/${id}`, body);
      location.reload();
    } else {
      const created = await call("POST", API, body);
      location.assign(`/inbox/contacts/${created.id}`);
    }
  },
  async confirm(form) {
    await pending.run();
    form.closest("dialog").close();
    if (pending.after) location.assign(pending.after);
    else location.reload();
  },
  preview: (form) => preview(form),
  import: (form) => startImport(form),
};

async function submit(form) {
  const button = $("button[type=submit]", form);
  button.disabled = true;
  hideError(form);
  try {
    await submitters[form.dataset.ctForm](form);
  } catch (error) {
    if (error.status !== 401) showError(form, error);
  } finally {
    button.disabled = false;
  }
}

// ------------------------------------------------------------- a list's contacts
const listId = $("#list-head")?.dataset.listId;
const clock = new Intl.DateTimeFormat("pt-BR", { timeZone: boot.timezone, dateStyle: "short" });

function paintOptOut(row, contact) {
  const cell = $("[data-field=optout]", row);
  cell.replaceChildren();
  const pill = document.createElement("span");
  if (contact.optedOutAt) {
    pill.className = "pill pill--off";
    pill.textContent = T.opted_out;
    const when = document.createElement("span");
    when.className = "muted small";
    const source = contact.optOutSource ? ` · ${T[`source.${contact.optOutSource}`] || contact.optOutSource}` : "";
    when.textContent = clock.format(new Date(contact.optedOutAt)) + source;
    cell.append(pill, document.createElement("br"), when);
  } else {
    pill.className = "pill pill--on";
    pill.textContent = T.active;
    cell.append(pill);
  }
  const button = $("[data-ct-optout]", row);
  button.dataset.opted = contact.optedOutAt ? "true" : "false";
  button.textContent = contact.optedOutAt ? T.opt_in : T.opt_out;
}

async function toggleOptOut(button) {
  const row = button.closest("tr");
  const url = `/api/v1/contacts/${button.dataset.ctOptout}/opt-out`;
  button.disabled = true;
  try {
    const contact = button.dataset.opted === "true" ? await call("DELETE", url) : await call("POST", url, {});
    paintOptOut(row, contact);
  } catch (error) {
    if (error.status !== 401) window.Balcao.toast(explain(error), "error");
  } finally {
    button.disabled = false;
  }
}

// ------------------------------------------------------------- import
const importBox = $("#import");
let chosen = null; // the File previewed, sent again on confirm

function option(value, label, selected) {
  const el = document.createElement("option");
  el.value = value;
  el.textContent = label;
  el.selected = value === selected;
  return el;
}

function mappingSelect(header, index, detected) {
  const select = document.createElement("select");
  select.name = `map-${index}`;
  select.dataset.header = header;
  const fieldKey = detected && detected.startsWith("field:") ? detected : `field:${header}`;
  for (const target of TARGETS) select.append(option(target, T[`target.${target}`], detected));
  select.append(option(fieldKey, fill(T["target.field"], { key: fieldKey.slice(6) }), detected));
  select.append(option("ignore", T["target.ignore"], detected));
  // What the import would do without a mapping: a column it does not know is a field.
  const known = [...select.options].some((o) => o.value === detected);
  select.value = known ? detected : fieldKey;
  return select;
}

function renderPreview(found) {
  const form = $("#preview");
  const delimiter = found.delimiter === "\t" ? "TAB" : found.delimiter || T.none;
  let detected = fill(T.detected, {
    kind: (found.kind || "").toUpperCase(),
    encoding: found.encoding || T.none,
    delimiter,
  });
  if (found.totalRows != null) detected += ` · ${fill(T.total_rows, { n: found.totalRows })}`;
  $("[data-field=detected]", form).textContent = detected;

  const mapping = $("#mapping");
  mapping.replaceChildren();
  found.headers.forEach((name, index) => {
    const header = name || `column_${index + 1}`; // as the API names a column without a header
    const label = document.createElement("label");
    label.className = "ctmap";
    const column = document.createElement("span");
    column.className = "ctmap__col";
    column.textContent = header;
    label.append(column, mappingSelect(header, index, found.detectedMapping[header]));
    mapping.append(label);
  });

  const table = $("#preview-rows");
  const head = document.createElement("tr");
  for (const header of found.headers) {
    const th = document.createElement("th");
    th.textContent = header;
    head.append(th);
  }
  $("thead", table).replaceChildren(head);
  $("tbody", table).replaceChildren(
    ...found.rows.map((cells) => {
      const tr = document.createElement("tr");
      for (const cell of cells) {
        const td = document.createElement("td");
        td.textContent = cell;
        tr.append(td);
      }
      return tr;
    }),
  );
  hideError(form);
  form.hidden = false;
}

function upload(url, extra = {}) {
  const body = new FormData();
  body.append("file", chosen, chosen.name);
  for (const [key, value] of Object.entries(extra)) body.append(key, value);
  return multipart(url, body);
}

// Balcao.call speaks JSON; a file goes as multipart with the same header and errors.
async function multipart(url, body) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "X-Balcao-Inbox": "1", Accept: "application/json" },
    credentials: "same-origin",
    body,
  });
  if (response.status === 401) {
    location.assign("/inbox/login?next=" + encodeURIComponent(location.pathname + location.search));
    throw new ApiError(401, null);
  }
  const payload = await response.json().catch(() => null);
  if (!response.ok) throw new ApiError(response.status, payload);
  return payload;
}

async function preview(form) {
  const file = form.elements.file.files[0];
  if (!file) return showError(form, T["code.no_file"]);
  if (file.size > MAX_BYTES) return showError(form, T["code.file_too_large"]);
  chosen = file;
  $("#preview").hidden = true;
  $("#report").hidden = true;
  const found = await upload(`${API}/${listId}/imports/preview`);
  renderPreview(found);
  $("#preview select")?.focus();
}

function readMapping() {
  const mapping = {};
  for (const select of $$("#mapping select")) mapping[select.dataset.header] = select.value;
  return mapping;
}

async function startImport(form) {
  const mapping = readMapping();
  if (!Object.values(mapping).includes("phoneNumber")) return showError(form, T["code.no_phone_column"]);
  const started = await upload(`${API}/${listId}/imports`, { mapping: JSON.stringify(mapping) });
  form.hidden = true;
  $("form[data-ct-form=preview]", importBox).hidden = true;
  await follow(started);
}

function paintProgress(found) {
  const box = $("#progress");
  box.hidden = false;
  $("[data-field=file]", box).textContent = fill(T.progress, { file: found.fileName });
  const status = $("[data-field=status]", box);
  status.textContent = T[`status.${found.status}`] || found.status;
  status.className = `pill ${found.status === "DONE" ? "pill--on" : found.status === "FAILED" ? "pill--off" : ""}`;
  box.dataset.status = found.status;
  const total = found.totalRows || 0;
  const percent = found.status === "DONE" ? 100 : total ? Math.floor((100 * found.processedRows) / total) : 0;
  $("[data-field=bar]", box).style.width = `${percent}%`;
  $(".ctbar", box).setAttribute("aria-valuenow", String(percent));
  $("[data-field=rows]", box).textContent = fill(T.progress_n, { done: found.processedRows, total: total || "…" });
}

function paintReport(found) {
  const box = $("#report");
  for (const key of ["created", "updated", "duplicates", "invalid", "optedOut"]) {
    $(`[data-count=${key}] b`, box).textContent = String(found[key] ?? 0);
  }
  const failed = $("[data-field=failed]", box);
  failed.hidden = found.status !== "FAILED";
  failed.textContent = fill(T.failed, { error: found.error ? T[`code.${found.error}`] || found.error : T.none });
  // The job reports some codes per batch (opted_out last): read them in file order.
  const errors = [...(found.errors || [])].sort((a, b) => a.line - b.line);
  $("[data-field=errors]", box).hidden = errors.length === 0;
  $("#import-errors tbody").replaceChildren(
    ...errors.slice(0, ERRORS_SHOWN).map((e) => {
      const tr = document.createElement("tr");
      const cells = [
        [T.line, String(e.line)],
        [T.column, e.column || T.none],
        [T.value, e.value || T.none],
        [T.problem, T[`code.${e.code}`] || e.code],
      ];
      for (const [label, text] of cells) {
        const td = document.createElement("td");
        td.dataset.label = label;
        td.textContent = text;
        tr.append(td);
      }
      tr.dataset.code = e.code;
      return tr;
    }),
  );
  const more = $("[data-field=more]", box);
  more.hidden = errors.length <= ERRORS_SHOWN;
  more.textContent = fill(T.more_errors, { n: ERRORS_SHOWN });
  box.hidden = false;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function follow(found) {
  paintProgress(found);
  while (found.status === "PENDING" || found.status === "RUNNING") {
    await sleep(POLL_MS);
    try {
      found = await call("GET", `${API}/${listId}/imports/${found.id}`);
    } catch (error) {
      if (error.status === 401) return;
      continue; // a lost request: the next second asks again
    }
    paintProgress(found);
  }
  paintReport(found);
}

function resetImport() {
  chosen = null;
  $("#preview").hidden = true;
  const form = $("form[data-ct-form=preview]", importBox);
  form.reset();
  form.hidden = false;
  hideError(form);
}

// ------------------------------------------------------------- wiring
document.addEventListener("click", (event) => {
  const el = event.target.closest("[data-ct-list], [data-ct-delete-list], [data-ct-remove], [data-ct-optout], [data-ct-reset], [data-set-close]");
  if (!el) return;
  event.preventDefault();
  if (el.dataset.ctList !== undefined) openList(JSON.parse(el.dataset.ctList));
  else if (el.dataset.ctDeleteList) {
    const id = el.dataset.ctDeleteList;
    confirmThen(el.dataset.title, T.delete_text, el.textContent,
      () => call("DELETE", `${API}/${id}`), el.dataset.after);
  } else if (el.dataset.ctRemove) {
    const id = el.dataset.ctRemove;
    confirmThen(el.dataset.title, T.remove_text, T.remove_confirm,
      () => call("DELETE", `${API}/${listId}/contacts`, { contactIds: [id] }));
  } else if (el.dataset.ctOptout) toggleOptOut(el);
  else if (el.dataset.ctReset !== undefined) resetImport();
  else el.closest("dialog").close();
});

document.addEventListener("submit", (event) => {
  const form = event.target.closest("form[data-ct-form]");
  if (!form) return;
  event.preventDefault();
  submit(form);
});
