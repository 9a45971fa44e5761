// Automations: group mirrors. The list, the rules editor (group pickers from the
// number's groups when it lists them, else one id per line), and the chosen mirror's
// live feed (original → as posted, where it went) and numbers. Everything goes through
// /api/v1/mirrors and /api/v1/connections with the inbox cookie (window.Balcao.call).

const { $, call, toast } = window.Balcao;
const boot = JSON.parse(document.getElementById("boot").textContent);
const T = boot.auto;
const API = "/api/v1/mirrors";
const FEED_MS = 10_000;
const PAGE = 20;
const COUNTS = ["received", "posted", "queued", "duplicate", "filtered", "failed", "rewriteFailed"];

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
const list = (text) => (text || "").split(/\n+/).map((s) => s.trim()).filter(Boolean);
const words = (text) => (text || "").split(",").map((s) => s.trim()).filter(Boolean);

function say(error) {
  const code = error.body?.code;
  if (code && T[`err.${code}`]) return T[`err.${code}`];
  const field = error.body?.extra?.field ? ` [${error.body.extra.field}]` : "";
  return fmt(T["err.generic"], { status: error.status || "—", detail: `${error.message}${field}` });
}

function showError(box, text) {
  box.textContent = text;
  box.hidden = !text;
  if (text) box.scrollIntoView({ block: "nearest" });
}

const state = { mirrors: [], connections: [], chosen: null, editing: null, page: 1, timer: null, groupNames: new Map() };

// A group's name where the number lists it (the feed and the table show names, not
// JIDs), its id otherwise.
const groupLabel = (id) => state.groupNames.get(id) || id;

async function loadGroupNames(connectionId) {
  try {
    const answer = await call("GET", `/api/v1/connections/${connectionId}/groups`);
    const groups = Array.isArray(answer) ? answer : answer?.data || [];
    for (const group of groups) if (group.name) state.groupNames.set(group.id, group.name);
  } catch {
    // Typed ids or a provider that lists no groups: the ids are shown.
  }
}

// ------------------------------------------------------------------ the list
async function loadMirrors() {
  try {
    const [mirrors, connections] = await Promise.all([
      call("GET", `${API}?limit=200`),
      call("GET", "/api/v1/connections?limit=200"),
    ]);
    state.mirrors = mirrors.data;
    state.connections = connections.data;
    showError($("#auto-error"), "");
  } catch (error) {
    showError($("#auto-error"), say(error));
    return;
  }
  renderMirrors();
  if (!state.chosen && state.mirrors.length) choose(state.mirrors[0].id);
}

function connectionName(id) {
  return state.connections.find((c) => c.id === id)?.name || "—";
}

function renderMirrors() {
  const box = $("#mirrors");
  box.replaceChildren();
  if (!state.mirrors.length) {
    box.append(el("li", { class: "muted", id: "auto-empty", text: T.empty }));
    return;
  }
  for (const mirror of state.mirrors) {
    const item = el(
      "li",
      { class: "automirror", "data-mirror": mirror.id, "aria-current": state.chosen === mirror.id ? "true" : null },
      el(
        "div",
        { class: "automirror__main" },
        el("button", { class: "automirror__name", type: "button", "data-open": mirror.id, text: mirror.name }),
        el("span", {
          class: "muted",
          text: `${connectionName(mirror.connectionId)} · ${fmt(T.groups_line, {
            sources: mirror.sourceGroupIds.length,
            destinations: mirror.destinationGroupIds.length,
          })}`,
        }),
      ),
      el("span", { class: `autobadge${mirror.isActive ? " autobadge--on" : ""}`, text: mirror.isActive ? T.active : T.inactive }),
      el(
        "div",
        { class: "automirror__btns" },
        el("button", { class: "btn btn--small", type: "button", "data-edit": mirror.id, text: T.edit }),
        el("button", { class: "btn btn--small btn--danger", type: "button", "data-delete": mirror.id, text: T.delete }),
      ),
    );
    box.append(item);
  }
}

