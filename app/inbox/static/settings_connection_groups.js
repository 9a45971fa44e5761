// Balcão settings → one connection → "Grupos": the groups the number is in, read from
// the public API (GET /api/v1/connections/{id}/groups, answered from the database), and
// a refresh that lists them again in the background (?refresh=true answers 202) and
// re-reads the list until the new one has come.

const boot = JSON.parse(document.getElementById("boot").textContent);
const T = boot.groups;
const { $, call } = window.Balcao;
const url = `/api/v1/connections/${boot.connection.id}/groups`;
const POLL_MS = 1000;
const POLL_TIMES = 15;

function participants(n) {
  return n === 1 ? T.one : T.many.replace("{n}", String(n));
}

function draw(groups) {
  const list = $("#conn-groups-list");
  list.replaceChildren();
  if (!groups.length) {
    const empty = document.createElement("li");
    empty.className = "muted small";
    empty.textContent = T.empty;
    list.append(empty);
    return;
  }
  for (const group of groups) {
    const item = document.createElement("li");
    item.className = "conn-group";
    item.dataset.groupId = group.id;
    const name = document.createElement("strong");
    name.className = "conn-group__name";
    name.textContent = group.name;
    const count = document.createElement("span");
    count.className = "conn-group__count muted small";
    count.textContent = participants(group.participants);
    const id = document.createElement("code");
    id.className = "conn-group__id small";
    id.textContent = group.id;
    item.append(name, count, id);
    list.append(item);
  }
}

function status(text) {
  const box = $("[data-groups=status]");
  box.hidden = !text;
  box.textContent = text || "";
}

const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

async function refresh(button) {
  button.disabled = true;
  status(T.refreshing);
  try {
    const before = await call("GET", `${url}?refresh=true`);
    draw(before);
    for (let i = 0; i < POLL_TIMES; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      const now = await call("GET", url);
      if (!same(now, before)) {
        draw(now);
        break;
      }
    }
    status("");
  } catch (error) {
    status(error.message || T.error);
  } finally {
    button.disabled = false;
  }
}

$("[data-groups=refresh]").addEventListener("click", (event) => refresh(event.currentTarget));
call("GET", url)
  .then(draw)
  .catch((error) => status(error.message || T.error));
