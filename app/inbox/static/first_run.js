// The first-run page: POST /api/v1/setup (through window.Balcao), then the ordinary
// sign-in form with the same email and password, which lands on the inbox's checklist.
"use strict";

(() => {
  const { api, ApiError, $, $$ } = window.Balcao;
  const strings = JSON.parse($("#boot").textContent).strings || {};
  const form = $("#setup-form");
  const error = $("#setup-error");
  const submit = $("#setup-submit");
  const label = submit.textContent;

  function show(text, field) {
    error.textContent = text;
    error.hidden = false;
    for (const input of $$("input", form)) input.removeAttribute("aria-invalid");
    const input = field && form.elements.namedItem(field);
    if (input) {
      input.setAttribute("aria-invalid", "true");
      input.focus();
    }
  }

  // What the browser can tell before asking the server (the API checks it all again).
  function firstInvalid() {
    return $$("input", form).find((input) => !input.checkValidity() || !input.value.trim());
  }

  for (const button of $$("[data-lang]")) {
    button.addEventListener("click", () => {
      document.cookie = `balcao_lang=${button.dataset.lang}; path=/; max-age=31536000; samesite=lax`;
      location.reload();
    });
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const bad = firstInvalid();
    if (bad) {
      show(strings[`field.${bad.name}`] || strings.generic, bad.name);
      return;
    }
    const body = {};
    for (const [name, value] of new FormData(form)) {
      body[name] = name === "adminPassword" ? value : value.trim();
    }
    submit.disabled = true;
    submit.textContent = strings.creating;
    try {
      await api.post("/api/v1/setup", body);
    } catch (exc) {
      submit.disabled = false;
      submit.textContent = label;
      if (!(exc instanceof ApiError)) {
        show(strings.network);
      } else if (exc.body.code === "already_set_up") {
        show(strings.already_set_up);
        setTimeout(() => location.assign("/inbox/login"), 1500);
      } else {
        const field = exc.body.extra && exc.body.extra.field;
        show(strings[`field.${field}`] || exc.message || strings.generic, field);
      }
      return;
    }
    const signin = $("#setup-signin");
    signin.elements.namedItem("email").value = body.adminEmail;
    signin.elements.namedItem("password").value = body.adminPassword;
    signin.submit();
  });
})();
