// Bot rules: the list in order (drag, or ↑ ↓ on a phone), the rule editor with nested
// menus, and the "testar uma mensagem" box. Everything goes through /api/v1/bot-rules
// (and the lists of connections, departments, tabulations and users) with the inbox
// cookie (window.Balcao.call), as any other client would.

const { call, toast } = window.Balcao;
const boot = JSON.parse(document.getElementById("boot").textContent);
const T = boot.bot;
const API = "/api/v1/bot-rules";
const TYPES = ["REPLY", "MENU", "TABULATE", "ASSIGN", "HAND_TO_AI", "HANDOFF", "CLOSE"];

const $ = (selector, root = document) => root.querySelector(selector);
const fmt = (text, values) => text.replace(/\{(\w+)\}/g, (all, k) => (k in values ? values[k] : all));
const el = (tag, attrs = {}, ...children) => {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "text") node.textContent = v;
    else if (k === "class") node.className = v;
    else if (k === "value") node.value = v;
    else node.setAttribute(k, v === true ? "" : v);
  }
  node.append(...children);
  return node;
};
const pageOf = (answer) => (Array.isArray(answer) ? answer : answer?.data || []);

function say(error) {
  const code = error.body?.code;
  if (code && T[`err.${code}`]) return T[`err.${code}`];
  const field = error.body?.extra?.field ? ` [${error.body.extra.field}]` : "";
  return fmt(T["err.generic"], { status: error.status || "—", detail: `${error.message}${field}` });
}
function showError(box, text) {
  box.textContent = text;
  box.hidden = !text;
}

const state = { rules: [], lists: { connections: [], departments: [], tabulations: [], agents: [] }, editing: null, menuState: null };

// ------------------------------------------------------------------ lists
async function loadLists() {
  const get = async (url) => { try { return pageOf(await call("GET", url)); } catch { return []; } };
  const [connections, departments, tabulations, users] = await Promise.all([
    get("/api/v1/connections?limit=200"), get("/api/v1/departments?limit=200"),
    get("/api/v1/tabulations?limit=200"), get("/api/v1/users?limit=200"),
  ]);
  Object.assign(state.lists, { connections, departments, tabulations, agents: users.filter((u) => u.isActive !== false) });
  for (const select of document.querySelectorAll("select[data-fill]")) fill(select, select.dataset.fill);
}
function options(kind) {
  const { connections, departments, tabulations, agents } = state.lists;
  if (kind === "connections") return [["", T.any_connection], ...connections.map((c) => [c.id, c.name])];
  if (kind === "departments") return [["", T.any_department], ...departments.map((d) => [d.id, d.name])];
  if (kind === "assign-departments") return [["", T.no_department], ...departments.map((d) => [d.id, d.name])];
  if (kind === "tabulations") return tabulations.map((t) => [t.id, t.name]);
  if (kind === "agents") return [["", T.no_agent], ...agents.map((u) => [u.id, u.name || u.email])];
  return [];
}
function fill(select, kind, value) {
  const keep = value ?? select.value;
  select.replaceChildren(...options(kind).map(([v, label]) => el("option", { value: v, text: label })));
  select.value = keep || (select.options[0]?.value ?? "");
}

// ------------------------------------------------------------------ the list
function summary(rule) {
  const m = rule.match;
  const text = m.kind === "ANY" ? T["summary.any"] : `${T[`k.${m.kind}`]} “${m.value}”`;
  const chips = [];
  const name = (list, id) => list.find((x) => x.id === id)?.name || "…";
  if (rule.connectionId) chips.push(name(state.lists.connections, rule.connectionId));
  if (rule.departmentId) chips.push(name(state.lists.departments, rule.departmentId));
  if (rule.when?.openHours === true) chips.push(T["h.open"]);
  if (rule.when?.openHours === false) chips.push(T["h.closed"]);
  chips.push(...rule.actions.map((a) => T[`a.${a.type}`]));
  return { text, chips };
}

