// Balcão settings → organization: Save is PATCH /api/v1/organization with the form's
// four fields; a blank confirmation text is sent as null (the built-in text, shown
// under the box, is then the one customers get). "Restaurar padrão" empties the box.

const boot = JSON.parse(document.getElementById("boot").textContent);
const T = boot.org;
const { $, call, toast, explain } = window.Balcao;

const form = $("#org-form");
const field = (name) => form.elements.namedItem(name);
const text = field("optOutMessage");
const fmt = (template, values) => template.replace(/\{(\w+)\}/g, (all, k) => (k in values ? values[k] : all));

function showError(error) {
  const box = $("[data-error]", form);
  box.hidden = !error;
  if (!error) return;
  const mine = T[`err.${error.body.code}`];
  box.textContent = mine ? `${mine} (${error.body.code})` : explain(error);
}

// What a customer who opts out gets once this is saved, and how long the text is.
function showOptOut() {
  const own = text.value.trim() !== "";
  const state = $("#org-opt-out-state");
  state.dataset.using = own ? "own" : "default";
  state.textContent = own ? T.opt_out_using_own : T.opt_out_using_default;
  $("[data-count]", form).textContent = fmt(T.chars, { n: text.value.length, max: boot.optOutMax });
  $("[data-action=restore]", form).disabled = text.value === "";
}

function show(organization) {
  field("name").value = organization.name;
  field("timezone").value = organization.timezone;
  field("holidaySubdivision").value = organization.holidaySubdivision || "";
  text.value = organization.optOutMessage || "";
  text.placeholder = organization.optOutMessageDefault;
  $("#org-opt-out-default").textContent = organization.optOutMessageDefault;
  showOptOut();
}

function body() {
  return {
    name: field("name").value.trim(),
    timezone: field("timezone").value,
    holidaySubdivision: field("holidaySubdivision").value || null,
    optOutMessage: text.value.trim() || null,
  };
}

async function save(button) {
  button.disabled = true;
  showError(null);
  try {
    show(await call("PATCH", "/api/v1/organization", body()));
    toast(T.saved);
  } catch (error) {
    if (error.status !== 401) showError(error);
  } finally {
    button.disabled = false;
  }
}

text.addEventListener("input", showOptOut);
$("[data-action=restore]", form).addEventListener("click", () => {
  text.value = "";
  showOptOut();
  text.focus();
});
form.addEventListener("submit", (event) => {
  event.preventDefault();
  save($("[data-action=save]", form));
});
showOptOut();