$("#mirrors").addEventListener("click", async (event) => {
  const target = event.target.closest("button");
  if (!target) return;
  if (target.dataset.open) choose(target.dataset.open);
  if (target.dataset.edit) openForm(state.mirrors.find((m) => m.id === target.dataset.edit));
  if (target.dataset.delete && confirm(T.delete_confirm)) {
    try {
      await call("DELETE", `${API}/${target.dataset.delete}`);
      toast(T.deleted);
      if (state.chosen === target.dataset.delete) {
        state.chosen = null;
        $("#detail").hidden = true;
      }
      await loadMirrors();
    } catch (error) {
      showError($("#auto-error"), say(error));
    }
  }
});

// ------------------------------------------------------------------ the editor
const form = $("#mirror-form");

function fillConnections(selected) {
  const select = form.elements.connectionId;
  select.replaceChildren(...state.connections.map((c) => el("option", { value: c.id, text: `${c.name} (${c.provider})` })));
  if (selected) select.value = selected;
}

// The number's groups as checkboxes, when it lists them; the textareas stay the
// source of truth (ticking a box writes its id there), so typed ids work either way.
async function loadGroups(connectionId) {
  const pickers = form.querySelectorAll("[data-picker]");
  pickers.forEach((p) => p.replaceChildren());
  let groups = [];
  try {
    const answer = await call("GET", `/api/v1/connections/${connectionId}/groups`);
    groups = Array.isArray(answer) ? answer : answer?.data || [];
  } catch {
    groups = [];
  }
  $("#groups-hint").textContent = groups.length ? T["f.group_ids_hint"] : `${T["f.no_groups"]} ${T["f.group_ids_hint"]}`;
  for (const picker of pickers) {
    const area = form.elements[picker.dataset.picker];
    const chosen = new Set(list(area.value));
    for (const group of groups) {
      const box = el("input", { type: "checkbox", value: group.id, checked: chosen.has(group.id) });
      box.addEventListener("change", () => {
        const ids = new Set(list(area.value));
        if (box.checked) ids.add(group.id);
        else ids.delete(group.id);
        area.value = [...ids].join("\n");
      });
      picker.append(el("label", { class: "check" }, box, ` ${group.name || group.id}`));
    }
  }
}

function openForm(mirror) {
  if (!state.connections.length) {
    showError($("#auto-error"), T["err.no_connections"]);
    return;
  }
  state.editing = mirror || null;
  form.reset();
  showError($("#form-error"), "");
  fillConnections(mirror?.connectionId);
  const f = form.elements;
  if (mirror) {
    f.name.value = mirror.name;
    f.isActive.checked = mirror.isActive;
    f.sourceGroupIds.value = mirror.sourceGroupIds.join("\n");
    f.destinationGroupIds.value = mirror.destinationGroupIds.join("\n");
    f.keywords.value = (mirror.filters.keywords || []).join(", ");
    f.excludeKeywords.value = (mirror.filters.excludeKeywords || []).join(", ");
    for (const box of form.querySelectorAll("input[name=stores]")) box.checked = (mirror.filters.stores || []).includes(box.value);
    const a = mirror.affiliate;
    f.amazonTag.value = a.amazonTag || "";
    f.mattWord.value = a.mercadoLivre?.mattWord || "";
    f.mattTool.value = a.mercadoLivre?.mattTool || "";
    f.magaluStore.value = a.magaluStore || "";
    f.shopeeAppId.value = a.shopee?.appId || "";
    f.aliAppKey.value = a.aliexpress?.appKey || "";
    f.aliTrackingId.value = a.aliexpress?.trackingId || "";
    f.unmappedLinks.value = mirror.unmappedLinks;
    f.dedupHours.value = mirror.dedupHours;
    f.minIntervalPerGroupSeconds.value = mirror.minIntervalPerGroupSeconds;
    f.minIntervalSeconds.value = mirror.minIntervalSeconds;
    f.dailyCap.value = mirror.dailyCap ?? "";
    f.quietStart.value = mirror.quietHours?.start || "";
    f.quietEnd.value = mirror.quietHours?.end || "";
    f.template.value = mirror.template || "";
  }
  for (const input of form.querySelectorAll("[data-secret]")) {
    input.placeholder = mirror?.configuredSecrets.includes(input.dataset.secret) ? T["f.secret_set"] : "";
  }
  $("#form-title").textContent = mirror ? `${T.editor}: ${mirror.name}` : T.new;
  form.hidden = false;
  loadGroups(f.connectionId.value);
  f.name.focus();
  form.scrollIntoView({ block: "start" });
}