function renderRules() {
  const box = $("#rules");
  if (!state.rules.length) {
    box.replaceChildren(el("li", { class: "muted", text: T.empty }));
    return;
  }
  box.replaceChildren(...state.rules.map((rule, i) => {
    const { text, chips } = summary(rule);
    const item = el("li", { class: `botrule${rule.isActive ? "" : " is-inactive"}`, draggable: "true", "data-id": rule.id },
      el("span", { class: "botrule__handle", "aria-hidden": "true", text: "⠿" }),
      el("div", { class: "botrule__main" },
        el("div", { class: "botrule__name", text: `${i + 1}. ${rule.name}` }),
        el("div", { class: "botrule__match", text }),
        el("div", {}, ...chips.map((c) => el("span", { class: "botchip", text: c })),
          el("span", { class: `pill ${rule.isActive ? "pill--on" : "pill--off"}`, text: rule.isActive ? T.active : T.inactive }))),
      el("div", { class: "botrule__actions" },
        el("button", { class: "btn btn--small", type: "button", "data-move": "-1", "aria-label": `${T.up}: ${rule.name}`, disabled: i === 0, text: "↑" }),
        el("button", { class: "btn btn--small", type: "button", "data-move": "1", "aria-label": `${T.down}: ${rule.name}`, disabled: i === state.rules.length - 1, text: "↓" }),
        el("button", { class: "btn btn--small", type: "button", "data-edit": "", text: T.edit }),
        el("button", { class: "btn btn--small", type: "button", "data-toggle": "", text: rule.isActive ? T.deactivate : T.activate }),
        el("button", { class: "btn btn--small btn--danger", type: "button", "data-delete": "", text: T.delete })));
    return item;
  }));
}

async function loadRules() {
  try {
    state.rules = pageOf(await call("GET", `${API}?limit=200`));
    renderRules();
  } catch (error) {
    showError($("#bot-error"), say(error));
  }
}

async function saveOrder(ids) {
  const box = $("#rules");
  box.setAttribute("aria-busy", "true");
  try {
    await call("POST", `${API}/reorder`, { ids });
    toast(T.reordered);
  } catch (error) {
    showError($("#bot-error"), say(error));
  }
  await loadRules();
  box.removeAttribute("aria-busy");
}

function wireList() {
  const box = $("#rules");
  box.addEventListener("click", async (event) => {
    const button = event.target.closest("button");
    const item = event.target.closest("[data-id]");
    if (!button || !item) return;
    const rule = state.rules.find((r) => r.id === item.dataset.id);
    if (button.dataset.move) {
      const ids = state.rules.map((r) => r.id);
      const from = ids.indexOf(rule.id);
      const to = from + Number(button.dataset.move);
      [ids[from], ids[to]] = [ids[to], ids[from]];
      await saveOrder(ids);
    } else if (button.hasAttribute("data-edit")) {
      openEditor(rule);
    } else if (button.hasAttribute("data-toggle")) {
      try {
        await call("PATCH", `${API}/${rule.id}`, { isActive: !rule.isActive });
      } catch (error) { showError($("#bot-error"), say(error)); }
      await loadRules();
    } else if (button.hasAttribute("data-delete")) {
      if (!window.confirm(fmt(T.delete_confirm, { name: rule.name }))) return;
      try {
        await call("DELETE", `${API}/${rule.id}`);
        toast(T.deleted);
      } catch (error) { showError($("#bot-error"), say(error)); }
      await loadRules();
    }
  });
  let dragged = null;
  box.addEventListener("dragstart", (event) => {
    dragged = event.target.closest("[data-id]");
    if (!dragged) return;
    dragged.classList.add("is-dragging");
    box.setAttribute("aria-busy", "true"); // until the new order is saved and read back
    event.dataTransfer?.setData("text/plain", dragged.dataset.id);
  });
  box.addEventListener("dragover", (event) => {
    if (!dragged) return;
    event.preventDefault();
    const over = event.target.closest("[data-id]");
    if (!over || over === dragged) return;
    const after = event.clientY > over.getBoundingClientRect().top + over.offsetHeight / 2;
    over[after ? "after" : "before"](dragged);
  });
  box.addEventListener("drop", (event) => event.preventDefault());
  box.addEventListener("dragend", async () => {
    if (!dragged) return;
    dragged.classList.remove("is-dragging");
    dragged = null;
    const ids = [...box.querySelectorAll("[data-id]")].map((li) => li.dataset.id);
    if (ids.join() !== state.rules.map((r) => r.id).join()) await saveOrder(ids);
    else box.removeAttribute("aria-busy");
  });
}

