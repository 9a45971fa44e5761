// Balcão settings → AI: the provider picker pre-fills the base URL and model names
// from GET /api/v1/ai/providers' presets (in the boot data), the key is write-only
// (only "set" / "not set" is known here), Save is PUT /api/v1/ai/settings and the live
// test POSTs the form's values to /api/v1/ai/settings/test, then shows each model's
// verdict (chat, vision, transcription).

const boot = JSON.parse(document.getElementById("boot").textContent);
const T = boot.aiset;
const presets = new Map(boot.presets.map((p) => [p.provider, p]));
const { $, call, toast } = window.Balcao;

const form = $("#aiset-form");
const field = (name) => form.elements.namedItem(name);

function explain(error) {
  const extra = error.body && error.body.extra && error.body.extra.field ? ` [${error.body.extra.field}]` : "";
  return `${T.refused} (${error.status}): ${error.message}${extra}`;
}

function showError(error) {
  const box = $("[data-error]", form);
  box.hidden = !error;
  box.textContent = error ? explain(error) : "";
}

// ------------------------------------------------------------ provider picker
function fillList(id, models) {
  const list = document.getElementById(id);
  list.replaceChildren(
    ...models.map((model) => {
      const option = document.createElement("option");
      option.value = model;
      return option;
    }),
  );
}

function showPreset(preset) {
  fillList("aiset-chat-models", preset.chatModels);
  fillList("aiset-vision-models", preset.visionModels);
  fillList("aiset-transcription-models", preset.transcriptionModels);
  const docs = $("[data-docs]", form);
  docs.hidden = !preset.docsUrl;
  if (preset.docsUrl) docs.href = preset.docsUrl;
  $("[data-key-optional]", form).hidden = preset.keyRequired;
  field("baseUrl").required = !preset.baseUrl;
}

// Picking a provider replaces the address and the models with that provider's own.
function pick(provider) {
  const preset = presets.get(provider);
  if (!preset) return;
  field("baseUrl").value = preset.baseUrl || "";
  field("chatModel").value = preset.chatModels[0] || "";
  field("visionModel").value = preset.visionModels[0] || "";
  field("transcriptionModel").value = preset.transcriptionModels[0] || "";
  showPreset(preset);
  if (!preset.baseUrl) field("baseUrl").focus();
}

// ------------------------------------------------------------ the form as the API's body
function body() {
  const text = (name) => field(name).value.trim() || null;
  const data = {
    provider: form.querySelector("input[name=provider]:checked")?.value || "CUSTOM",
    baseUrl: text("baseUrl"),
    chatModel: text("chatModel"),
    visionModel: text("visionModel"),
    transcriptionModel: text("transcriptionModel"),
    temperature: Number.parseFloat(field("temperature").value || "0.3"),
  };
  // Write-only: sent only when typed (or removed); omitted, the stored key is kept.
  const key = field("apiKey").value.trim();
  if (key) data.apiKey = key;
  else if (field("removeKey").checked) data.apiKey = null;
  return data;
}

function showKeyState(set) {
  const pill = $("[data-key-state]", form);
  pill.textContent = set ? T.key_set : T.key_unset;
  pill.classList.toggle("pill--on", set);
  $("[data-key-help]", form).textContent = set ? T.key_set_help : T.key_unset_help;
  field("apiKey").placeholder = set ? `••••••••  (${T.key_set})` : "sk-…";
  field("apiKey").value = "";
  field("removeKey").checked = false;
  $("[data-key-remove]", form).hidden = !set;
}

function showStatus(settings) {
  const status = $("#aiset-status");
  const source = settings.configured ? settings.source : "none";
  status.dataset.source = source;
  $("[data-status-text]", status).textContent =
    source === "organization" ? T.status_org : source === "environment" ? T.status_env : T.status_none;
}

async function save(button) {
  button.disabled = true;
  showError(null);
  try {
    const settings = await call("PUT", "/api/v1/ai/settings", body());
    showKeyState(settings.apiKeySet);
    showStatus(settings);
    toast(T.saved);
  } catch (error) {
    if (error.status !== 401) showError(error);
  } finally {
    button.disabled = false;
  }
}

// ------------------------------------------------------------ live test
function checkItem(check) {
  const item = document.createElement("li");
  item.className = "aiset-check-row";
  item.dataset.kind = check.kind;
  item.dataset.status = check.status;
  const head = document.createElement("div");
  head.className = "aiset-check-row__head";
  const kind = document.createElement("strong");
  kind.textContent = T[`kind.${check.kind}`] || check.kind;
  const pill = document.createElement("span");
  pill.className = "pill aiset-pill";
  pill.dataset.status = check.status;
  pill.textContent = T[`status.${check.status}`] || check.status;
  const model = document.createElement("code");
  model.textContent = check.model || "—";
  head.append(kind, pill, model);
  if (check.status !== "skipped" || check.latencyMs) {
    const time = document.createElement("span");
    time.className = "small muted";
    time.textContent = `${check.latencyMs} ${T.ms}`;
    head.append(time);
  }
  const detail = document.createElement("p");
  detail.className = "small";
  detail.dataset.code = check.code;
  const reason = T[`code.${check.code}`] || check.code;
  detail.textContent = check.status === "ok" ? `${check.model} ${reason}.` : `${reason}: ${check.detail}`;
  item.append(head, detail);
  return item;
}

function showResult(result) {
  const box = $("#aiset-result");
  box.hidden = false;
  box.dataset.ok = String(result.ok);
  const summary = $("[data-summary]", box);
  const partly = result.checks.some((check) => check.status === "failed");
  summary.textContent = !result.ok ? `${T.result_failed} ${result.detail}` : partly ? T.result_partly : T.result_ok;
  $("[data-checks]", box).replaceChildren(...result.checks.map(checkItem));
  const models = $("[data-models]", box);
  models.hidden = !(result.models && result.models.length);
  $("[data-models-list]", box).textContent = (result.models || []).join(", ");
}

async function test(button) {
  const box = $("#aiset-result");
  button.disabled = true;
  showError(null);
  box.hidden = false;
  box.dataset.ok = "";
  $("[data-summary]", box).textContent = T.testing;
  $("[data-checks]", box).replaceChildren();
  $("[data-models]", box).hidden = true;
  try {
    showResult(await call("POST", "/api/v1/ai/settings/test", body()));
  } catch (error) {
    box.hidden = true;
    if (error.status !== 401) showError(error);
  } finally {
    button.disabled = false;
  }
}

// ------------------------------------------------------------ wiring
form.addEventListener("change", (event) => {
  if (event.target.name === "provider") pick(event.target.value);
});
form.addEventListener("submit", (event) => {
  event.preventDefault();
  save($("[data-action=save]", form));
});
$("[data-action=test]", form).addEventListener("click", (event) => test(event.currentTarget));

showPreset(presets.get(boot.form.provider) || presets.get("CUSTOM"));
showKeyState(boot.keySet);
