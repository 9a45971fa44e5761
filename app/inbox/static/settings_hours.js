// Balcão settings → business hours. Reads and writes one level's document through
// /api/v1/business-hours (or a department's / number's), shows the year's holidays from
// /api/v1/business-hours/holidays and "agora: aberto/fechado" from .../status.
// The chosen scope is kept in the address (?scope=department&id=…), so a reload
// shows the same level.

const boot = JSON.parse(document.getElementById("boot").textContent);
const T = boot.hours;
const setup = boot.hoursSetup;
const { $, $$, call, toast, explain } = window.Balcao;

const form = $("#hours-form");
const field = (name) => form.elements.namedItem(name);
const fmt = (template, values) => template.replace(/\{(\w+)\}/g, (all, k) => (k in values ? values[k] : all));
let current = null; // the last BusinessHours read or saved

// ---- scope ---------------------------------------------------------------------------
function scope() {
  const kind = form.querySelector("input[name=scope]:checked").value;
  const id = kind === "department" ? field("departmentId").value : kind === "connection" ? field("connectionId").value : "";
  return { kind, id };
}

function base({ kind, id }) {
  if (kind === "department") return `/api/v1/departments/${id}/business-hours`;
  if (kind === "connection") return `/api/v1/connections/${id}/business-hours`;
  return "/api/v1/business-hours";
}

function showPickers() {
  const { kind } = scope();
  for (const pick of $$("[data-pick]", form)) pick.hidden = pick.dataset.pick !== kind;
}

function remember() {
  const { kind, id } = scope();
  const url = new URL(location.href);
  url.search = kind === "organization" ? "" : `?scope=${kind}&id=${encodeURIComponent(id)}`;
  history.replaceState(null, "", url);
}

function restoreScope() {
  const params = new URLSearchParams(location.search);
  const kind = params.get("scope");
  if (kind !== "department" && kind !== "connection") return;
  const select = field(kind === "department" ? "departmentId" : "connectionId");
  if (![...select.options].some((o) => o.value === params.get("id"))) return;
  form.querySelector(`input[name=scope][value=${kind}]`).checked = true;
  select.value = params.get("id");
}

// ---- ranges --------------------------------------------------------------------------
const shown = (value) => (value === "24:00" ? "00:00" : value);

function markNight(row) {
  const start = $("[data-part=start]", row).value;
  const end = $("[data-part=end]", row).value;
  $("[data-night]", row).hidden = !(start && end && end <= start && end !== start);
}

function addRange(box, [start, end]) {
  const row = $("#hours-range").content.firstElementChild.cloneNode(true);
  $("[data-part=start]", row).value = shown(start);
  $("[data-part=end]", row).value = shown(end);
  markNight(row);
  box.append(row);
  return row;
}

function readRanges(box) {
  return $$(".hrange", box).map((row) => [$("[data-part=start]", row).value, $("[data-part=end]", row).value]);
}

function nextRange(box) {
  const ranges = readRanges(box);
  if (!ranges.length) return ["08:00", "18:00"];
  const last = ranges[ranges.length - 1][1] || "12:00";
  const [h, m] = last.split(":").map(Number);
  const later = `${String(Math.min(h + 1, 23)).padStart(2, "0")}:${String(m).padStart(2, "0")}`;
  return [later, later < "18:00" ? "18:00" : "23:00"];
}

function refreshDay(day) {
  const box = $("[data-ranges]", day);
  const count = $$(".hrange", box).length;
  $("[data-closed]", day).hidden = count > 0;
  $("[data-action=add-range]", day).disabled = count >= setup.maxRanges;
}

// ---- overrides -----------------------------------------------------------------------
function refreshOverride(item) {
  const closed = $("[data-part=closed]", item).checked;
  const box = $("[data-ranges]", item);
  box.hidden = closed;
  $("[data-action=add-range]", item).hidden = closed;
  if (!closed && !$$(".hrange", box).length) addRange(box, ["08:00", "12:00"]);
}

