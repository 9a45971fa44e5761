// Balcão settings → knowledge: drag-and-drop (or chosen) files are uploaded one by one
// to POST /api/v1/knowledge with a progress bar each — through XMLHttpRequest, the one
// browser API that reports upload progress (fetch does not); everything else goes
// through window.Balcao.call. The list grows and shrinks in place; "try a question"
// shows what POST /api/v1/knowledge/search (the AI's own retrieval) would hand the AI.

const boot = JSON.parse(document.getElementById("boot").textContent);
const T = boot.know;
const { $, ApiError, call, toast } = window.Balcao;

// As the server's Clock.full(): dd/mm/yyyy HH:MM in the organization's time zone.
const dateFormat = new Intl.DateTimeFormat("en-GB", {
  day: "2-digit", month: "2-digit", year: "numeric", hour: "2-digit", minute: "2-digit",
  hourCycle: "h23", timeZone: boot.timezone,
});
const when = (iso) => dateFormat.format(new Date(iso)).replace(",", "");

// As settings_ai.py's human_size().
function size(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1).replace(/\.0$/, "")} MB`;
}

// The API's reason in the page's words when it is a known one, with its status and code.
function explain(error) {
  const code = error.body && error.body.code;
  const words = (code && T[`code.${code}`]) || error.message;
  return `${T.refused} (${error.status}${code ? ` · ${code}` : ""}): ${words}`;
}

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

// ------------------------------------------------------------ documents list
const table = $("#know-documents tbody");

function recount() {
  const rows = table.querySelectorAll("tr[data-id]").length;
  $("[data-count]").textContent = String(rows);
  $("[data-empty]", table).hidden = rows > 0;
}

function cell(label, ...content) {
  const td = el("td");
  td.dataset.label = label;
  td.append(...content);
  return td;
}

function addRow(doc) {
  const row = el("tr");
  row.id = `doc-${doc.id}`;
  row.dataset.id = doc.id;
  const title = el("b", "", doc.title);
  const name = [title];
  if (doc.filename && doc.filename !== doc.title) name.push(el("br"), el("span", "muted small", doc.filename));
  const status = el("span", `pill ${doc.status === "READY" ? "pill--on" : doc.status === "FAILED" ? "pill--off" : ""}`);
  status.textContent = T[`status.${doc.status}`] || doc.status;
  const remove = el("button", "btn btn--small btn--danger", T.delete);
  remove.type = "button";
  remove.dataset.knowDelete = doc.id;
  remove.dataset.title = doc.title;
  const actions = el("td", "table__actions");
  actions.append(remove);
  row.append(
    cell(T.title, ...name),
    cell(T.size, size(doc.size)),
    cell(T.chunks, String(doc.chunks)),
    cell(T.status, status),
    cell(T.added, when(doc.createdAt)),
    actions,
  );
  table.prepend(row);
  recount();
}

// ------------------------------------------------------------ uploads
const queue = $("#know-queue");

function queueItem(file) {
  const item = el("li", "know-item");
  item.dataset.state = "uploading";
  const head = el("div", "know-item__head");
  head.append(el("strong", "know-item__name", file.name), el("span", "small muted", size(file.size)));
  const bar = el("progress", "know-item__bar");
  bar.max = 1;
  bar.value = 0;
  const note = el("p", "small know-item__note", T.uploading);
  note.setAttribute("role", "status");
  item.append(head, bar, note);
  queue.prepend(item);
  return { item, bar, note };
}

function finish(entry, state, text) {
  entry.item.dataset.state = state;
  entry.note.textContent = text;
  if (state === "done") entry.bar.value = 1;
  else entry.bar.remove();
  if (state === "error") entry.note.setAttribute("role", "alert");
}

function send(file, entry) {
  return new Promise((resolve) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", "/api/v1/knowledge");
    xhr.setRequestHeader("X-Balcao-Inbox", "1");
    xhr.setRequestHeader("Accept", "application/json");
    xhr.responseType = "json";
    xhr.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) entry.bar.value = event.loaded / event.total;
    });
    // All bytes are out: the server is reading the document and cutting it in chunks.
    xhr.upload.addEventListener("load", () => {
      entry.bar.removeAttribute("value");
      entry.note.textContent = T.processing;
    });
    xhr.addEventListener("load", () => {
      if (xhr.status === 401) {
        location.assign("/inbox/login?next=" + encodeURIComponent(location.pathname));
      } else if (xhr.status >= 200 && xhr.status < 300) {
        addRow(xhr.response);
        finish(entry, "done", T.uploaded);
      } else {
        const body = xhr.response && typeof xhr.response === "object" ? xhr.response : null;
        finish(entry, "error", explain(new ApiError(xhr.status, body)));
      }
      resolve();
    });
    xhr.addEventListener("error", () => {
      finish(entry, "error", explain(new ApiError(0, null)));
      resolve();
    });
    const data = new FormData();
    data.append("file", file, file.name);
    xhr.send(data);
  });
}

// One at a time: the server reads each document whole, and the list keeps its order.
let uploading = Promise.resolve();
function upload(files) {
  for (const file of files) {
    const entry = queueItem(file);
    if (file.size > boot.maxBytes) {
      // Not worth sending: the API would answer 413 payload_too_large after the bytes.
      finish(entry, "error", T.too_big.replace("{max}", size(boot.maxBytes)));
      continue;
    }
    uploading = uploading.then(() => send(file, entry));
  }
}

const drop = $("#know-drop");
const picker = $("#know-file");
picker.addEventListener("change", () => {
  upload([...picker.files]);
  picker.value = "";
});
for (const name of ["dragenter", "dragover"]) {
  drop.addEventListener(name, (event) => {
    event.preventDefault();
    drop.dataset.state = "over";
  });
}
drop.addEventListener("dragleave", (event) => {
  if (!drop.contains(event.relatedTarget)) drop.dataset.state = "idle";
});
drop.addEventListener("drop", (event) => {
  event.preventDefault();
  drop.dataset.state = "idle";
  upload([...(event.dataTransfer?.files || [])]);
});
// A file dropped beside the zone must not make the browser leave the page to open it.
window.addEventListener("dragover", (event) => event.preventDefault());
window.addEventListener("drop", (event) => event.preventDefault());

// ------------------------------------------------------------ delete
const dialog = $("#know-delete-dialog");
let pending = null;
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-know-delete]");
  if (button) {
    pending = button.dataset.knowDelete;
    $("[data-delete-name]", dialog).textContent = button.dataset.title;
    $("[data-error]", dialog).hidden = true;
    dialog.showModal();
    $("button[type=submit]", dialog).focus();
  } else if (event.target.closest("[data-close]")) {
    dialog.close();
  }
});
$("form", dialog).addEventListener("submit", async (event) => {
  event.preventDefault();
  const submit = $("button[type=submit]", dialog);
  submit.disabled = true;
  try {
    await call("DELETE", `/api/v1/knowledge/${pending}`);
    document.getElementById(`doc-${pending}`)?.remove();
    recount();
    dialog.close();
    toast(T.deleted);
  } catch (error) {
    if (error.status !== 401) {
      const box = $("[data-error]", dialog);
      box.textContent = explain(error);
      box.hidden = false;
    }
  } finally {
    submit.disabled = false;
  }
});

// ------------------------------------------------------------ try a question
const tryForm = $("#know-try");
const snippets = $("#know-snippets");
tryForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  const error = $("[data-error]", tryForm.parentElement);
  const question = tryForm.elements.namedItem("question").value.trim();
  if (!question) return tryForm.elements.namedItem("question").focus();
  const button = $("button[type=submit]", tryForm);
  button.disabled = true;
  error.hidden = true;
  try {
    const found = await call("POST", "/api/v1/knowledge/search", { question });
    if (!found.snippets.length) {
      snippets.replaceChildren(el("p", "muted know-snippets__none", T.no_snippets));
      return;
    }
    const list = el("ol", "know-snippets__list");
    for (const snippet of found.snippets) {
      const item = el("li", "know-snippet");
      const head = el("div", "know-snippet__head");
      head.append(el("strong", "", snippet.title), el("span", "pill", `${T.score} ${snippet.score.toFixed(3)}`));
      item.append(head, el("p", "know-snippet__text", snippet.content));
      list.append(item);
    }
    snippets.replaceChildren(el("p", "small muted", T.snippets.replace("{limit}", found.limit)), list);
  } catch (failure) {
    if (failure.status !== 401) {
      error.textContent = explain(failure);
      error.hidden = false;
    }
  } finally {
    button.disabled = false;
  }
});
