// Team chat (/inbox/team): the channel list, one thread, a composer. Reads and writes
// only through /api/v1/team; follows the inbox's event stream (inbox.js re-dispatches
// each notice as "balcao:notice") and refetches what a notice names.
const { api, $, toast } = window.Balcao;
const boot = JSON.parse($("#boot").textContent);
const S = boot.tchat;
const me = boot.userId;
const root = $("#tchat");
const items = $("#tchat-items");
const text = $("#tchat-text");
const LIMIT = 50;

let channels = [];
let open = null; // the channel shown in the thread
let oldest = null; // the first message shown (the cursor for older pages)
let threadTurn = 0; // answers to an older request are dropped
let listTurn = 0;

function failed(error) {
  const box = $("#tchat-error");
  box.textContent = S.failed.replace("{status}", error.status || "").replace("{detail}", error.message);
  box.hidden = false;
}

function initials(name) {
  const parts = (name || "").split(/\s+/).filter((p) => /^[\p{L}\p{N}]/u.test(p));
  if (!parts.length) return "?";
  return (parts[0][0] + (parts.length > 1 ? parts[parts.length - 1][0] : "")).toUpperCase();
}

const zone = { timeZone: boot.timezone, hourCycle: "h23" };
const dayOf = new Intl.DateTimeFormat("en-CA", { ...zone, dateStyle: "short" });
const hourOnly = new Intl.DateTimeFormat(boot.lang, { ...zone, hour: "2-digit", minute: "2-digit" });
const withDay = new Intl.DateTimeFormat(boot.lang, { ...zone, day: "2-digit", month: "2-digit", hour: "2-digit", minute: "2-digit" });
function when(iso) {
  const at = new Date(iso);
  return (dayOf.format(at) === dayOf.format(new Date()) ? hourOnly : withDay).format(at);
}

function el(tag, className, content) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (content !== undefined) node.textContent = content;
  return node;
}

function count(n) {
  return n > 99 ? "99+" : String(n);
}

// ---------------------------------------------------------------- the list
function channelButton(channel) {
  const button = el("button", "tchan");
  button.type = "button";
  button.dataset.channel = channel.id;
  button.setAttribute("aria-current", String(channel.id === open));
  button.classList.toggle("is-unread", channel.unreadCount > 0);
  const avatar = channel.kind === "DEPARTMENT" ? el("span", "avatar tchan__hash", "#") : el("span", "avatar", initials(channel.name));
  avatar.setAttribute("aria-hidden", "true");
  const body = el("span", "tchan__body");
  body.append(el("span", "tchan__name", channel.name));
  const last = channel.lastMessage;
  let preview = channel.kind === "DEPARTMENT" ? S.dept_hint : S.direct_hint;
  if (last) {
    const who = last.authorUserId === me ? S.you : last.authorName || "";
    preview = `${who}: ${last.text || S.shared}`;
  }
  body.append(el("span", "tchan__preview", preview));
  const badge = el("span", "tcount", count(channel.unreadCount));
  badge.hidden = channel.unreadCount === 0;
  badge.setAttribute("aria-label", `${channel.unreadCount} ${S.unread}`);
  button.append(avatar, body, badge);
  const li = el("li");
  li.append(button);
  return li;
}

function renderList() {
  const departments = channels.filter((c) => c.kind === "DEPARTMENT");
  const directs = channels.filter((c) => c.kind === "DIRECT");
  $("#tchat-departments").replaceChildren(...(departments.length ? departments.map(channelButton) : [el("li", "muted", S.empty_list)]));
  $("#tchat-directs").replaceChildren(...(directs.length ? directs.map(channelButton) : [el("li", "muted", S.no_directs)]));
}

async function loadChannels() {
  const turn = ++listTurn;
  const listed = await api.get("/api/v1/team/channels");
  if (turn !== listTurn) return;
  channels = listed.data;
  renderList();
  document.dispatchEvent(new CustomEvent("balcao:team-unread", { detail: listed.unreadTotal }));
  const shown = channels.find((c) => c.id === open);
  if (shown) header(shown);
}

async function loadPeople() {
  const people = await api.get("/api/v1/team/people");
  const select = $("#tchat-people");
  for (const person of people) {
    const option = el("option", "", `${person.name} (${S["role." + person.role] || person.role})`);
    option.value = person.id;
    select.append(option);
  }
}

// ---------------------------------------------------------------- the thread
function header(channel) {
  $("#tchat-thread-title").textContent = channel.name;
  const kind = channel.kind === "DEPARTMENT" ? S.dept_hint : S.direct_hint;
  $("#tchat-thread-hint").textContent = `${kind} · ${S.never_sent}`;
}

function sharedCard(shared) {
  const card = el("div", "tshare");
  card.append(el("span", "tshare__label", S.shared));
  if (shared.canOpen) {
    const link = el("a", "tshare__link", `${shared.contactName} · ${S["status." + shared.status] || shared.status}`);
    link.href = shared.url;
    link.dataset.sharedSession = shared.id;
    card.append(link);
  } else {
    card.classList.add("is-locked");
    card.append(el("span", "", S.shared_locked));
  }
  return card;
}

