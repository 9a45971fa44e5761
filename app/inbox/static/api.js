// What every inbox and settings page shares: calling the public REST API (cookie +
// X-Balcao-Inbox header), its errors, toasts and DOM shorthands. A classic deferred
// script loaded before the page's modules (same execution order), so each script is
// fetched under its own content-hashed URL and no module import escapes the cache-busting.
"use strict";

(() => {
  const strings = JSON.parse(document.getElementById("boot").textContent).strings || {};

  class ApiError extends Error {
    constructor(status, body) {
      super((body && body.detail) || strings.generic || "Error");
      this.status = status;
      this.body = body && typeof body === "object" ? body : {};
    }
  }

  async function call(method, url, body) {
    const headers = { "X-Balcao-Inbox": "1", Accept: "application/json, text/html" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const response = await fetch(url, {
      method,
      headers,
      credentials: "same-origin",
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (response.status === 401) {
      location.assign("/inbox/login?next=" + encodeURIComponent(location.pathname + location.search));
      throw new ApiError(401, null);
    }
    if (response.status === 204) return null;
    const type = response.headers.get("content-type") || "";
    const payload = type.includes("json")
      ? await response.json().catch(() => null)
      : await response.text();
    if (!response.ok) throw new ApiError(response.status, typeof payload === "object" ? payload : null);
    return payload;
  }

  function toast(text, kind = "ok") {
    const box = document.getElementById("toasts");
    if (!box) return;
    const el = document.createElement("div");
    el.className = `toast toast--${kind}`;
    el.textContent = text;
    box.append(el);
    setTimeout(() => el.remove(), kind === "error" ? 6000 : 2500);
  }

  // As app/inbox/render.py format_phone: "+55 11 95555-4444".
  function formatPhone(digits) {
    if (!digits) return "";
    if (digits.startsWith("55") && (digits.length === 12 || digits.length === 13)) {
      const local = digits.slice(4);
      return `+55 ${digits.slice(2, 4)} ${local.slice(0, -4)}-${local.slice(-4)}`;
    }
    return `+${digits}`;
  }

  // A settings form's refusal in the API's own words, with what it means for the person
  // at the keyboard first (the page's data-refused text, 403, the field at fault).
  function explain(error) {
    const refused = document.querySelector(".setpage")?.dataset.refused || "";
    const head = error.status === 403 ? `${strings.forbidden} ` : "";
    const field = error.body.extra && error.body.extra.field ? ` [${error.body.extra.field}]` : "";
    return `${head}${refused} (${error.status}): ${error.message}${field}`;
  }

  function showError(form, error) {
    const box = form.querySelector("[data-error]");
    box.textContent = explain(error);
    box.hidden = false;
  }

  // Copies the text of the element ``sourceId`` and says so on the button.
  async function copyFrom(button, sourceId) {
    const text = document.getElementById(sourceId).textContent;
    await navigator.clipboard?.writeText(text).catch(() => null);
    button.textContent = button.dataset.copied;
  }

  window.Balcao = Object.freeze({
    explain,
    showError,
    copyFrom,
    ApiError,
    call,
    api: {
      get: (url) => call("GET", url),
      post: (url, body = {}) => call("POST", url, body),
      patch: (url, body) => call("PATCH", url, body),
      put: (url, body) => call("PUT", url, body),
      del: (url, body) => call("DELETE", url, body),
    },
    toast,
    formatPhone,
    $: (sel, root = document) => root.querySelector(sel),
    $$: (sel, root = document) => [...root.querySelectorAll(sel)],
  });
})();