// ------------------------------------------------------------------ the editor
function field(label, input, hint) {
  const node = el("label", {}, label, input);
  if (hint) node.append(el("span", { class: "muted small", text: hint }));
  return node;
}

function actionsBox(actions, depth, allowMenu = true) {
  const box = el("div", { class: "botactions", "data-depth": String(depth) });
  const list = el("div", { class: "botactions__list" });
  for (const action of actions) list.append(actionNode(action, depth, allowMenu));
  const add = el("button", { class: "btn btn--small", type: "button", text: `+ ${T.add_action}` });
  add.addEventListener("click", () => list.append(actionNode({ type: "REPLY", text: "" }, depth, allowMenu)));
  box.append(list, add);
  return box;
}

function actionNode(action, depth, allowMenu) {
  const node = el("div", { class: "botaction", "data-action": "" });
  const types = TYPES.filter((t) => allowMenu || (t !== "MENU" && t !== "HAND_TO_AI"));
  const type = el("select", { "aria-label": T["f.actions"], "data-type": "" },
    ...types.map((t) => el("option", { value: t, text: T[`a.${t}`] })));
  type.value = action.type;
  const remove = el("button", { class: "btn btn--small btn--danger", type: "button", text: T.remove });
  remove.addEventListener("click", () => node.remove());
  const body = el("div", { class: "botaction__body" });
  node.append(el("div", { class: "botaction__head" }, type, remove), body);
  const draw = (value) => body.replaceChildren(...actionFields(value, depth));
  type.addEventListener("change", () => draw({ type: type.value }));
  draw(action);
  return node;
}

function actionFields(action, depth) {
  const t = action.type;
  if (t === "REPLY") {
    return [
      field(T["f.text"], el("textarea", { rows: "3", "data-f": "text", maxlength: "4000", value: action.text || "" }), T["f.text_hint"]),
      field(T["f.media"], el("input", { type: "url", "data-f": "mediaUrl", value: action.media?.url || "", placeholder: "https://…" })),
    ];
  }
  if (t === "MENU") {
    const opts = el("div", { class: "botoptions" });
    for (const o of action.options || [{ key: "1", label: "", actions: [{ type: "REPLY", text: "" }] }]) opts.append(optionNode(o, depth));
    const add = el("button", { class: "btn btn--small", type: "button", text: `+ ${T.add_option}` });
    add.addEventListener("click", () => opts.append(optionNode({ key: String(opts.children.length + 1), label: "", actions: [{ type: "REPLY", text: "" }] }, depth)));
    return [
      field(T["f.menu_text"], el("textarea", { rows: "2", "data-f": "text", maxlength: "4000", value: action.text || "" })),
      el("div", { class: "muted small", text: T["f.options"] }), opts, add,
      el("div", { class: "botrow" },
        field(T["f.max_retries"], el("input", { type: "number", min: "1", max: "10", "data-f": "maxRetries", value: String(action.maxRetries ?? 3) })),
        field(T["f.timeout"], el("input", { type: "number", min: "1", max: "10080", "data-f": "timeoutMinutes", value: action.timeoutMinutes ?? "" }))),
      field(T["f.invalid_text"], el("input", { "data-f": "invalidText", maxlength: "4000", value: action.invalidText || "Não entendi. Responda com o número de uma das opções." })),
      el("div", { class: "muted small", text: T["f.timeout_actions"] }),
      actionsBox(action.timeoutActions || [], depth + 1, false),
    ];
  }
  if (t === "TABULATE") {
    const select = el("select", { "data-f": "tabulationId" });
    fill(select, "tabulations", action.tabulationId);
    return [field(T["f.tabulation"], select)];
  }
  if (t === "ASSIGN") {
    const dept = el("select", { "data-f": "departmentId" });
    const agent = el("select", { "data-f": "agentId" });
    fill(dept, "assign-departments", action.departmentId);
    fill(agent, "agents", action.agentId);
    return [el("div", { class: "botrow" }, field(T["f.department"], dept), field(T["f.agent"], agent))];
  }
  if (t === "HANDOFF") return [field(T["f.reason"], el("input", { "data-f": "reason", maxlength: "200", value: action.reason || "bot_handoff" }))];
  if (t === "CLOSE") return [field(T["f.end_reason"], el("input", { "data-f": "endReason", maxlength: "200", value: action.endReason || "bot_closed" }))];
  return [];
}