form.elements.connectionId.addEventListener("change", (e) => loadGroups(e.target.value));
$("#auto-new").addEventListener("click", () => openForm(null));
$("#form-cancel").addEventListener("click", () => {
  form.hidden = true;
});

function body() {
  const f = form.elements;
  const affiliate = {};
  if (f.amazonTag.value.trim()) affiliate.amazonTag = f.amazonTag.value.trim();
  if (f.mattWord.value.trim()) affiliate.mercadoLivre = { mattWord: f.mattWord.value.trim(), mattTool: f.mattTool.value.trim() || f.mattWord.value.trim() };
  if (f.magaluStore.value.trim()) affiliate.magaluStore = f.magaluStore.value.trim();
  if (f.shopeeAppId.value.trim()) affiliate.shopee = { appId: f.shopeeAppId.value.trim(), ...(f.shopeeSecret.value ? { secret: f.shopeeSecret.value } : {}) };
  if (f.aliAppKey.value.trim())
    affiliate.aliexpress = {
      appKey: f.aliAppKey.value.trim(),
      trackingId: f.aliTrackingId.value.trim(),
      ...(f.aliSecret.value ? { secret: f.aliSecret.value } : {}),
    };
  const filters = {};
  if (words(f.keywords.value).length) filters.keywords = words(f.keywords.value);
  if (words(f.excludeKeywords.value).length) filters.excludeKeywords = words(f.excludeKeywords.value);
  const stores = [...form.querySelectorAll("input[name=stores]:checked")].map((b) => b.value);
  if (stores.length) filters.stores = stores;
  const quiet = f.quietStart.value && f.quietEnd.value ? { start: f.quietStart.value, end: f.quietEnd.value } : null;
  return {
    name: f.name.value.trim(),
    connectionId: f.connectionId.value,
    isActive: f.isActive.checked,
    sourceGroupIds: list(f.sourceGroupIds.value),
    destinationGroupIds: list(f.destinationGroupIds.value),
    filters,
    affiliate,
    unmappedLinks: f.unmappedLinks.value,
    dedupHours: Number(f.dedupHours.value || 6),
    minIntervalPerGroupSeconds: Number(f.minIntervalPerGroupSeconds.value || 0),
    minIntervalSeconds: Number(f.minIntervalSeconds.value || 0),
    quietHours: quiet,
    dailyCap: f.dailyCap.value ? Number(f.dailyCap.value) : null,
    template: f.template.value.trim() ? f.template.value : null,
  };
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  try {
    const saved = state.editing
      ? await call("PATCH", `${API}/${state.editing.id}`, body())
      : await call("POST", API, body());
    toast(T.saved);
    form.hidden = true;
    state.chosen = null;
    await loadMirrors();
    choose(saved.id);
  } catch (error) {
    showError($("#form-error"), say(error));
  }
});

// ------------------------------------------------------------------ one mirror
function choose(id) {
  state.chosen = id;
  state.page = 1;
  renderMirrors();
  const mirror = state.mirrors.find((m) => m.id === id);
  if (!mirror) return;
  $("#detail").hidden = false;
  $("#detail-title").textContent = mirror.name;
  loadGroupNames(mirror.connectionId).then(refresh);
  clearInterval(state.timer);
  state.timer = setInterval(() => {
    if (!document.hidden) refresh();
  }, FEED_MS);
}

