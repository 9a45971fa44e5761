// Team chat on every inbox page: the header's unread badge ([data-team-unread]) and the
// conversation pane's "share with the team" dialog. A classic deferred script after
// api.js; it hears the event stream through inbox.js's "balcao:notice" events.
"use strict";

(() => {
  const { api, $, $$, toast } = window.Balcao;
  let turn = 0;

  function show(total) {
    for (const badge of $$("[data-team-unread]")) {
      // Empty when zero: the link's text (and its accessible name) is then the word alone.
      badge.textContent = total === 0 ? "" : total > 99 ? "99+" : String(total);
      badge.hidden = total === 0;
    }
  }

  async function refresh() {
    const mine = ++turn;
    const unread = await api.get("/api/v1/team/unread").catch(() => null);
    if (unread && mine === turn) show(unread.total);
  }

  document.addEventListener("balcao:notice", (event) => {
    if (event.detail.event.startsWith("team.")) refresh();
  });
  document.addEventListener("balcao:resync", refresh);
  // The team page knows the total first-hand after it lists or reads.
  document.addEventListener("balcao:team-unread", (event) => {
    turn += 1;
    show(event.detail);
  });
  refresh();

  // ------------------------------------------------------------ share a conversation
  async function openShare() {
    const dialog = $("#team-share-dialog");
    const session = $("#pane")?.dataset.session;
    if (!dialog || !session) return;
    const select = $("select", dialog);
    const listed = await api.get("/api/v1/team/channels");
    select.replaceChildren(
      ...listed.data.map((channel) => {
        const option = document.createElement("option");
        option.value = channel.id;
        option.textContent = channel.kind === "DEPARTMENT" ? `# ${channel.name}` : channel.name;
        return option;
      }),
    );
    $("[data-error]", dialog).hidden = true;
    $("textarea", dialog).value = "";
    dialog.showModal();
  }

  async function share(form) {
    const dialog = $("#team-share-dialog");
    const session = $("#pane")?.dataset.session;
    const data = new FormData(form);
    const button = $("button[type=submit]", form);
    button.disabled = true;
    try {
      await api.post(`/api/v1/team/channels/${data.get("channel")}/messages`, {
        text: String(data.get("text") || ""),
        sessionId: session,
      });
      dialog.close();
      toast(dialog.dataset.done);
    } catch (error) {
      const box = $("[data-error]", form);
      box.textContent = `${error.status}: ${error.message}`;
      box.hidden = false;
    } finally {
      button.disabled = false;
    }
  }

  document.addEventListener("click", (event) => {
    if (event.target.closest("[data-team-share]")) {
      event.preventDefault();
      openShare().catch((error) => toast(error.message, "error"));
    } else if (event.target.closest("[data-team-share-cancel]")) {
      $("#team-share-dialog")?.close();
    }
  });
  document.addEventListener("submit", (event) => {
    if (event.target.id !== "team-share-form") return;
    event.preventDefault();
    share(event.target);
  });
})();