function optionNode(option, depth) {
  const node = el("div", { class: "botoption", "data-option": "" });
  const remove = el("button", { class: "btn btn--small btn--danger", type: "button", text: T.remove });
  remove.addEventListener("click", () => node.remove());
  node.append(
    el("div", { class: "botrow" },
      field(T["f.key"], el("input", { "data-o": "key", maxlength: "20", value: option.key || "" })),
      field(T["f.label"], el("input", { "data-o": "label", maxlength: "200", value: option.label || "" })),
      remove),
    el("div", { class: "muted small", text: T["f.option_actions"] }),
    actionsBox(option.actions || [], depth + 1));
  return node;
}

function readActions(box) {
  const list = box.querySelector(":scope > .botactions__list");
  return [...list.children].map(readAction);
}

function readAction(node) {
  const type = node.querySelector(":scope > .botaction__head > [data-type]").value;
  const body = node.querySelector(":scope > .botaction__body");
  const f = (name) => body.querySelector(`:scope > label > [data-f=${name}], :scope > .botrow > label > [data-f=${name}]`)?.value ?? "";
  if (type === "REPLY") {
    const action = { type, text: f("text") };
    if (f("mediaUrl")) action.media = { url: f("mediaUrl") };
    return action;
  }
  if (type === "MENU") {
    const options = [...body.querySelectorAll(":scope > .botoptions > [data-option]")].map((o) => ({
      key: o.querySelector(":scope > .botrow [data-o=key]").value.trim(),
      label: o.querySelector(":scope > .botrow [data-o=label]").value.trim(),
      actions: readActions(o.querySelector(":scope > .botactions")),
    }));
    const action = { type, text: f("text"), options, maxRetries: Number(f("maxRetries") || 3), invalidText: f("invalidText") };
    const timeout = f("timeoutMinutes");
    if (timeout) {
      action.timeoutMinutes = Number(timeout);
      action.timeoutActions = readActions(body.querySelector(":scope > .botactions"));
    }
    return action;
  }
  if (type === "TABULATE") return { type, tabulationId: f("tabulationId") || null };
  if (type === "ASSIGN") {
    const action = { type };
    if (f("departmentId")) action.departmentId = f("departmentId");
    if (f("agentId")) action.agentId = f("agentId");
    return action;
  }
  if (type === "HANDOFF") return { type, reason: f("reason") || "bot_handoff" };
  if (type === "CLOSE") return { type, endReason: f("endReason") || "bot_closed" };
  return { type };
}