async function refresh() {
  const id = state.chosen;
  if (!id) return;
  const status = $("#feed-status").value;
  const query = `?page=1&limit=${PAGE * state.page}${status ? `&status=${status}` : ""}`;
  try {
    const [stats, posts] = await Promise.all([call("GET", `${API}/${id}/stats`), call("GET", `${API}/${id}/posts${query}`)]);
    if (id !== state.chosen) return;
    renderStats(stats);
    renderFeed(posts);
  } catch (error) {
    showError($("#auto-error"), say(error));
  }
}

function renderStats(stats) {
  $("#stats tbody").replaceChildren(
    ...COUNTS.map((key) =>
      el(
        "tr",
        { "data-count": key, class: key === "failed" || key === "rewriteFailed" ? "autostats__bad" : null },
        el("th", { scope: "row", text: T[`n.${key}`] }),
        ...["today", "week", "month"].map((when) =>
          el("td", { "data-window": when, "data-zero": stats[when][key] === 0, text: String(stats[when][key]) }),
        ),
      ),
    ),
  );
  $("#per-group tbody").replaceChildren(
    ...stats.destinations.map((g) =>
      el(
        "tr",
        { "data-group": g.groupId },
        el("td", { "data-label": T.group, text: groupLabel(g.groupId), title: g.groupId }),
        el("td", { "data-label": T["n.posted"], text: String(g.today.posted) }),
        el("td", { "data-label": T["n.queued"], text: String(g.today.queued) }),
        el("td", { "data-label": T["n.duplicate"], text: String(g.today.duplicate) }),
        el("td", { "data-label": T["n.failed"], text: String(g.today.failed) }),
      ),
    ),
  );
}

function renderFeed(posts) {
  const box = $("#feed");
  if (!posts.data.length) {
    box.replaceChildren(el("li", { class: "muted", text: T.feed_empty }));
    $("#feed-more").hidden = true;
    return;
  }
  box.replaceChildren(
    ...posts.data.map((post) => {
      const when = new Date(post.createdAt).toLocaleString(boot.lang === "en" ? "en" : "pt-BR", { dateStyle: "short", timeStyle: "short" });
      return el(
        "li",
        { class: "autopost", "data-post": post.id, "data-status": post.status },
        el(
          "div",
          { class: "autopost__head" },
          el("span", { class: `autobadge autobadge--${post.status.toLowerCase()}`, text: T[`st.${post.status}`] || post.status }),
          el("span", { text: when }),
          el("span", { text: groupLabel(post.sourceGroupId), title: post.sourceGroupId }),
          post.store ? el("span", { text: post.store }) : "",
        ),
        el(
          "div",
          { class: "autopost__texts" },
          el("div", {}, el("span", { class: "autopost__label", text: T.original }), el("p", { class: "autopost__text", text: post.originalText })),
          el("span", { class: "autopost__arrow", "aria-hidden": "true", text: "→" }),
          el("div", {}, el("span", { class: "autopost__label", text: T.rewritten }), el("p", { class: "autopost__text autopost__text--out", text: post.text ?? "—" })),
        ),
        post.reason ? el("p", { class: "autopost__reason", "data-reason": post.reason, text: T[`reason.${post.reason}`] || post.reason }) : "",
        post.destinations.length
          ? el(
              "ul",
              { class: "autopost__dests", "aria-label": T.where },
              ...post.destinations.map((d) => el("li", { "data-dest": d.groupId, "data-dest-status": d.status, title: d.error || "" }, `${groupLabel(d.groupId)}: ${T[`ds.${d.status}`] || d.status}`)),
            )
          : "",
      );
    }),
  );
  $("#feed-more").hidden = !posts.pagination.has_next_page;
}

$("#feed-status").addEventListener("change", () => {
  state.page = 1;
  refresh();
});
$("#feed-more").addEventListener("click", () => {
  state.page += 1;
  refresh();
});
// The inbox's event stream: a message anywhere may be a new post here or its outcome;
// at most one refresh every few seconds, however busy the organization is.
let lastNotice = 0;
document.addEventListener("balcao:notice", () => {
  if (Date.now() - lastNotice < 3000) return;
  lastNotice = Date.now();
  refresh();
});

loadMirrors();