function messageItem(message) {
  const mine = message.authorUserId === me;
  const li = el("li", "tmsg" + (mine ? " is-mine" : ""));
  li.dataset.id = message.id;
  li.append(el("span", "tmsg__who", mine ? S.you : message.authorName || "—"));
  if (message.sharedSession) li.append(sharedCard(message.sharedSession));
  if (message.text) li.append(el("p", "tmsg__text", message.text));
  const time = el("time", "tmsg__time", when(message.createdAt));
  time.dateTime = message.createdAt;
  li.append(time);
  return li;
}

function scrollDown() {
  const box = $("#tchat-messages");
  box.scrollTop = box.scrollHeight;
}

async function loadThread() {
  if (!open) return;
  const turn = ++threadTurn;
  const channelId = open;
  const page = await api.get(`/api/v1/team/channels/${channelId}/messages?limit=${LIMIT}`);
  if (turn !== threadTurn || channelId !== open) return;
  items.replaceChildren(...(page.data.length ? page.data.map(messageItem) : [el("li", "muted", S.empty_thread)]));
  oldest = page.data.length ? page.data[0].id : null;
  $("#tchat-older").hidden = !page.hasMore;
  scrollDown();
  const last = page.data[page.data.length - 1];
  const shown = channels.find((c) => c.id === channelId);
  if (last && shown && shown.unreadCount > 0) await markRead(channelId, last.id);
}

async function loadOlder() {
  if (!open || !oldest) return;
  const box = $("#tchat-messages");
  const from = box.scrollHeight - box.scrollTop;
  const page = await api.get(`/api/v1/team/channels/${open}/messages?limit=${LIMIT}&before=${oldest}`);
  items.prepend(...page.data.map(messageItem));
  oldest = page.data.length ? page.data[0].id : oldest;
  $("#tchat-older").hidden = !page.hasMore;
  box.scrollTop = box.scrollHeight - from;
}

async function markRead(channelId, messageId) {
  const state = await api.post(`/api/v1/team/channels/${channelId}/read`, { messageId });
  const shown = channels.find((c) => c.id === channelId);
  if (shown) shown.unreadCount = state.unreadCount;
  renderList();
  document.dispatchEvent(new CustomEvent("balcao:team-unread", { detail: state.unreadTotal }));
}

async function openChannel(id, { push = true } = {}) {
  const channel = channels.find((c) => c.id === id);
  if (!channel) return;
  open = id;
  oldest = null;
  header(channel);
  items.replaceChildren(el("li", "muted", S.loading));
  $("#tchat-composer").hidden = false;
  root.classList.add("is-open");
  renderList();
  if (push) history.pushState({ channel: id }, "", `/inbox/team?channel=${id}`);
  await loadThread();
  text.focus();
}

function closeChannel({ push = true } = {}) {
  open = null;
  root.classList.remove("is-open");
  $("#tchat-composer").hidden = true;
  $("#tchat-thread-title").textContent = S.pick;
  items.replaceChildren();
  renderList();
  if (push) history.pushState({}, "", "/inbox/team");
}

async function send() {
  const value = text.value.trim();
  if (!value || !open) return;
  if (value.length > 4000) return toast(S.too_long, "error");
  const button = $("#tchat-send");
  button.disabled = true;
  try {
    await api.post(`/api/v1/team/channels/${open}/messages`, { text: value });
    text.value = "";
    await loadThread();
    await loadChannels();
  } catch (error) {
    failed(error);
  } finally {
    button.disabled = false;
  }
}

// ---------------------------------------------------------------- wiring
root.addEventListener("click", (event) => {
  const button = event.target.closest(".tchan[data-channel]");
  if (button) openChannel(button.dataset.channel).catch(failed);
});
$("#tchat-back").addEventListener("click", () => closeChannel());
$("#tchat-older").addEventListener("click", () => loadOlder().catch(failed));
$("#tchat-composer").addEventListener("submit", (event) => {
  event.preventDefault();
  send();
});
text.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    send();
  }
});
$("#tchat-people").addEventListener("change", async (event) => {
  const userId = event.target.value;
  if (!userId) return;
  event.target.value = "";
  try {
    const channel = await api.post("/api/v1/team/direct", { userId });
    await loadChannels();
    await openChannel(channel.id);
  } catch (error) {
    failed(error);
  }
});

document.addEventListener("balcao:notice", (event) => {
  const notice = event.detail;
  if (!notice.event.startsWith("team.")) return;
  const refresh = notice.event === "team.message.created" && notice.channelId === open;
  loadChannels()
    .then(() => (refresh ? loadThread() : null))
    .catch(() => null);
});
document.addEventListener("balcao:resync", () => {
  loadChannels()
    .then(() => loadThread())
    .catch(() => null);
});
window.addEventListener("popstate", () => {
  const id = new URLSearchParams(location.search).get("channel");
  if (id) openChannel(id, { push: false }).catch(failed);
  else closeChannel({ push: false });
});

async function start() {
  await Promise.all([loadChannels(), loadPeople()]);
  if (boot.channel) await openChannel(boot.channel, { push: false });
  root.dataset.ready = "true";
}
start().catch(failed);