function openEditor(rule) {
  const form = $("#rule-form");
  state.editing = rule || null;
  showError($("#form-error"), "");
  $("#form-title").textContent = rule ? T.editor_edit : T.editor_new;
  form.name.value = rule?.name || "";
  form.isActive.checked = rule ? rule.isActive : true;
  form.kind.value = rule?.match.kind || "CONTAINS";
  form.value.value = rule?.match.value || "";
  fill(form.connectionId, "connections", rule?.connectionId || "");
  fill(form.departmentId, "departments", rule?.departmentId || "");
  const open = rule?.when?.openHours;
  form.openHours.value = open === true ? "true" : open === false ? "false" : "";
  for (const box of form.querySelectorAll("[name=sessionStatus]")) box.checked = (rule?.when?.sessionStatus || []).includes(box.value);
  form.cooldownMinutes.value = String(rule?.cooldownMinutes ?? 0);
  $("#actions").replaceChildren(actionsBox(rule?.actions || [{ type: "REPLY", text: "" }], 0));
  syncKind();
  form.hidden = false;
  form.scrollIntoView({ block: "start" });
  form.name.focus();
}

function syncKind() {
  const form = $("#rule-form");
  $("[data-value]", form).hidden = form.kind.value === "ANY";
}

function ruleBody() {
  const form = $("#rule-form");
  const statuses = [...form.querySelectorAll("[name=sessionStatus]:checked")].map((b) => b.value);
  const when = {};
  if (form.openHours.value) when.openHours = form.openHours.value === "true";
  if (statuses.length) when.sessionStatus = statuses;
  const match = { kind: form.kind.value };
  if (form.kind.value !== "ANY") match.value = form.value.value;
  return {
    name: form.name.value.trim(),
    isActive: form.isActive.checked,
    match,
    when,
    connectionId: form.connectionId.value || null,
    departmentId: form.departmentId.value || null,
    cooldownMinutes: Number(form.cooldownMinutes.value || 0),
    actions: readActions($("#actions > .botactions")),
  };
}

function wireEditor() {
  const form = $("#rule-form");
  $("#bot-new").addEventListener("click", () => openEditor(null));
  $("#rule-cancel").addEventListener("click", () => { form.hidden = true; });
  form.kind.addEventListener("change", syncKind);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = ruleBody();
    try {
      if (state.editing) await call("PATCH", `${API}/${state.editing.id}`, body);
      else await call("POST", API, body);
      form.hidden = true;
      toast(T.saved);
      await loadRules();
    } catch (error) {
      showError($("#form-error"), say(error));
    }
  });
}

// ------------------------------------------------------------------ the test box
function wireTest() {
  const form = $("#test-form");
  const box = $("#test-result");
  $("#test-reset").addEventListener("click", () => {
    state.menuState = null;
    box.hidden = true;
    form.text.value = "";
    form.text.focus();
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = { text: form.text.value, connectionId: form.connectionId.value || null, departmentId: form.departmentId.value || null };
    if (state.menuState) body.menuState = state.menuState;
    try {
      const answer = await call("POST", `${API}/test`, body);
      state.menuState = answer.menuState;
      const parts = [];
      if (!answer.openHours) parts.push(el("p", { class: "botchip", text: T.test_closed }));
      if (answer.fired) {
        parts.push(el("p", { class: "botresult__rule" }, el("strong", { text: fmt(T.test_fired, { name: answer.ruleName }) }), " ", el("span", { class: "botchip", text: T[`kind.${answer.kind}`] || answer.kind })));
        parts.push(...answer.replies.map((text) => el("div", { class: "botbubble", text })));
        if (answer.actions.length) parts.push(el("p", {}, ...answer.actions.map((a) => el("span", { class: "botchip", text: T[`a.${a.type}`] + (a.reason ? `: ${a.reason}` : "") }))));
        if (answer.menuState) parts.push(el("p", { class: "muted small", text: T.test_in_menu }));
      } else {
        parts.push(el("p", { text: T.test_none }));
      }
      box.replaceChildren(...parts);
      box.hidden = false;
      form.text.select();
    } catch (error) {
      box.replaceChildren(el("p", { class: "dialog__error", text: say(error) }));
      box.hidden = false;
    }
  });
}

wireList();
wireEditor();
wireTest();
await loadLists();
await loadRules();
