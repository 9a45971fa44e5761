// The open conversation (#main): message rows, ticks, media bubbles, the Lexical-like
// composer and the attachment flow. #main is rebuilt on every chat switch, like WA.
(() => {
  'use strict';
  const L = () => window.__lookalike;
  const TICK = {
    pending: [' Pendente ', 'wds-ic-pending', 'msg-time'],
    sent: [' Enviada ', 'wds-ic-sent', 'msg-check'],
    delivered: [' Entregue ', 'wds-ic-delivered', 'msg-dblcheck'],
    read: [' Lida ', 'wds-ic-read', 'msg-dblcheck-ack'],
    played: [' Lida ', 'wds-ic-read', 'msg-dblcheck-ack'],
  };

  function tick(status) {
    const { h, svg, config } = L();
    const [label, icon, legacy] = TICK[status] || TICK.pending;
    const cls = status === 'read' || status === 'played' ? 'wa-read' : '';
    if (config.legacy_ticks) return h('span', { 'data-icon': legacy, class: cls }, svg(legacy));
    return h('span', { 'aria-hidden': 'false', 'aria-label': label, class: cls }, svg(icon));
  }

  function textBlock(m, author) {
    const { h, hhmm, ddmmyyyy } = L();
    const pre = `[${hhmm(m.timestamp)}, ${ddmmyyyy(m.timestamp)}] ${author}: `;
    return h('div', { class: 'copyable-text', 'data-pre-plain-text': pre },
      h('span', { dir: 'ltr', class: 'selectable-text copyable-text', 'data-testid': 'selectable-text' },
        h('span', {}, m.text)));
  }

  // Players and images are inserted into an existing row 100 ms–2 s after it appears.
  function mediaBlock(m) {
    const { h, config } = L();
    const slot = h('div', { 'data-testid': 'media-slot' },
      h('button', { 'data-testid': 'audio-player-frame-spinner', 'aria-label': 'Carregando' }));
    setTimeout(async () => {
      const blob = await (await fetch('/_wa/media/' + m.media_id)).blob();
      slot.replaceChildren(...mediaBody(m, URL.createObjectURL(blob)));
    }, config.media_delay_ms);
    return slot;
  }

  function mediaBody(m, url) {
    const { h } = L();
    const name = m.filename || 'arquivo';
    const download = h('a', { href: url, download: name, title: 'Baixar' }, h('span', { 'data-icon': 'download' }, '⬇'));
    if (m.media_kind === 'image') {
      return [h('div', { role: 'button', 'aria-label': 'Abrir imagem' }, h('img', { src: url, alt: '' }))];
    }
    if (m.media_kind === 'voice' || m.media_kind === 'audio') {
      const voice = m.media_kind === 'voice';
      return [h('div', { class: 'wa-voice' },
        h('button', { 'aria-label': voice ? 'Reproduzir mensagem de voz' : 'Reproduzir áudio' },
          h('span', { 'data-icon': voice ? 'ptt-play' : 'audio-play' }, '▶')),
        h('div', { role: 'slider', 'aria-valuetext': '0:00/0:07' }, h('canvas', { width: 160, height: 24 })),
        voice ? h('span', { 'data-icon': 'ptt-status', 'data-testid': 'ptt-status' }, '🎤') : null,
        h('button', { 'aria-label': 'Mudar velocidade de reprodução, no momento 1×' }, '1×'),
        download)];
    }
    return [h('div', { class: 'wa-doc', 'data-testid': 'document-thumb' },
      h('span', { 'data-icon': 'document' }, '📄'), h('span', { dir: 'auto', title: name }, name), download)];
  }

  function messageRow(m) {
    const { h, hhmm, config, ownName, openPhone, formatPhone, authorOf, chats } = L();
    const out = m.from_me;
    const group = !!(chats.get(openPhone) || {}).subject;
    const author = out ? ownName : (group && m.author ? authorOf(m) : formatPhone(openPhone));
    const legacy = config.legacy_ticks ? (out ? 'message-out' : 'message-in') : '';
    const content = [];
    // In a group, an incoming bubble opens with its author: the number of an unsaved
    // participant and the name they set ("~Ana").
    if (group && !out && m.author) {
      content.push(h('div', { class: 'wa-author', 'data-testid': 'msg-author' },
        h('span', { dir: 'auto', role: 'button', 'aria-label': 'Abrir os dados de ' + authorOf(m) }, authorOf(m)),
        m.author_name ? h('span', { dir: 'auto', class: 'wa-push', 'data-testid': 'msg-author-push-name' }, '~' + m.author_name) : null));
    }
    if (m.link_preview) {
      const url = (m.text || '').match(/(https?:\/\/|www\.)\S+/i);
      content.push(h('div', { 'data-testid': 'link-preview-card', class: 'wa-linkcard' }, url ? url[0] : ''));
    }
    if (m.media_id) content.push(mediaBlock(m));
    if (m.text) content.push(textBlock(m, author));
    const meta = h('div', { 'data-testid': 'msg-meta', class: 'wa-meta' }, h('span', {}, hhmm(m.timestamp)), out ? tick(m.status) : null);
    return h('div', { role: 'row', class: 'wa-msgrow ' + (out ? 'wa-out' : 'wa-in') },
      h('div', { 'data-id': m.id, 'data-testid': 'conv-msg-' + m.id, tabindex: '-1', class: 'wa-bubble ' + legacy },
        h('div', { 'data-virtualized': 'false' }, h('div', {},
          h('span', { 'data-icon': out ? 'tail-out' : 'tail-in' }),
          out ? h('span', { 'aria-label': 'Você:' }) : null,
          h('div', { 'data-testid': 'msg-container' }, ...content, meta)))));
  }

  function render(phone, messages) {
    const { h, formatPhone, chats } = L();
    const chat = chats.get(phone) || {};
    const title = L().titleOf({ ...chat, phone });
    const members = chat.participants ? [...chat.participants.map((p) => p.name || formatPhone(p.phone)), 'Você'].join(', ') : null;
    const list = h('div', { 'data-tab': '8', role: 'application', tabindex: '-1' }, messages.map(messageRow));
    const main = h('div', { id: 'main' },
      h('header', { 'data-testid': 'conversation-header' },
        h('div', { class: 'wa-avatar' }, h('span', { 'data-icon': chat.subject ? 'default-group' : 'default-user' })),
        h('div', { 'data-testid': 'conversation-info-header', class: 'wa-info' },
          h('span', { 'data-testid': 'conversation-info-header-chat-title', dir: 'auto', title }, title),
          h('span', { 'data-testid': 'chat-subtitle', class: 'wa-sub' }, members || (chat.push_name ? '~' + chat.push_name : 'online'))),
        h('button', { 'aria-label': 'Pesquisar' }, '🔍'), h('button', { 'aria-label': 'Mais opções' }, '⋮')),
      h('div', { 'data-testid': 'conversation-panel-body', class: 'wa-panel' },
        h('div', { 'data-testid': 'conversation-panel-messages' }, list)),
      footer(phone, chat.subject ? 'Digite uma mensagem para o grupo ' + title : 'Digite uma mensagem para ' + title));
    const old = document.getElementById('main') || document.querySelector('.wa-intro');
    old.replaceWith(main);
    main.querySelector('.wa-panel').scrollTop = 1e9;
    main.querySelector('[data-lexical-editor]').focus();
  }

  function append(m) {
    const list = document.querySelector('#main [role="application"]');
    if (!list || list.querySelector(`[data-id="${CSS.escape(m.id)}"]`)) return;
    list.append(messageRow(m));
    document.querySelector('#main .wa-panel').scrollTop = 1e9;
  }

  function ack(id, status) {
    const row = document.querySelector(`#main [data-id="${CSS.escape(id)}"]`);
    const meta = row && row.querySelector('[data-testid="msg-meta"], .wa-meta');
    if (!meta) return;
    meta.lastElementChild.replaceWith(tick(status));
  }

  // ---------------------------------------------------------------- composer
  function composerText(box) {
    const lines = [...box.children].map((p) => p.innerText.replace(/\n$/, ''));
    return lines.join('\n').replace(/\u00a0/g, ' ').trim();
  }

  function resetDraft() {
    L().draft = { keydowns: 0, inputs: 0, pasted: false, started: null, composing: false };
  }

  // Counts trusted keyboard events, so the control API can tell typing from pasting.
  function watchTyping(box, phone, onEnter) {
    box.addEventListener('keydown', (e) => {
      const d = L().draft;
      if (e.isTrusted) d.keydowns += 1;
      if (d.started === null) d.started = Date.now() / 1000;
      if (!d.composing) { d.composing = true; L().api('/_wa/presence', { token: L().token(), chat: phone, state: 'composing' }); }
      if (e.key === 'Enter' && !e.shiftKey) { e.preventDefault(); onEnter(); }
    });
    box.addEventListener('beforeinput', (e) => { if (e.inputType === 'insertFromPaste') L().draft.pasted = true; });
    box.addEventListener('paste', () => { L().draft.pasted = true; });
    box.addEventListener('input', () => { L().draft.inputs += 1; });
  }

  async function send(phone, text, attachment, linkPreview = false) {
    const { api, token, draft } = L();
    resetDraft();
    await api('/_wa/send', {
      token: token(), to: phone, text: text || null, attachment, link_preview: linkPreview,
      keydowns: draft.keydowns, input_events: draft.inputs, pasted: draft.pasted, typing_started_at: draft.started,
    });
  }

  // A link in the composer gets its preview card a moment later (WA fetches it).
  const LINK = /(https?:\/\/|www\.)\S+/i;
  function watchLinks(box, holder) {
    let timer = null;
    box.addEventListener('input', () => {
      clearTimeout(timer);
      const found = composerText(box).match(LINK);
      if (!found) { holder.replaceChildren(); return; }
      timer = setTimeout(() => {
        const { h } = L();
        holder.replaceChildren(h('div', { 'data-testid': 'link-preview', class: 'wa-linkcard' }, found[0]));
      }, 300);
    });
  }

  function footer(phone, label) {
    const { h } = L();
    const box = h('div', {
      contenteditable: 'true', role: 'textbox', 'data-lexical-editor': 'true', 'data-tab': '10', tabindex: '10',
      spellcheck: 'true', 'aria-owns': 'emoji-suggestion', 'aria-placeholder': 'Digite uma mensagem',
      'aria-label': label, 'data-testid': 'conversation-compose-box-input',
    }, h('p', { class: 'selectable-text copyable-text', dir: 'ltr' }, h('br')));
    const slot = h('div', {});
    const linkHolder = h('div', {});
    watchLinks(box, linkHolder);
    const submit = () => {
      const text = composerText(box);
      if (!text) return;
      const withPreview = !!linkHolder.firstChild;
      box.replaceChildren(h('p', { class: 'selectable-text copyable-text', dir: 'ltr' }, h('br')));
      linkHolder.replaceChildren();
      updateSlot();
      send(phone, text, null, withPreview);
    };
    const sendButton = h('button', { 'aria-label': 'Enviar', 'data-testid': 'compose-btn-send', onclick: submit },
      h('span', { 'data-icon': 'wds-ic-send-filled' }, '➤'));
    const voiceButton = h('button', { 'aria-label': 'Mensagem de voz' }, h('span', { 'data-icon': 'mic-outlined' }, '🎤'));
    const updateSlot = () => slot.replaceChildren(composerText(box) ? sendButton : voiceButton);
    updateSlot();
    watchTyping(box, phone, submit);
    box.addEventListener('input', updateSlot);
    const attach = h('button', { 'aria-label': 'Anexar', onclick: () => toggleAttach(footerEl, phone) },
      h('span', { 'data-icon': 'plus-rounded' }, '+'));
    const footerEl = h('footer', {}, linkHolder, h('div', { 'data-testid': 'compose-box', style: 'display:contents' },
      attach, h('button', { 'aria-label': 'Emojis, GIFs, figurinhas' }, '☺'),
      h('div', { class: 'lexical-rich-text-input wa-lexical' }, box), slot));
    return footerEl;
  }

  function toggleAttach(footerEl, phone) {
    const { h } = L();
    const old = footerEl.querySelector('.wa-menu');
    if (old) { old.remove(); return; }
    const input = (accept) => h('input', { type: 'file', accept, onchange: (e) => preview(e.target.files[0], phone) });
    footerEl.append(h('div', { role: 'application', class: 'wa-menu' }, h('ul', {},
      h('li', {}, '📄 Documento', input('*')),
      h('li', {}, '🖼 Fotos e vídeos', input('image/*,video/mp4,video/3gpp,video/quicktime')))));
  }

  // The media editor overlays the conversation with its own caption box and send button.
  function preview(file, phone) {
    const { h } = L();
    if (!file) return;
    document.querySelector('#main footer .wa-menu')?.remove();
    const caption = h('div', { contenteditable: 'true', role: 'textbox', 'aria-placeholder': 'Adicione uma legenda', 'data-tab': '10' },
      h('p', { class: 'selectable-text copyable-text', dir: 'ltr' }, h('br')));
    const submit = async () => {
      const text = composerText(caption);
      editor.remove();
      const data = await new Promise((resolve) => {
        const reader = new FileReader();
        reader.onload = () => resolve(String(reader.result).split(',')[1]);
        reader.readAsDataURL(file);
      });
      send(phone, text, { name: file.name, mimetype: file.type || 'application/octet-stream', base64: data });
    };
    watchTyping(caption, phone, submit);
    const thumb = file.type.startsWith('image/') ? h('img', { src: URL.createObjectURL(file), alt: '', style: 'max-height:50%' }) : h('div', {}, '📄 ' + file.name);
    const editor = h('div', { class: 'wa-preview-editor', 'data-testid': 'media-editor' }, thumb, caption,
      h('div', { role: 'button', 'aria-label': 'Enviar', onclick: submit }, h('span', { 'data-icon': 'wds-ic-send-filled' }, '➤')));
    document.getElementById('main').append(editor);
    caption.focus();
  }

  window.__lookalikeConversation = { render, append, ack };
})();
