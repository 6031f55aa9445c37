/*!
 * Clinic chat widget: a dependency-free client for a Rasa REST channel.
 *
 * Embed with one tag (the stylesheet chat-widget.css is loaded from beside this file):
 *   <script src="chat-widget.js" data-server-url="http://localhost:5005"
 *           data-title="Clinic assistant" data-primary-color="#1f5f8b" defer></script>
 *
 * Optional attributes:
 *   data-clinic-phone     phone shown when the assistant can't be reached (default "+1 555 0100")
 *   data-subtitle         line under the title (default "General information, not medical advice")
 *   data-timeout-ms       per-request timeout in ms (default 8000)
 *   data-history-hours    a transcript untouched for longer is dropped with its session (default 24)
 *   data-css-url          stylesheet URL (default: chat-widget.css next to this script)
 *   data-server-url-param name of a page query parameter allowed to override the server URL
 *                         (demo/testing only; off unless the attribute is present)
 *
 * Safety: every piece of text is inserted with textContent / text nodes, never innerHTML.
 * The only links the widget creates are tel: links built from an escalation payload.
 */
(function () {
  'use strict';

  if (window.__clinicChatWidget) return; // one instance per page
  window.__clinicChatWidget = true;

  // ---------------------------------------------------------------- configuration
  var script = document.currentScript || (function () {
    var all = document.querySelectorAll('script[src*="chat-widget"]');
    return all[all.length - 1] || null;
  })();

  function attr(name, fallback) {
    var v = script ? script.getAttribute('data-' + name) : null;
    if (v === null || v === undefined) return fallback;
    v = String(v).trim();
    return v === '' ? fallback : v;
  }

  function cleanHttpUrl(value) {
    try {
      var u = new URL(value, window.location.href);
      if (u.protocol !== 'http:' && u.protocol !== 'https:') return null;
      return u.href.replace(/\/+$/, '');
    } catch (e) {
      return null;
    }
  }

  var serverUrl = cleanHttpUrl(attr('server-url', 'http://localhost:5005')) || 'http://localhost:5005';
  var overrideParam = attr('server-url-param', null);
  if (overrideParam) {
    try {
      var requested = new URLSearchParams(window.location.search).get(overrideParam);
      var cleaned = requested ? cleanHttpUrl(requested) : null;
      if (cleaned) serverUrl = cleaned;
    } catch (e) { /* keep the configured URL */ }
  }

  var scriptSrc = (script && script.src) || window.location.href;
  var config = {
    serverUrl: serverUrl,
    endpoint: serverUrl + '/webhooks/rest/webhook',
    title: attr('title', 'Clinic assistant'),
    subtitle: attr('subtitle', 'General information, not medical advice'),
    primaryColor: attr('primary-color', '#1f5f8b'),
    clinicPhone: attr('clinic-phone', '+1 555 0100'),
    timeoutMs: Math.min(60000, Math.max(1000, parseInt(attr('timeout-ms', '8000'), 10) || 8000)),
    historyMs: Math.max(0.1, parseFloat(attr('history-hours', '24')) || 24) * 3600 * 1000,
    cssUrl: attr('css-url', null) || new URL('chat-widget.css', scriptSrc).href
  };

  var MAX_ITEMS = 150;
  var NS = 'clinic-chat-widget:v1:' + config.serverUrl;
  var KEY_SESSION = NS + ':session';
  var KEY_TRANSCRIPT = NS + ':transcript';
  var KEY_OPEN = NS + ':open';

  // ---------------------------------------------------------------- storage (never throws)
  var memoryStore = {};
  function storageGet(store, key) {
    try { return window[store].getItem(key); } catch (e) { return memoryStore[store + key] || null; }
  }
  function storageSet(store, key, value) {
    try { window[store].setItem(key, value); } catch (e) { memoryStore[store + key] = value; }
  }
  function storageRemove(store, key) {
    try { window[store].removeItem(key); } catch (e) { /* ignore */ }
    delete memoryStore[store + key];
  }

  function newSessionId() {
    if (window.crypto && typeof window.crypto.randomUUID === 'function') return window.crypto.randomUUID();
    var bytes = new Uint8Array(16);
    if (window.crypto && window.crypto.getRandomValues) window.crypto.getRandomValues(bytes);
    else for (var i = 0; i < 16; i++) bytes[i] = Math.floor(Math.random() * 256);
    return Array.prototype.map.call(bytes, function (b) { return ('0' + b.toString(16)).slice(-2); }).join('');
  }

  // ---------------------------------------------------------------- state
  var state = { sessionId: null, items: [], greeted: false };

  function loadState() {
    state.sessionId = storageGet('localStorage', KEY_SESSION);
    state.items = [];
    state.greeted = false;
    var saved = null;
    try { saved = JSON.parse(storageGet('localStorage', KEY_TRANSCRIPT) || 'null'); } catch (e) { /* corrupt */ }
    var stale = saved && typeof saved.updated === 'number' && Date.now() - saved.updated > config.historyMs;
    if (stale) {
      // an old conversation (it may hold personal details) is not kept forever on a shared device
      storageRemove('localStorage', KEY_TRANSCRIPT);
      state.sessionId = null;
    } else if (saved && Array.isArray(saved.items)) {
      state.items = saved.items.map(sanitizeStoredItem).filter(Boolean);
      state.greeted = saved.greeted === true;
    }
    if (!state.sessionId) {
      state.sessionId = newSessionId();
      storageSet('localStorage', KEY_SESSION, state.sessionId);
    }
  }

  function saveState() {
    if (state.items.length > MAX_ITEMS) state.items = state.items.slice(-MAX_ITEMS);
    storageSet('localStorage', KEY_TRANSCRIPT,
      JSON.stringify({ updated: Date.now(), greeted: state.greeted, items: state.items }));
  }

  // ---------------------------------------------------------------- payload normalisation
  function str(v) { return (v === null || v === undefined) ? '' : String(v); }

  function normaliseButtons(buttons) {
    if (!Array.isArray(buttons)) return [];
    return buttons.map(function (b) {
      if (!b || typeof b !== 'object') return null;
      var title = str(b.title).trim();
      var payload = str(b.payload !== undefined ? b.payload : b.title).trim();
      if (!title || !payload) return null;
      return { title: title, payload: payload };
    }).filter(Boolean);
  }

  function normaliseEscalation(e) {
    if (!e || typeof e !== 'object' || Array.isArray(e)) return null;
    return {
      reason: str(e.reason),
      urgent: e.urgent === true,
      ticket: (e.ticket === null || e.ticket === undefined || e.ticket === '') ? null : str(e.ticket),
      clinic_name: str(e.clinic_name) || 'the clinic',
      clinic_phone: str(e.clinic_phone),
      emergency_number: str(e.emergency_number),
      hours: str(e.hours)
    };
  }

  // Rasa REST reply item -> list of transcript items
  function itemsFromReply(reply) {
    var out = [];
    if (!reply || typeof reply !== 'object') return out;
    var text = typeof reply.text === 'string' ? reply.text : '';
    var buttons = normaliseButtons(reply.buttons || (reply.quick_replies));
    if (text || buttons.length) {
      out.push({ t: 'bot', text: text, buttons: buttons, live: buttons.length > 0 });
    }
    var custom = reply.custom;
    if (custom && typeof custom === 'object' && !Array.isArray(custom) && custom.escalation) {
      var esc = normaliseEscalation(custom.escalation);
      if (esc) out.push({ t: 'escalation', e: esc });
    }
    return out;
  }

  function sanitizeStoredItem(it) {
    if (!it || typeof it !== 'object') return null;
    if (it.t === 'user' || it.t === 'error') return { t: it.t, text: str(it.text) };
    if (it.t === 'bot') {
      var b = normaliseButtons(it.buttons);
      return { t: 'bot', text: str(it.text), buttons: b, live: it.live === true && b.length > 0 };
    }
    if (it.t === 'escalation') {
      var e = normaliseEscalation(it.e);
      return e ? { t: 'escalation', e: e } : null;
    }
    return null;
  }

  // "+1 555 0100" -> "tel:+15550100"; null (shown as plain text) unless it looks like a phone number
  function telHref(phone) {
    var s = str(phone).trim();
    if (!/^\+?[\d\s().\-\/]+$/.test(s)) return null;
    var digits = s.replace(/\D/g, '');
    if (digits.length < 3 || digits.length > 20) return null;
    return 'tel:' + (s.charAt(0) === '+' ? '+' : '') + digits;
  }

  // ---------------------------------------------------------------- DOM helpers (no innerHTML)
  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function srOnly(text) { return el('span', 'ccw-sr-only', text); }

  function phoneNode(phone, className) {
    var href = telHref(phone);
    if (!href) return el('span', className || null, phone);
    var a = el('a', className || null, phone);
    a.setAttribute('href', href);
    return a;
  }

  // Phone numbers in text are kept on one line (plain text, never a link).
  var PHONE_RE = /(\+?\d[\d ().\-]{5,}\d)/g;
  function appendPlain(container, text) {
    String(text).split(PHONE_RE).forEach(function (part, i) {
      if (!part) return;
      if (i % 2 === 1) container.appendChild(el('span', 'ccw-nowrap', part));
      else container.appendChild(document.createTextNode(part));
    });
  }

  // Bot text: literal text with **bold** rendered as <strong>; all via text nodes.
  function appendBotText(container, text) {
    var parts = String(text).split(/(\*\*[^*\n]+\*\*)/g);
    parts.forEach(function (part) {
      if (!part) return;
      var m = /^\*\*([^*\n]+)\*\*$/.exec(part);
      if (m) container.appendChild(el('strong', null, m[1]));
      else appendPlain(container, part);
    });
  }

  var SVG_NS = 'http://www.w3.org/2000/svg';
  function chatIcon() {
    var svg = document.createElementNS(SVG_NS, 'svg');
    svg.setAttribute('viewBox', '0 0 24 24');
    svg.setAttribute('aria-hidden', 'true');
    svg.setAttribute('focusable', 'false');
    var path = document.createElementNS(SVG_NS, 'path');
    path.setAttribute('d', 'M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2zm3 6v2h2V9H7zm4 0v2h2V9h-2zm4 0v2h2V9h-2z');
    svg.appendChild(path);
    return svg;
  }

  // ---------------------------------------------------------------- colours (keep AA contrast)
  function parseRgb(color) {
    var probe = document.createElement('span');
    probe.style.color = '';
    probe.style.color = color;
    if (!probe.style.color) return null;
    probe.style.display = 'none';
    document.body.appendChild(probe);
    var computed = window.getComputedStyle(probe).color;
    probe.remove();
    var m = /rgba?\(\s*([\d.]+)[,\s]+([\d.]+)[,\s]+([\d.]+)(?:[,\s/]+([\d.]+))?/.exec(computed);
    if (!m) return null;
    if (m[4] !== undefined && parseFloat(m[4]) < 1) return null; // translucent: refuse
    return [parseFloat(m[1]), parseFloat(m[2]), parseFloat(m[3])];
  }
  function luminance(rgb) {
    var c = rgb.map(function (v) {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
  }
  function contrast(a, b) {
    var la = luminance(a), lb = luminance(b);
    return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
  }
  function applyColours(root) {
    var rgb = parseRgb(config.primaryColor) || parseRgb('#1f5f8b');
    var white = [255, 255, 255], dark = [17, 17, 17];
    var primary = 'rgb(' + rgb.join(',') + ')';
    var onPrimary = contrast(rgb, white) >= contrast(rgb, dark) ? '#ffffff' : '#111111';
    // primary used as text/borders on white needs 4.5:1, otherwise fall back to near-black
    var primaryText = contrast(rgb, white) >= 4.5 ? primary : '#1a1a1a';
    root.style.setProperty('--ccw-primary', primary);
    root.style.setProperty('--ccw-on-primary', onPrimary);
    root.style.setProperty('--ccw-primary-text', primaryText);
  }

  // ---------------------------------------------------------------- build the UI
  var ui = {};

  function loadStylesheet(root) {
    var existing = document.querySelector('link[data-ccw-css]');
    if (existing) return;
    root.style.visibility = 'hidden'; // avoid a flash of unstyled widget
    var link = document.createElement('link');
    link.rel = 'stylesheet';
    link.href = config.cssUrl;
    link.setAttribute('data-ccw-css', '');
    var reveal = function () { root.style.visibility = ''; };
    link.addEventListener('load', reveal);
    link.addEventListener('error', reveal);
    setTimeout(reveal, 3000);
    document.head.appendChild(link);
  }

  function build() {
    var root = el('div', 'ccw-root');
    root.setAttribute('data-ccw', '');
    loadStylesheet(root);

    var launcher = el('button', 'ccw-launcher');
    launcher.type = 'button';
    launcher.setAttribute('aria-expanded', 'false');
    launcher.setAttribute('aria-controls', 'ccw-panel');
    launcher.appendChild(chatIcon());
    launcher.appendChild(el('span', 'ccw-launcher-label', 'Chat with us'));

    var panel = el('section', 'ccw-panel');
    panel.id = 'ccw-panel';
    panel.hidden = true;
    panel.setAttribute('role', 'dialog');
    panel.setAttribute('aria-modal', 'false');
    panel.setAttribute('aria-labelledby', 'ccw-title');
    panel.setAttribute('aria-describedby', 'ccw-subtitle');

    var header = el('div', 'ccw-header');
    var heading = el('div', 'ccw-heading');
    var title = el('h2', 'ccw-title', config.title);
    title.id = 'ccw-title';
    var subtitle = el('p', 'ccw-subtitle', config.subtitle);
    subtitle.id = 'ccw-subtitle';
    heading.appendChild(title);
    heading.appendChild(subtitle);
    var restart = el('button', 'ccw-restart', 'Start over');
    restart.type = 'button';
    var close = el('button', 'ccw-close');
    close.type = 'button';
    close.setAttribute('aria-label', 'Close chat');
    var x = el('span', null, '\u00d7');
    x.setAttribute('aria-hidden', 'true');
    close.appendChild(x);
    header.appendChild(heading);
    header.appendChild(restart);
    header.appendChild(close);

    var log = el('div', 'ccw-log');
    log.id = 'ccw-log';
    log.setAttribute('role', 'log');
    log.setAttribute('aria-live', 'polite');
    log.setAttribute('aria-relevant', 'additions');
    log.setAttribute('aria-label', 'Conversation');
    log.tabIndex = 0; // scrollable region must be keyboard reachable

    var typing = el('div', 'ccw-typing');
    typing.hidden = true;
    typing.setAttribute('role', 'status');
    var dots = el('span', 'ccw-dots');
    dots.setAttribute('aria-hidden', 'true');
    dots.appendChild(el('span'));
    dots.appendChild(el('span'));
    dots.appendChild(el('span'));
    typing.appendChild(dots);
    typing.appendChild(el('span', 'ccw-typing-text', 'The assistant is typing\u2026'));

    var form = el('form', 'ccw-form');
    form.setAttribute('novalidate', '');
    var label = el('label', 'ccw-sr-only', 'Type your question');
    label.setAttribute('for', 'ccw-input');
    var input = el('input', 'ccw-input');
    input.id = 'ccw-input';
    input.type = 'text';
    input.name = 'message';
    input.autocomplete = 'off';
    input.maxLength = 1000;
    input.placeholder = 'Type your question\u2026';
    var send = el('button', 'ccw-send', 'Send');
    send.type = 'submit';
    form.appendChild(label);
    form.appendChild(input);
    form.appendChild(send);

    panel.appendChild(header);
    panel.appendChild(log);
    panel.appendChild(typing);
    panel.appendChild(form);
    root.appendChild(panel);
    root.appendChild(launcher);
    document.body.appendChild(root);
    applyColours(root);

    ui = { root: root, launcher: launcher, panel: panel, log: log, typing: typing,
      form: form, input: input, restart: restart, close: close };

    launcher.addEventListener('click', function () {
      if (panel.hidden) openPanel(true); else closePanel();
    });
    close.addEventListener('click', closePanel);
    restart.addEventListener('click', startOver);
    root.addEventListener('keydown', function (ev) {
      if ((ev.key === 'Escape' || ev.key === 'Esc') && !panel.hidden) {
        ev.preventDefault();
        closePanel();
      }
    });
    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      var text = input.value.trim();
      if (!text) return;
      input.value = '';
      sendUserMessage(text, text);
    });
  }

  // ---------------------------------------------------------------- rendering
  function renderItem(item, index) {
    if (item.t === 'user') {
      var u = el('div', 'ccw-msg ccw-msg--user');
      u.appendChild(srOnly('You said: '));
      u.appendChild(el('p', 'ccw-bubble', item.text));
      return u;
    }
    if (item.t === 'error') {
      var er = el('div', 'ccw-msg ccw-msg--bot ccw-msg--error');
      er.appendChild(srOnly('Assistant: '));
      var ep = el('p', 'ccw-bubble');
      appendPlain(ep, item.text);
      er.appendChild(ep);
      return er;
    }
    if (item.t === 'bot') {
      var b = el('div', 'ccw-msg ccw-msg--bot');
      if (item.text) {
        b.appendChild(srOnly('Assistant said: '));
        var p = el('p', 'ccw-bubble');
        appendBotText(p, item.text);
        b.appendChild(p);
      }
      if (item.live && item.buttons && item.buttons.length) {
        var group = el('div', 'ccw-quick');
        group.setAttribute('role', 'group');
        group.setAttribute('aria-label', 'Suggested replies');
        item.buttons.forEach(function (btn) {
          var button = el('button', 'ccw-quick-reply', btn.title);
          button.type = 'button';
          button.addEventListener('click', function () {
            sendUserMessage(btn.payload, btn.title);
            ui.input.focus();
          });
          group.appendChild(button);
        });
        b.appendChild(group);
      }
      return b.childNodes.length ? b : null;
    }
    if (item.t === 'escalation') return renderEscalation(item.e);
    return null;
  }

  function renderEscalation(e) {
    var card = el('div', 'ccw-escalation' + (e.urgent ? ' ccw-escalation--urgent' : ''));
    if (e.urgent) {
      var banner = el('div', 'ccw-urgent-banner');
      banner.setAttribute('role', 'alert');
      banner.appendChild(el('p', 'ccw-urgent-title', 'Urgent: please get medical help now'));
      var callClinic = el('p');
      callClinic.appendChild(document.createTextNode('Call ' + e.clinic_name + ' now on '));
      callClinic.appendChild(phoneNode(e.clinic_phone || config.clinicPhone, 'ccw-tel ccw-tel--clinic'));
      callClinic.appendChild(document.createTextNode('.'));
      banner.appendChild(callClinic);
      if (e.emergency_number) {
        var emergency = el('p');
        emergency.appendChild(document.createTextNode(
          'If you feel very unwell, have trouble breathing or your face or lips are swelling, call emergency services on '));
        emergency.appendChild(phoneNode(e.emergency_number, 'ccw-tel ccw-tel--emergency'));
        emergency.appendChild(document.createTextNode('.'));
        banner.appendChild(emergency);
      }
      card.appendChild(banner);
    }
    // the reason is a machine key (e.g. "pregnancy"); the bot's own text explains it to the visitor
    if (e.reason) card.setAttribute('data-reason', e.reason);
    card.appendChild(el('h3', 'ccw-escalation-title', 'A clinician should look at this'));
    var offer = el('p', 'ccw-escalation-offer');
    if (e.ticket) {
      offer.appendChild(document.createTextNode('We have passed this to a clinician at ' + e.clinic_name +
        ' (reference ' + e.ticket + '). You can also call us on '));
    } else {
      offer.appendChild(document.createTextNode('Please speak to a clinician at ' + e.clinic_name + ': call '));
    }
    offer.appendChild(phoneNode(e.clinic_phone || config.clinicPhone, 'ccw-tel'));
    offer.appendChild(document.createTextNode(e.hours ? ' (' + e.hours + ').' : '.'));
    card.appendChild(offer);
    return card;
  }

  function appendRendered(item) {
    var node = renderItem(item);
    if (node) ui.log.appendChild(node);
    return node;
  }

  function renderAll() {
    while (ui.log.firstChild) ui.log.removeChild(ui.log.firstChild);
    state.items.forEach(appendRendered);
    scrollToBottom();
  }

  function scrollToBottom() {
    ui.log.scrollTop = ui.log.scrollHeight;
  }

  function addItems(items) {
    if (!items.length) return;
    var nodes = [];
    items.forEach(function (it) {
      state.items.push(it);
      var node = appendRendered(it);
      if (node) nodes.push(node);
    });
    saveState();
    revealReply(nodes);
  }

  // Show a new reply from its start (an urgent banner from its top) rather than only its end,
  // when the whole reply does not fit in the visible part of the conversation.
  function revealReply(nodes) {
    var log = ui.log;
    var bottom = log.scrollHeight - log.clientHeight;
    var anchor = null;
    nodes.forEach(function (n) {
      if (!anchor && n.classList.contains('ccw-escalation--urgent')) anchor = n;
    });
    anchor = anchor || nodes[0];
    if (!anchor) { scrollToBottom(); return; }
    var delta = anchor.getBoundingClientRect().top - log.getBoundingClientRect().top;
    log.scrollTop = Math.max(0, Math.min(bottom, log.scrollTop + delta - 8));
  }

  // Quick replies belong to the turn they came with: retire them once the visitor replies.
  function retireQuickReplies() {
    var changed = false;
    state.items.forEach(function (it) {
      if (it.t === 'bot' && it.live) { it.live = false; changed = true; }
    });
    if (changed) {
      var groups = ui.log.querySelectorAll('.ccw-quick');
      Array.prototype.forEach.call(groups, function (g) {
        var msg = g.parentNode;
        g.remove();
        if (msg && !msg.querySelector('.ccw-bubble')) msg.remove();
      });
    }
  }

  // ---------------------------------------------------------------- networking
  var generation = 0;   // bumped by "Start over": late replies of an old conversation are dropped
  var pending = 0;
  var queue = Promise.resolve();
  var greetInFlight = false;

  function setTyping() {
    ui.typing.hidden = pending === 0;
    if (pending) scrollToBottom();
  }

  function post(sender, message) {
    var controller = typeof AbortController === 'function' ? new AbortController() : null;
    var abortTimer, raceTimer;
    var timedOut = new Promise(function (_, reject) {
      abortTimer = setTimeout(function () { if (controller) controller.abort(); }, config.timeoutMs);
      // belt and braces: give up even if the abort is not honoured
      raceTimer = setTimeout(function () { reject(new Error('timeout')); }, config.timeoutMs + 100);
    });
    var request = fetch(config.endpoint, {
      method: 'POST',
      mode: 'cors',
      credentials: 'omit',
      cache: 'no-store',
      headers: { 'Content-Type': 'application/json', 'Accept': 'application/json' },
      body: JSON.stringify({ sender: sender, message: message }),
      signal: controller ? controller.signal : undefined
    }).then(function (res) {
      if (!res.ok) throw new Error('HTTP ' + res.status);
      return res.json();
    }).then(function (data) {
      if (!Array.isArray(data)) throw new Error('unexpected reply');
      return data;
    });
    var done = function () { clearTimeout(abortTimer); clearTimeout(raceTimer); };
    return Promise.race([request, timedOut]).then(function (data) {
      done();
      return data;
    }, function (err) {
      done();
      throw err;
    });
  }

  function unreachableText() {
    return "Sorry, I can't reach the assistant right now. Please call us on " + config.clinicPhone;
  }

  function enqueue(message, isGreeting) {
    var gen = generation;
    var sender = state.sessionId;
    pending++;
    setTyping();
    if (isGreeting) greetInFlight = true;
    queue = queue.then(function () {
      if (gen !== generation) return null;
      return post(sender, message).then(function (replies) {
        if (gen !== generation) return;
        var items = [];
        replies.forEach(function (r) { items = items.concat(itemsFromReply(r)); });
        if (isGreeting) state.greeted = true;
        addItems(items);
        if (isGreeting && !items.length) saveState();
      }, function () {
        if (gen !== generation) return;
        addItems([{ t: 'error', text: unreachableText() }]);
      });
    }).then(function () {
      if (gen !== generation) return;
      if (isGreeting) greetInFlight = false;
      pending = Math.max(0, pending - 1);
      setTyping();
    });
  }

  function sendUserMessage(payload, display) {
    retireQuickReplies();
    addItems([{ t: 'user', text: display }]);
    enqueue(payload, false);
  }

  function greetIfNeeded() {
    if (!state.greeted && !greetInFlight) enqueue('/greet', true);
  }

  function startOver() {
    var oldSender = state.sessionId;
    generation++;
    pending = 0;
    greetInFlight = false;
    queue = Promise.resolve();
    setTyping();
    // reset the server-side tracker of the old conversation; the reply is not shown
    post(oldSender, '/restart').catch(function () { /* best effort */ });
    state.sessionId = newSessionId();
    storageSet('localStorage', KEY_SESSION, state.sessionId);
    state.items = [];
    state.greeted = false;
    saveState();
    renderAll();
    greetIfNeeded();
    ui.input.focus();
  }

  // ---------------------------------------------------------------- open / close
  function openPanel(moveFocus) {
    ui.panel.hidden = false;
    ui.root.classList.add('ccw-is-open');
    ui.launcher.setAttribute('aria-expanded', 'true');
    storageSet('sessionStorage', KEY_OPEN, '1');
    scrollToBottom();
    if (moveFocus) ui.input.focus();
    greetIfNeeded();
  }

  function closePanel() {
    ui.panel.hidden = true;
    ui.root.classList.remove('ccw-is-open');
    ui.launcher.setAttribute('aria-expanded', 'false');
    storageRemove('sessionStorage', KEY_OPEN);
    ui.launcher.focus();
  }

  // keep several tabs of the same site in step
  window.addEventListener('storage', function (ev) {
    if (ev.key === KEY_TRANSCRIPT || ev.key === KEY_SESSION) {
      loadState();
      renderAll();
    }
  });

  function init() {
    loadState();
    build();
    renderAll();
    // a reload keeps the panel open if it was open in this tab (without stealing focus)
    if (storageGet('sessionStorage', KEY_OPEN) === '1') openPanel(false);
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
  else init();
})();
