// Injected into every page load (context.add_init_script). Watches the DOM with one
// MutationObserver and reports what it sees through the exposed binding: the QR ref,
// the loading / logged-in screens, unread chat rows, message rows of the open chat
// (with media fetched in page context) and tick changes. It never writes to the page.
// __SEL__ and __BINDING__ are filled in from selectors.py by observer.py.
(() => {
  const SEL = __SEL__;
  const BINDING = __BINDING__;
  if (window.top !== window || window[BINDING + 'Installed']) return;
  Object.defineProperty(window, BINDING + 'Installed', { value: true });

  const emit = (payload) => {
    const fn = window[BINDING];
    if (typeof fn === 'function') fn(payload).catch(() => {});
  };
  const tryQuery = (root, sel, many) => {
    try { return many ? [...root.querySelectorAll(sel)] : root.querySelector(sel); } catch (e) { return many ? [] : null; }
  };
  const first = (root, list) => {
    for (const s of list) { const el = tryQuery(root, s, false); if (el) return el; }
    return null;
  };
  const all = (root, list) => {
    for (const s of list) { const els = tryQuery(root, s, true); if (els.length) return els; }
    return [];
  };
  const matchesAny = (el, list) => list.some((s) => { try { return el.matches(s); } catch (e) { return false; } });

  let screen = null;
  let lastRef = null;
  let expiredReported = false;
  const reported = new Set();
  const inFlight = new Set();
  const ticks = new Map();
  const unread = new Map();
  const firstSeen = new Map();

  function ownWid() {
    for (const key of SEL.ownWidKeys) {
      const raw = localStorage.getItem(key);
      if (!raw) continue;
      try { return String(JSON.parse(raw)); } catch (e) { return raw; }
    }
    return null;
  }

  function scanScreen() {
    if (first(document, SEL.loggedIn)) {
      if (screen !== 'main') { screen = 'main'; emit({ kind: 'ready', wid: ownWid() }); }
      return true;
    }
    const qr = first(document, SEL.qrContainer);
    if (qr) {
      screen = 'qr';
      const ref = qr.getAttribute('data-ref');
      if (ref && ref !== lastRef) { lastRef = ref; expiredReported = false; emit({ kind: 'qr', ref }); }
      // The expired QR keeps its stale data-ref; only the reload button tells.
      const expired = !!first(document, SEL.qrReload);
      if (expired && !expiredReported) { expiredReported = true; emit({ kind: 'qr_expired' }); }
      if (!expired) expiredReported = false;
      return false;
    }
    if (first(document, SEL.loading) && screen !== 'loading') { screen = 'loading'; emit({ kind: 'loading' }); }
    return false;
  }

  function scanChatList() {
    for (const row of all(document, SEL.chatRow)) {
      const titleEl = first(row, SEL.chatTitle);
      const title = titleEl && titleEl.getAttribute('title');
      if (!title) continue;
      const badge = first(row, SEL.chatUnread);
      const count = badge ? parseInt(badge.textContent, 10) || 1 : 0;
      if (count && unread.get(title) !== count) emit({ kind: 'unread', title, count });
      unread.set(title, count);
    }
  }

  function header() {
    const titleEl = first(document, SEL.conversationTitle);
    const title = titleEl ? (titleEl.getAttribute('title') || titleEl.textContent || '').trim() : null;
    const sub = titleEl && titleEl.parentElement ? titleEl.parentElement.querySelector('span:not([title])') : null;
    return { title, subtitle: sub ? sub.textContent.trim() : null, group: !!first(document, SEL.groupMarker) };
  }

  function rowId(row) {
    return row.getAttribute('data-id') || (row.getAttribute('data-testid') || '').replace(/^conv-msg-/, '') || null;
  }

  function isOutgoing(row) {
    return matchesAny(row, SEL.outgoing) || !!first(row, SEL.outgoing);
  }

  function tickOf(row) {
    const labelled = first(row, SEL.tickLabelled);
    if (labelled) return labelled.getAttribute('aria-label').trim().toLowerCase();
    const icon = first(row, SEL.tickIcon);
    if (!icon) return null;
    return (icon.tagName.toLowerCase() === 'title' ? icon.textContent : icon.getAttribute('data-icon')).trim().toLowerCase();
  }

  // pt-BR "[10:42, 22/11/2026] Name: " (day first); en-US builds put M/D/YYYY.
  function timestampOf(pre) {
    const m = pre && pre.match(/\[(\d{1,2}):(\d{2}),\s*(\d{1,2})\/(\d{1,2})\/(\d{4})\]/);
    if (!m) return null;
    const dayFirst = SEL.dateOrder === 'dmy';
    const [d, mo] = dayFirst ? [m[3], m[4]] : [m[4], m[3]];
    return Math.floor(new Date(+m[5], +mo - 1, +d, +m[1], +m[2]).getTime() / 1000);
  }

  function mediaKind(row) {
    if (first(row, SEL.image)) return 'image';
    if (first(row, SEL.voice)) return 'voice';
    if (first(row, SEL.audio)) return 'audio';
    if (first(row, SEL.document)) return 'document';
    return null;
  }

  async function blobToBase64(url) {
    const blob = await (await fetch(url)).blob();
    const data = await new Promise((resolve, reject) => {
      const reader = new FileReader();
      reader.onload = () => resolve(String(reader.result));
      reader.onerror = () => reject(reader.error);
      reader.readAsDataURL(blob);
    });
    return { base64: data.slice(data.indexOf(',') + 1), mimetype: blob.type || null, size: blob.size };
  }

  // A row that never completes (sticker, location, a type we do not parse) is reported
  // as unsupported after a while instead of holding back the rows after it.
  function overdue(id) {
    if (!firstSeen.has(id)) firstSeen.set(id, Date.now());
    return Date.now() - firstSeen.get(id) >= SEL.incompleteAfterMs;
  }

  // "[10:42, 22/11/2026] Maria Silva: " → "Maria Silva" (in a group: who wrote it).
  function authorOf(pre) {
    const m = pre && pre.match(/^\[[^\]]*\]\s*(.*?):\s*$/);
    return m ? m[1] : null;
  }

  async function reportRow(row, id, outgoing, head, force) {
    const kind = mediaKind(row);
    const textEl = first(row, SEL.text);
    const pre = first(row, SEL.metaText);
    const preText = pre && pre.getAttribute('data-pre-plain-text');
    const pushEl = head.group && !outgoing ? first(row, SEL.authorPushName) : null;
    const payload = {
      kind: 'message', id, from_me: outgoing, title: head.title, subtitle: head.subtitle,
      text: textEl ? textEl.innerText : null, timestamp: timestampOf(preText),
      media: null, group: head.group,
      author: head.group && !outgoing ? authorOf(preText) : null,
      author_name: pushEl ? pushEl.textContent.replace(/^~\s*/, '').trim() || null : null,
    };
    // A row with neither text nor media is still being filled in (players and images
    // arrive later); a later mutation brings us back.
    if (!kind && !payload.text) {
      if (!force) return false;
      payload.unsupported = true;
      emit(payload);
      return true;
    }
    if (kind) {
      const source = kind === 'image' ? first(row, SEL.image) : first(row, SEL.blobSource);
      const url = source && (source.getAttribute('src') || source.getAttribute('href'));
      if (!url && !force) return false;
      if (!url) { payload.unsupported = true; emit(payload); return true; }
      const fileEl = first(row, SEL.blobSource);
      const filename = (fileEl && fileEl.getAttribute('download')) || null;
      payload.media = { kind, filename, ...(await blobToBase64(url)) };
    }
    emit(payload);
    return true;
  }

  // Rows are reported one at a time in DOM order, so a burst reaches Python in the
  // order the customer wrote it even when a media row takes longer to fetch.
  function scanMessages() {
    if (!first(document, SEL.conversation)) return;
    const head = header();
    let blocked = inFlight.size > 0;
    for (const row of all(document, SEL.messageRow)) {
      const id = rowId(row);
      if (!id) continue;
      const outgoing = isOutgoing(row);
      if (!blocked && !reported.has(id)) {
        blocked = true;
        const force = overdue(id);
        if (force || !first(row, SEL.mediaPending)) {
          inFlight.add(id);
          reportRow(row, id, outgoing, head, force)
            .then((done) => { if (done) reported.add(id); else setTimeout(schedule, SEL.incompleteAfterMs); })
            .catch(() => {})
            .finally(() => { inFlight.delete(id); schedule(); });
        } else {
          setTimeout(schedule, SEL.incompleteAfterMs);
        }
      }
      const tick = outgoing ? tickOf(row) : null;
      if (tick && ticks.get(id) !== tick && reported.has(id)) {
        ticks.set(id, tick);
        emit({ kind: 'ack', id, label: tick, title: head.title });
      }
    }
  }

  // How many rows of the open chat are not reported yet (being read, waiting for their
  // media, or queued behind one that is). The driver asks before it leaves a chat: rows
  // of a chat it left are never seen again, its badge went when it was opened.
  function unreported() {
    if (!first(document, SEL.conversation)) return 0;
    return all(document, SEL.messageRow).filter((row) => {
      const id = rowId(row);
      return id && !reported.has(id);
    }).length;
  }
  Object.defineProperty(window, BINDING + 'Unreported', { value: unreported });

  let pending = false;
  function schedule() {
    if (pending) return;
    pending = true;
    setTimeout(() => {
      pending = false;
      if (scanScreen()) { scanChatList(); scanMessages(); }
    }, 0);
  }

  const observer = new MutationObserver(schedule);
  const attach = () => {
    observer.observe(document, {
      subtree: true, childList: true, attributes: true,
      attributeFilter: ['data-ref', 'aria-label', 'src', 'href', 'data-icon', 'data-id'],
    });
    schedule();
  };
  if (document.documentElement) attach();
  else document.addEventListener('readystatechange', attach, { once: true });
})();
