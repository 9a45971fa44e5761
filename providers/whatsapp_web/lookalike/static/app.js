// The WhatsApp Web look-alike. It renders the 2026 DOM described in
// /work/shared/design/WHATSAPP_WEB.md (section 2) from state kept on the server, which it
// hears about over an event stream. Class names are randomised on purpose, like WA's
// atomic classes, so nothing may rely on them; the .wa-* classes are for the CSS only.
(() => {
  'use strict';
  const TOKEN_KEY = 'WAToken1';
  const WID_KEY = 'last-wid-md';
  const client = Math.random().toString(36).slice(2);
  const app = document.getElementById('app');
  const chats = new Map();
  let config = {};
  let ownName = 'Você';
  let screen = 'boot';
  let openPhone = null; // the chat last clicked / deep-linked
  let shownPhone = null; // the chat #main draws (openPhone once its history arrived)
  let early = []; // messages for openPhone that arrived while its history was loading
  let draft = { keydowns: 0, inputs: 0, pasted: false, started: null, composing: false };

  const rnd = () => 'x' + Math.random().toString(36).slice(2, 8);
  const token = () => localStorage.getItem(TOKEN_KEY) || '';

  function h(tag, attrs = {}, ...children) {
    const el = document.createElement(tag);
    el.className = rnd() + ' ' + rnd();
    for (const [k, v] of Object.entries(attrs)) {
      if (v === null || v === undefined || v === false) continue;
      if (k === 'class') el.className += ' ' + v;
      else if (k === 'data-testid' && config.strip_testids) continue;
      else if (k === 'style') el.style.cssText = v;
      else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
      else el.setAttribute(k, v === true ? '' : String(v));
    }
    for (const c of children.flat()) {
      if (c === null || c === undefined || c === false) continue;
      el.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return el;
  }

  function svg(title) {
    const ns = 'http://www.w3.org/2000/svg';
    const s = document.createElementNS(ns, 'svg');
    s.setAttribute('viewBox', '0 0 24 24');
    s.setAttribute('width', '16');
    s.setAttribute('height', '11');
    const t = document.createElementNS(ns, 'title');
    t.textContent = title;
    const p = document.createElementNS(ns, 'path');
    p.setAttribute('d', 'M2 12l4 4L16 6l1.4 1.4L6 18.8 0.6 13.4zM8 16l1.4 1.4L22 4.8 20.6 3.4z');
    s.append(t, p);
    return s;
  }

  function formatPhone(d) {
    if (d.startsWith('55') && d.length === 13) return `+55 ${d.slice(2, 4)} ${d.slice(4, 9)}-${d.slice(9)}`;
    if (d.startsWith('55') && d.length === 12) return `+55 ${d.slice(2, 4)} ${d.slice(4, 8)}-${d.slice(8)}`;
    return '+' + d;
  }
  const pad = (n) => String(n).padStart(2, '0');
  const hhmm = (ts) => { const d = new Date(ts * 1000); return `${pad(d.getHours())}:${pad(d.getMinutes())}`; };
  const ddmmyyyy = (ts) => { const d = new Date(ts * 1000); return `${pad(d.getDate())}/${pad(d.getMonth() + 1)}/${d.getFullYear()}`; };

  async function api(path, body) {
    const r = await fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (!r.ok) throw new Error(`${path}: ${r.status}`);
    const text = await r.text();
    return text ? JSON.parse(text) : null;
  }

  // ---------------------------------------------------------------- QR screen
  let qrTimer = null;
  function showQr() {
    screen = 'qr';
    app.replaceChildren();
    const canvas = h('canvas', { 'aria-label': 'Scan this QR code to link a device!', width: 228, height: 228, role: 'img' });
    const qr = h('div', { class: 'wa-qr', 'data-testid': 'link-device-qr-code' }, canvas,
      h('div', {}, h('span', {}, svg('WhatsApp logo'))));
    const steps = h('ol', { 'aria-label': 'Etapas para entrar' },
      h('li', {}, 'Abra o WhatsApp no seu celular'),
      h('li', {}, 'Toque em Mais opções ou Configurações e selecione Aparelhos conectados'),
      h('li', {}, 'Toque em Conectar um aparelho'),
      h('li', {}, 'Aponte seu celular para esta tela para escanear o QR code'));
    app.append(h('div', { class: 'wa-landing' },
      h('div', {}, h('span', { 'data-testid': 'wa-logo' }), h('span', { 'data-testid': 'wa-wordmark' }),
        h('h1', {}, 'Escaneie para entrar'), steps,
        h('input', { type: 'checkbox', id: 'auto-logout-toggle', checked: true }),
        h('label', { for: 'auto-logout-toggle' }, 'Continuar conectado neste navegador')),
      qr));
    let refs = 0;
    const next = async () => {
      const { ref } = await api('/_wa/qr?client=' + client, {});
      qr.setAttribute('data-ref', ref);
      const img = new Image();
      img.onload = () => canvas.getContext('2d').drawImage(img, 0, 0, 228, 228);
      img.src = '/_wa/qr.png?ref=' + encodeURIComponent(ref);
      refs += 1;
      const wait = refs === 1 ? config.qr_first_interval_s : config.qr_interval_s;
      qrTimer = setTimeout(refs >= config.qr_max_refs ? expire : next, wait * 1000);
    };
    // UNPAIRED_IDLE: dimmed canvas, stale data-ref kept, reload button inside the div.
    const expire = () => {
      canvas.style.opacity = '0.04';
      const button = h('button', { onclick: () => { button.remove(); canvas.style.opacity = '1'; refs = 0; next(); } },
        h('span', {}, 'Clique para recarregar o QR code'));
      qr.append(button);
    };
    next();
  }

  function showLoading() {
    screen = 'loading';
    clearTimeout(qrTimer);
    app.replaceChildren(h('div', { class: 'wa-loading', 'data-testid': 'wa-web-loading-screen' },
      h('span', { 'data-icon': 'lock-outline' }), h('progress', { value: 40, max: 100 }),
      h('div', {}, 'Carregando suas conversas'), h('div', {}, 'Protegida com a criptografia de ponta a ponta')));
  }

  // ---------------------------------------------------------------- main screen
  function showMain(data) {
    screen = 'main';
    shownPhone = null;
    chats.clear();
    for (const c of data.chats) chats.set(c.phone, c);
    const menu = h('button', { 'aria-label': 'Mais opções', onclick: toggleSideMenu }, h('span', { 'data-icon': 'menu' }, '⋮'));
    const side = h('div', { id: 'side' },
      h('header', {}, h('span', { class: 'wa-title' }, 'WhatsApp'), menu),
      h('input', { type: 'text', role: 'textbox', 'data-tab': '3', 'aria-label': 'Pesquisar ou começar uma nova conversa', placeholder: 'Pesquisar', oninput: () => renderList() }),
      h('div', { role: 'tablist', class: 'wa-tabs' },
        h('button', { role: 'tab', id: 'all-filter', 'aria-selected': 'true' }, 'Tudo'),
        h('button', { role: 'tab', id: 'unread-filter', 'aria-selected': 'false' }, 'Não lidas')),
      h('span', { 'data-testid': 'chat-butterbar' }),
      h('div', { id: 'pane-side' }, h('div', { class: 'wa-list', 'aria-label': 'Chat list', role: 'grid' })));
    const intro = h('div', { class: 'wa-intro', 'data-testid': 'intro-text' }, 'WhatsApp Web');
    app.replaceChildren(h('div', { class: 'wa-two two', tabindex: '-1' }, side, intro));
    renderList();
  }

  // A group's title is its name; a person's the formatted number (unsaved contacts).
  const titleOf = (c) => c.subject || formatPhone(c.phone);
  // In a group, the author as the list and bubbles name them: an unsaved participant
  // by number.
  const authorOf = (m) => (m.author ? formatPhone(m.author) : '');

  function preview(c) {
    const m = c.last;
    if (!m) return '';
    const body = m.text || { image: '📷 Foto', voice: '🎤 Mensagem de voz', audio: '🎵 Áudio', document: '📄 ' + (m.filename || 'Documento') }[m.media_kind] || '';
    // Groups preview as "Autor: texto" (WHATSAPP_WEB.md §3).
    if (c.subject && !m.from_me && m.author) return `${authorOf(m)}: ${body}`;
    return body;
  }

  function chatRow(c, i) {
    const title = titleOf(c);
    const badge = c.unread && c.phone !== openPhone
      ? h('span', { class: 'wa-badge', 'data-testid': 'icon-unread-count', 'aria-label': `${c.unread} mensagens não lidas` }, c.unread)
      : null;
    const row = h('div', { class: 'wa-row', role: 'row', 'aria-selected': c.phone === openPhone ? 'true' : 'false', tabindex: '-1' },
      h('div', { 'data-testid': 'cell-frame-container', style: 'display:flex;flex:1;align-items:center' },
        h('div', { role: 'gridcell', 'aria-colindex': '1' },
          h('div', { class: 'wa-avatar' }, h('span', { 'data-icon': c.subject ? 'default-group' : 'default-user' }))),
        h('div', { role: 'gridcell', 'aria-colindex': '2', class: 'wa-cell' },
          h('div', { 'data-testid': 'cell-frame-title', class: 'wa-chat-title' }, h('span', { dir: 'auto', title }, title)),
          h('div', { 'data-testid': 'cell-frame-primary-detail', class: 'wa-time' }, c.last ? hhmm(c.last.timestamp) : ''),
          h('div', { 'data-testid': 'cell-frame-secondary', class: 'wa-preview' },
            h('span', { 'data-testid': 'last-msg-status' }, h('span', { dir: 'auto', title: preview(c) }, preview(c)))),
          badge)));
    // Rows open on mousedown, not click, like the real list.
    row.addEventListener('mousedown', () => openChat(c.phone));
    return h('div', { role: 'listitem', class: 'wa-item', style: `transform:translateY(${i * 72}px)` }, row);
  }

  function renderList() {
    const list = document.querySelector('#pane-side [role="grid"]');
    if (!list) return;
    // The groups the number is in are listed even before anyone wrote in them.
    const query = (document.querySelector('#side input[data-tab="3"]')?.value || '').trim().toLowerCase();
    const sorted = [...chats.values()]
      .filter((c) => c.last || c.subject)
      .filter((c) => !query || titleOf(c).toLowerCase().includes(query))
      .sort((a, b) => b.updated - a.updated);
    list.setAttribute('aria-rowcount', String(sorted.length));
    list.style.height = `${sorted.length * 72}px`;
    list.replaceChildren(...sorted.map(chatRow));
  }

  function toggleSideMenu() {
    const old = document.querySelector('.wa-side-menu');
    if (old) { old.remove(); return; }
    const item = h('div', { role: 'button', 'aria-label': 'Desconectar', onclick: confirmLogout }, 'Desconectar');
    document.getElementById('side').append(h('div', { role: 'application', class: 'wa-menu wa-side-menu' }, h('ul', {}, h('li', {}, item))));
  }

  function confirmLogout() {
    document.querySelector('.wa-side-menu')?.remove();
    popup('Desconectar?', [
      ['Cancelar', () => {}],
      ['Desconectar', () => api('/_wa/logout', { token: token() })],
    ]);
  }

  function popup(text, buttons) {
    const backdrop = h('div', { 'data-animate-modal-backdrop': 'true' });
    const close = (fn) => () => { backdrop.remove(); fn(); };
    backdrop.append(h('div', {}, h('div', { 'data-animate-modal-popup': 'true', role: 'dialog' },
      h('div', {}, text), h('div', {}, buttons.map(([label, fn]) => h('button', { onclick: close(fn) }, label))))));
    document.body.append(backdrop);
  }

  window.__lookalike = { h, svg, api, token, formatPhone, titleOf, authorOf, hhmm, ddmmyyyy, chats, get config() { return config; },
    get ownName() { return ownName; }, get openPhone() { return openPhone; }, set openPhone(v) { openPhone = v; },
    get draft() { return draft; }, set draft(v) { draft = v; }, renderList };

  // Like WA, the clicked chat opens once its history is loaded; what arrives for it in
  // the meantime is drawn with it (never into the pane still on screen), and a chat
  // clicked after it wins.
  async function openChat(phone) {
    openPhone = phone;
    early = [];
    const r = await fetch(`/_wa/chat/${phone}?token=${encodeURIComponent(token())}`);
    if (!r.ok || openPhone !== phone) return;
    const data = await r.json();
    if (openPhone !== phone) return;
    const known = new Set(data.messages.map((m) => m.id));
    const messages = [...data.messages, ...early.filter((m) => !known.has(m.id))];
    early = [];
    const current = chats.get(phone) || {};
    const newer = current.last && data.chat.last && current.last.timestamp > data.chat.last.timestamp;
    chats.set(phone, { ...current, ...data.chat, ...(newer ? { last: current.last, updated: current.updated } : {}), unread: 0 });
    window.__lookalikeConversation.render(phone, messages);
    shownPhone = phone;
    renderList();
    if (data.chat.unread) api('/_wa/read', { token: token(), chat: phone });
  }

  // ---------------------------------------------------------------- events
  function onEvent(ev) {
    if (ev.type === 'reload') { location.reload(); return; }
    if (ev.type === 'paired' && screen === 'qr') { paired(ev); return; }
    if (ev.type === 'logout') { localStorage.removeItem(TOKEN_KEY); localStorage.removeItem(WID_KEY); location.reload(); return; }
    if (screen !== 'main') return;
    if (ev.type === 'message') {
      chats.set(ev.chat.phone, ev.chat);
      if (ev.message.chat === openPhone) {
        if (shownPhone === openPhone) window.__lookalikeConversation.append(ev.message);
        else early.push(ev.message);
        if (!ev.message.from_me) { ev.chat.unread = 0; api('/_wa/read', { token: token(), chat: openPhone }); }
      }
      renderList();
    } else if (ev.type === 'chat') {
      chats.set(ev.chat.phone, ev.chat);
      renderList();
    } else if (ev.type === 'ack') {
      for (const m of early) if (m.id === ev.id) m.status = ev.status;
      window.__lookalikeConversation.ack(ev.id, ev.status);
    }
  }

  function paired(ev) {
    localStorage.setItem(TOKEN_KEY, ev.token);
    localStorage.setItem(WID_KEY, JSON.stringify(ev.wid));
    boot();
  }

  async function boot() {
    const r = await fetch('/_wa/boot?token=' + encodeURIComponent(token()));
    const data = await r.json();
    config = data.config;
    ownName = data.own_name;
    if (!data.logged_in) {
      localStorage.removeItem(TOKEN_KEY);
      showQr();
      return;
    }
    showLoading();
    setTimeout(() => { showMain(data); deepLink(); }, config.loading_ms);
  }

  // /send?phone=<digits>: a full page load that ends with that chat open.
  function deepLink() {
    if (location.pathname !== '/send') return;
    const phone = new URLSearchParams(location.search).get('phone') || '';
    history.replaceState({}, '', '/');
    if (!/^\d{10,15}$/.test(phone)) {
      popup('O número de telefone compartilhado através de url é inválido.', [['OK', () => {}]]);
      return;
    }
    openChat(phone);
  }

  const source = new EventSource('/_wa/events?client=' + client);
  source.onmessage = (m) => onEvent(JSON.parse(m.data));
  boot();
})();