function addOverride(data) {
  const item = $("#hours-override").content.firstElementChild.cloneNode(true);
  $("[data-part=date]", item).value = data.date || "";
  $("[data-part=label]", item).value = data.label || "";
  $("[data-part=yearly]", item).checked = Boolean(data.yearly);
  $("[data-part=closed]", item).checked = data.closed !== false;
  for (const range of data.ranges || []) addRange($("[data-ranges]", item), range);
  $("#hours-overrides").append(item);
  refreshOverride(item);
  refreshOverrides();
  return item;
}

function refreshOverrides() {
  $("#hours-overrides-none").hidden = $$(".hoverride", form).length > 0;
}

// ---- holidays ------------------------------------------------------------------------
function fillSubdivisions(country, value) {
  const select = field("subdivision");
  const choices = setup.subdivisions[country] || [];
  select.replaceChildren(new Option(T.national_only, ""), ...choices.map((c) => new Option(c.label, c.value)));
  select.value = choices.some((c) => c.value === value) ? value : "";
  $("[data-subdivision]", form).hidden = choices.length === 0;
}

async function preview() {
  const year = field("previewYear").value;
  const params = new URLSearchParams({ year, country: field("country").value });
  if (field("subdivision").value) params.set("subdivision", field("subdivision").value);
  $("#hours-preview-title").textContent = fmt(T.preview, { year });
  const list = $("#hours-preview");
  try {
    const found = await call("GET", `/api/v1/business-hours/holidays?${params}`);
    list.replaceChildren(
      ...found.map((h) => {
        const li = document.createElement("li");
        const [, month, day] = h.date.split("-");
        li.innerHTML = `<time datetime="${h.date}"></time> <span></span>`;
        li.firstElementChild.textContent = `${day}/${month}`;
        li.lastElementChild.textContent = h.name;
        return li;
      }),
    );
    if (!found.length) list.replaceChildren(Object.assign(document.createElement("li"), { textContent: T.preview_empty }));
  } catch (error) {
    if (error.status !== 401) list.replaceChildren(Object.assign(document.createElement("li"), { textContent: explain(error) }));
  }
}

// ---- status --------------------------------------------------------------------------
function reasonText(reason) {
  if (reason.startsWith("holiday:")) return fmt(T["reason.holiday"], { name: reason.slice(8) });
  if (reason.startsWith("override:")) return fmt(T["reason.override"], { name: reason.slice(9) });
  return "";
}

async function showStatus() {
  const line = $("#hours-status");
  try {
    const state = await call("GET", `${base(scope())}/status`);
    let text;
    if (state.reason === "always_open") text = T["status.always"];
    else if (state.open) text = state.closesAt ? fmt(T["status.open_until"], { time: state.closesAt.slice(11, 16) }) : T["status.open"];
    else {
      const next = state.nextOpeningText ? fmt(T["status.next"], { when: state.nextOpeningText }) : T["status.never"];
      text = [T["status.closed"], reasonText(state.reason), next].filter(Boolean).join(" · ");
    }
    line.textContent = text;
    line.dataset.state = state.open ? "open" : "closed";
  } catch (error) {
    if (error.status !== 401) line.textContent = explain(error);
  }
}

// ---- the document --------------------------------------------------------------------
function show(hours) {
  current = hours;
  for (const day of $$(".hday", form)) {
    const box = $("[data-ranges]", day);
    box.replaceChildren();
    for (const range of hours.weekly[day.dataset.day] || []) addRange(box, range);
    refreshDay(day);
  }
  field("timezone").value = hours.timezone;
  field("holidaysClosed").checked = hours.holidays.closed;
  field("country").value = hours.holidays.country;
  fillSubdivisions(hours.holidays.country, hours.holidays.subdivision || "");
  $("#hours-overrides").replaceChildren();
  for (const item of hours.overrides) addOverride(item);
  refreshOverrides();
  const message = field("outOfHoursMessage");
  message.value = hours.outOfHoursMessage || "";
  message.placeholder = hours.outOfHoursMessageDefault;
  const origin = $("#hours-origin");
  origin.dataset.configured = String(hours.configured);
  if (hours.configured) origin.textContent = T.own;
  else if (hours.inheritedFrom) origin.textContent = fmt(T.inherited, { from: T[`inherited.${hours.inheritedFrom}`] });
  else origin.textContent = T.unset;
  const remove = $("[data-action=remove]", form);
  remove.hidden = !hours.configured;
  remove.textContent = hours.scope === "organization" ? T.clear_org : T.use_parent;
}

function body() {
  const weekly = {};
  for (const day of $$(".hday", form)) {
    const ranges = readRanges($("[data-ranges]", day));
    if (ranges.length) weekly[day.dataset.day] = ranges;
  }
  const overrides = $$(".hoverride", form).map((item) => {
    const closed = $("[data-part=closed]", item).checked;
    return {
      date: $("[data-part=date]", item).value,
      label: $("[data-part=label]", item).value.trim(),
      yearly: $("[data-part=yearly]", item).checked,
      closed,
      ranges: closed ? [] : readRanges($("[data-ranges]", item)),
    };
  });
  return {
    timezone: field("timezone").value,
    weekly,
    holidays: {
      country: field("country").value,
      subdivision: field("subdivision").value || null,
      closed: field("holidaysClosed").checked,
    },
    overrides,
    outOfHoursMessage: field("outOfHoursMessage").value.trim() || null,
  };
}

function showError(error) {
  const box = $("[data-error]", form);
  box.hidden = !error;
  if (!error) return;
  const mine = T[`err.${error.body.code}`];
  const where = error.body.extra && error.body.extra.field ? ` [${error.body.extra.field}]` : "";
  box.textContent = mine ? `${mine} (${error.body.code})${where}` : explain(error);
}

async function load() {
  showError(null);
  showPickers();
  const target = scope();
  if (target.kind !== "organization" && !target.id) return;
  try {
    show(await call("GET", base(target)));
  } catch (error) {
    if (error.status !== 401) showError(error);
    return;
  }
  await Promise.all([preview(), showStatus()]);
}

async function save(button) {
  button.disabled = true;
  showError(null);
  try {
    show(await call("PUT", base(scope()), body()));
    toast(T.saved);
    await Promise.all([preview(), showStatus()]);
  } catch (error) {
    if (error.status !== 401) showError(error);
  } finally {
    button.disabled = false;
  }
}

async function removeLevel(button) {
  button.disabled = true;
  try {
    await call("DELETE", base(scope()));
    toast(current && current.scope === "organization" ? T.clear_org_done : T.use_parent_done);
    await load();
  } catch (error) {
    if (error.status !== 401) showError(error);
  } finally {
    button.disabled = false;
  }
}

// ---- wiring --------------------------------------------------------------------------
form.addEventListener("click", (event) => {
  const button = event.target.closest("button[data-action]");
  if (!button) return;
  const action = button.dataset.action;
  if (action === "add-range") {
    const holder = button.closest(".hday, .hoverride");
    const box = $("[data-ranges]", holder);
    $("[data-part=start]", addRange(box, nextRange(box))).focus();
    if (holder.classList.contains("hday")) refreshDay(holder);
  } else if (action === "remove-range") {
    const holder = button.closest(".hday, .hoverride");
    button.closest(".hrange").remove();
    if (holder.classList.contains("hday")) refreshDay(holder);
  } else if (action === "add-override") {
    $("[data-part=date]", addOverride({ closed: true })).focus();
  } else if (action === "remove-override") {
    button.closest(".hoverride").remove();
    refreshOverrides();
  } else if (action === "remove") {
    removeLevel(button);
  }
});
form.addEventListener("input", (event) => {
  const row = event.target.closest(".hrange");
  if (row) markNight(row);
});
form.addEventListener("change", (event) => {
  const name = event.target.name;
  if (event.target.dataset.part === "closed") refreshOverride(event.target.closest(".hoverride"));
  if (name === "scope" || name === "departmentId" || name === "connectionId") {
    remember();
    load();
  } else if (name === "country") {
    fillSubdivisions(field("country").value, "");
    preview();
  } else if (name === "subdivision" || name === "previewYear") {
    preview();
  }
});
form.addEventListener("submit", (event) => {
  event.preventDefault();
  save($("[data-action=save]", form));
});

restoreScope();
load();
// "Agora" moves on while the page is open.
setInterval(showStatus, 60_000);
