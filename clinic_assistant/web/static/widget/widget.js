/*
 * Patient chat widget for the clinic's website. One script tag adds it to any page:
 *
 *   <script src="https://clinic.example/widget.js" defer
 *           data-server="https://assistant.clinic.example"   (the Rasa server, REST channel)
 *           data-clinic="Riverside Breast Unit"
 *           data-phone="01632 960 123"                        (the surgical team's day line)
 *           data-out-of-hours="01632 960 999"                 (optional: when it is closed)
 *           data-emergency="999"></script>
 *
 * The conversation is the patient's: the server gives it a secret with its first reply, which
 * the widget keeps for the browser session and sends with every message; only its holder can
 * continue the conversation, download it or delete it ("Forget me", on this site's web app,
 * the origin of this script). A line under the title says what is kept and for how long.
 *
 * No framework and no CDN. Everything a patient or the server writes is rendered as text; the
 * only links are http(s) and tel. The widget lives in a shadow root so the page's styles and
 * its own never mix. Keyboard: the launcher opens a dialog, Tab stays inside it, Esc closes it
 * and focus returns to the launcher. New messages are announced through a live region.
 *
 * A nurse can join the chat (console "Live chats"). Once the conversation is flagged, the widget
 * asks the web app whether nurses are in (the team's hours) and, if so, listens for the chat's
 * lines (Server-Sent Events; polling where that fails). Each line has an id: the widget keeps
 * the last one it showed, so a dropped connection resumes after it, losing and repeating none.
 * The patient keeps writing as before; while the nurse is in, the assistant only triages.
 */
(function () {
  "use strict";

  var script = document.currentScript;
  if (!script || window.__clinicAssistantLoaded) return;
  window.__clinicAssistantLoaded = true;

  var config = {
    server: (script.dataset.server || "").replace(/\/+$/, ""),
    clinic: script.dataset.clinic || "the clinic",
    phone: script.dataset.phone || "",
    outOfHours: script.dataset.outOfHours || "",
    emergency: script.dataset.emergency || "999",
    maxLength: 1000,
    timeoutMs: 20000
  };
  // The web app that served this script: it keeps the patient's download and "forget me".
  var webBase = new URL(script.src, window.location.href).origin;
  var STORE = "clinic-assistant:" + config.server;
  var TOPICS = [
    ["What is partial reconstruction?", "/ask_what_is"],
    ["The options", "/ask_options"],
    ["Timing", "/ask_timing"],
    ["Risks", "/ask_risks"],
    ["Recovery", "/ask_recovery"]
  ];
  var NURSE = ["Talk to a nurse", "/request_nurse"];

  var CSS = [
    ":host{all:initial}",
    "*{box-sizing:border-box}",
    ".launcher{position:fixed;right:16px;bottom:16px;z-index:2147483000;font:600 16px/1.2 system-ui,-apple-system,'Segoe UI',sans-serif;",
    "background:#0b4f8a;color:#fff;border:2px solid #fff;border-radius:24px;padding:12px 18px;cursor:pointer;box-shadow:0 2px 8px rgba(0,0,0,.35)}",
    ".launcher:focus-visible,button:focus-visible,textarea:focus-visible,a:focus-visible{outline:3px solid #ffbf47;outline-offset:2px}",
    ".panel{position:fixed;right:16px;bottom:16px;z-index:2147483001;width:380px;max-width:calc(100vw - 16px);height:600px;max-height:calc(100vh - 32px);",
    "display:flex;flex-direction:column;background:#fff;color:#1b1f24;border:1px solid #6b7682;border-radius:10px;box-shadow:0 4px 24px rgba(0,0,0,.3);",
    "font:16px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif}",
    ".panel[hidden]{display:none}",
    ".head{display:flex;align-items:center;gap:8px;padding:10px 12px;background:#0b4f8a;color:#fff;border-radius:9px 9px 0 0}",
    ".head h2{flex:1;margin:0;font-size:17px}",
    ".head button{background:transparent;color:#fff;border:2px solid #fff;border-radius:6px;padding:4px 10px;font:inherit;cursor:pointer}",
    ".banner{margin:0;padding:10px 12px;font-weight:700;border-bottom:2px solid}",
    ".banner[hidden]{display:none}",
    ".banner.emergency{background:#8b0000;color:#fff;border-color:#5c0000}",
    ".banner.today{background:#fff4e5;color:#5c2e00;border-color:#9a4d00}",
    ".banner a{color:inherit;text-decoration:underline;font-size:18px}",
    ".log{flex:1;overflow-y:auto;padding:12px}",
    ".items{margin:0;padding:0;list-style:none}",
    ".msg{margin:0 0 10px;max-width:90%;padding:8px 12px;border-radius:12px;white-space:pre-wrap;overflow-wrap:anywhere}",
    ".bot{background:#eef2f6;border-bottom-left-radius:2px}",
    ".user{background:#0b4f8a;color:#fff;margin-left:auto;border-bottom-right-radius:2px}",
    ".msg.alert{background:#fde8e8;border:2px solid #8b0000;color:#3d0000}",
    ".msg.today{background:#fff4e5;border:2px solid #9a4d00;color:#3d1f00}",
    ".msg.nurse{background:#e8f3ea;border:2px solid #2f5d36;color:#14301a}",
    ".msg.system{background:#fff;border:1px dashed #6b7682;color:#1b1f24;max-width:100%}",
    ".who{display:block;font-size:14px;font-weight:700}",
    ".live{margin:0;padding:6px 12px;font-size:14px;font-weight:600;background:#e8f3ea;color:#14301a;border-bottom:1px solid #2f5d36}",
    ".live[hidden]{display:none}",
    ".source{display:block;margin-top:6px;font-size:14px;color:#3f4a55}",
    ".msg.user .source{color:#fff}",
    ".notice{display:block;margin-top:6px;padding-top:6px;border-top:1px solid #c4ccd4;font-size:14px;color:#3f4a55}",
    ".choices{display:flex;flex-wrap:wrap;gap:6px;margin:0 0 12px}",
    ".choices button,.nurse,.retry{font:inherit;font-size:15px;background:#fff;color:#0b4f8a;border:2px solid #0b4f8a;border-radius:16px;padding:5px 12px;cursor:pointer}",
    ".choices button[aria-disabled=true]{opacity:.6;cursor:default}",
    ".typing{padding:0 12px 6px;color:#3f4a55;font-size:14px}",
    ".typing[hidden]{display:none}",
    "form{display:flex;flex-direction:column;gap:4px;padding:10px 12px;border-top:1px solid #c4ccd4}",
    ".row{display:flex;gap:8px;align-items:flex-end}",
    "label{font-size:14px;font-weight:600}",
    "textarea{flex:1;font:inherit;min-height:44px;max-height:120px;resize:vertical;padding:8px;border:2px solid #6b7682;border-radius:8px;color:#1b1f24}",
    ".send{font:inherit;font-weight:600;background:#0b4f8a;color:#fff;border:2px solid #0b4f8a;border-radius:8px;padding:10px 14px;cursor:pointer}",
    ".send:disabled{background:#6b7682;border-color:#6b7682;cursor:default}",
    ".meta{display:flex;justify-content:space-between;gap:8px;font-size:13px;color:#3f4a55}",
    ".meta .over{color:#8b0000;font-weight:700}",
    ".privacy{margin:0;padding:6px 12px;font-size:13px;color:#3f4a55;border-bottom:1px solid #c4ccd4;display:flex;flex-wrap:wrap;gap:6px;align-items:center}",
    ".privacy span{flex:1 1 100%}",
    ".privacy button{font:inherit;font-size:13px;background:#fff;color:#0b4f8a;border:2px solid #0b4f8a;border-radius:12px;padding:2px 10px;cursor:pointer}",
    ".rate{display:flex;flex-wrap:wrap;align-items:center;gap:6px;margin-top:6px;font-size:14px;color:#3f4a55}",
    ".rate button{font:inherit;font-size:14px;background:#fff;color:#0b4f8a;border:2px solid #0b4f8a;border-radius:14px;padding:2px 10px;cursor:pointer}",
    ".rate button[aria-pressed=true]{background:#0b4f8a;color:#fff}",
    ".missing{display:flex;flex-direction:column;gap:4px;width:100%;padding:0;border:0}",
    ".missing textarea{min-height:40px;font-size:14px}",
    ".sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}",
    "@media (max-width:420px){.panel{right:0;bottom:0;width:100vw;max-width:100vw;height:100%;max-height:100%;border-radius:0}.head{border-radius:0}}",
    "@media (prefers-reduced-motion:no-preference){.panel{transition:opacity .12s ease-out}.typing span{animation:blink 1.2s infinite}}",
    "@keyframes blink{50%{opacity:.3}}"
  ].join("");

  // ---------------------------------------------------------------- tiny DOM helpers (text only)
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      if (name === "text") node.textContent = attrs[name];
      else if (name === "className") node.className = attrs[name];
      else node.setAttribute(name, attrs[name]);
    });
    (children || []).forEach(function (child) { if (child) node.appendChild(child); });
    return node;
  }

  function safeHref(href) {
    try {
      var url = new URL(href, window.location.href);
      return ["http:", "https:", "tel:"].indexOf(url.protocol) >= 0 ? url.href : null;
    } catch (e) { return null; }
  }

  function telHref(number) { return safeHref("tel:" + String(number).replace(/[^\d+]/g, "")); }

  // ---------------------------------------------------------------- conversation state
  function load() {
    try {
      var saved = JSON.parse(window.sessionStorage.getItem(STORE) || "null");
      // v2: conversations protected by a secret; an older one starts again.
      if (saved && saved.v === 2 && saved.sender && Array.isArray(saved.items)) return saved;
    } catch (e) { /* storage blocked or corrupt: start again */ }
    return { v: 2, sender: newSender(), secret: "", items: [], open: false, live: null };
  }

  // secret "" on the first message asks the server to protect the conversation and give its
  // secret.
  function newSender() {
    var id = (window.crypto && window.crypto.randomUUID) ? window.crypto.randomUUID()
      : String(Date.now()) + Math.random().toString(16).slice(2);
    return "web-" + id;
  }

  var state = load();
  function save() {
    try {
      state.items = state.items.slice(-200);
      window.sessionStorage.setItem(STORE, JSON.stringify(state));
    } catch (e) { /* the conversation still works, only not across reloads */ }
  }

  // ---------------------------------------------------------------- the widget
  var host = el("div", { "data-clinic-assistant": "" });
  var root = host.attachShadow({ mode: "open" });
  // A constructed style sheet is not an inline style: the widget keeps its looks on pages whose
  // Content-Security-Policy forbids inline styles (the demo page's does).
  if ("adoptedStyleSheets" in root && window.CSSStyleSheet && CSSStyleSheet.prototype.replaceSync) {
    var sheet = new CSSStyleSheet();
    sheet.replaceSync(CSS);
    root.adoptedStyleSheets = [sheet];
  } else {
    root.appendChild(el("style", { text: CSS }));
  }

  var launcher = el("button", { className: "launcher", type: "button", "aria-haspopup": "dialog",
    "aria-expanded": "false", text: "Questions? Chat with us" });
  var title = el("h2", { id: "ca-title", text: config.clinic + " assistant" });
  var closeButton = el("button", { type: "button", "aria-label": "Close the chat", text: "Close" });
  var banner = el("p", { className: "banner", role: "alert", hidden: "" });
  var keptLine = el("span", { text: "This conversation is kept by the clinic without your email, phone number or date of birth." });
  var download = el("button", { type: "button", text: "Download" });
  var forget = el("button", { type: "button", text: "Forget me" });
  var privacy = el("div", { className: "privacy" }, [keptLine, download, forget]);
  var liveLine = el("p", { className: "live", role: "status", hidden: "" });
  var items = el("ol", { className: "items" });
  var log = el("div", { className: "log", role: "log", "aria-live": "polite", "aria-relevant": "additions",
    "aria-label": "Conversation", tabindex: "0" }, [items]);
  var typing = el("div", { className: "typing", hidden: "", "aria-hidden": "true" },
    [el("span", { text: "The assistant is writing…" })]);
  var input = el("textarea", { id: "ca-input", rows: "2", maxlength: String(config.maxLength),
    "aria-describedby": "ca-count" });
  var send = el("button", { className: "send", type: "submit", text: "Send" });
  var count = el("span", { id: "ca-count", "aria-live": "polite", text: "0 of " + config.maxLength + " characters" });
  var nurse = el("button", { className: "nurse", type: "button", text: NURSE[0] });
  var form = el("form", { "aria-label": "Write a message" }, [
    el("label", { "for": "ca-input", text: "Your message" }),
    el("div", { className: "row" }, [input, send]),
    el("div", { className: "meta" }, [count, nurse])
  ]);
  var panel = el("div", { className: "panel", role: "dialog", "aria-modal": "true",
    "aria-labelledby": "ca-title", hidden: "" }, [
    el("div", { className: "head" }, [title, closeButton]), privacy, liveLine, banner, log, typing, form
  ]);
  root.appendChild(launcher);
  root.appendChild(panel);

  var busy = false;

  function renderItem(item) {
    if (item.kind === "choices") {
      var group = el("div", { className: "choices", role: "group", "aria-label": item.label || "Suggested topics" });
      item.choices.forEach(function (choice) {
        var button = el("button", { type: "button", text: choice[0] });
        button.addEventListener("click", function () { ask(choice[0], choice[1]); });
        group.appendChild(button);
      });
      items.appendChild(el("li", {}, [group]));
      return;
    }
    if (item.who === "nurse" || item.who === "system") {
      var line = el("li", { className: "msg " + item.who }, [
        el("span", { className: item.who === "nurse" ? "who" : "sr", text: item.who === "nurse" ? item.author + ", nurse:" : "Chat update: " }),
        el("span", { text: item.text })
      ]);
      items.appendChild(line);
      return;
    }
    var classes = "msg " + (item.who === "user" ? "user" : "bot");
    if (item.level === "emergency") classes += " alert";
    else if (item.level === "contact_team_today") classes += " today";
    var bubble = el("li", { className: classes }, [
      el("span", { className: "sr", text: item.who === "user" ? "You said: " : "Assistant: " }),
      el("span", { text: item.text })
    ]);
    if (item.sources && item.sources.length) {
      bubble.appendChild(el("span", { className: "source", text: "From: " + item.sources.join("; ") }));
    }
    // An answer a clinician has not checked yet says so, under the answer (custom.notice).
    if (item.notice) bubble.appendChild(el("span", { className: "notice", text: item.notice }));
    if (item.answer) bubble.appendChild(feedbackControls(item));
    if (item.retry) {
      var retry = el("button", { className: "retry", type: "button", text: "Try again" });
      retry.addEventListener("click", function () { ask(item.retry.label, item.retry.payload, item.retry.id); });
      bubble.appendChild(el("span", { className: "source" }, [retry]));
    }
    items.appendChild(bubble);
  }

  function add(item) {
    state.items.push(item);
    save();
    renderItem(item);
    log.scrollTop = log.scrollHeight;
  }

  function showBanner(level) {
    banner.textContent = "";
    banner.className = "banner";
    if (level === "emergency") {
      banner.classList.add("emergency");
      banner.appendChild(document.createTextNode("This could be an emergency. Call "));
      banner.appendChild(el("a", { href: telHref(config.emergency), text: config.emergency }));
      banner.appendChild(document.createTextNode(" now."));
    } else if (level === "contact_team_today" && config.phone) {
      // The day line may be closed: the out-of-hours number too, when the clinic gives one.
      banner.classList.add("today");
      banner.appendChild(document.createTextNode("Call your surgical team now: "));
      banner.appendChild(el("a", { href: telHref(config.phone), text: config.phone }));
      if (config.outOfHours) {
        banner.appendChild(document.createTextNode(", or out of hours: "));
        banner.appendChild(el("a", { href: telHref(config.outOfHours), text: config.outOfHours }));
      }
    } else if (level === "contact_team_today") {
      banner.classList.add("today");
      banner.appendChild(document.createTextNode("Call your surgical team now."));
    } else {
      banner.hidden = true;
      return;
    }
    banner.hidden = false;
    state.level = level;
    save();
  }

  function introduce() {
    add({ who: "bot", text: "Hello. I'm the information assistant of " + config.clinic + ". I give general " +
      "information about partial breast reconstruction, not medical advice, and I can pass your " +
      "question to a nurse. If you feel very unwell, have chest pain or trouble breathing, call " +
      config.emergency + " now." });
    add({ kind: "choices", label: "Main topics", choices: TOPICS });
  }

  // Rasa's REST channel answers with a list: each text message is followed by its `custom`
  // object (the reply contract: topic, sources, triage).
  function handleReply(messages, messageId) {
    var highest = null, flagged = false, live = null;
    var order = ["none", "routine_followup", "contact_team_today", "emergency"];
    var pending = null;
    function flush() { if (pending) { add(pending.item); if (pending.choices) add(pending.choices); pending = null; } }
    (messages || []).forEach(function (message) {
      if (typeof message.text === "string") {
        flush();
        pending = { item: { who: "bot", text: message.text } };
        if (Array.isArray(message.buttons) && message.buttons.length) {
          pending.choices = { kind: "choices", label: "Did you mean", choices: message.buttons
            .filter(function (b) { return b && typeof b.title === "string" && typeof b.payload === "string"; })
            .map(function (b) { return [b.title, b.payload]; }) };
        }
      }
      var custom = message.custom;
      if (custom && typeof custom.conversation_secret === "string" && !state.secret) {
        state.secret = custom.conversation_secret;
        save();
      }
      // The server no longer lets this browser into the conversation (its secret was lost
      // with a reply): the next message starts a new one.
      if (custom && custom.error === "conversation-secret") {
        state.sender = newSender();
        state.secret = "";
        save();
      }
      if (custom && typeof custom === "object") {
        if (typeof custom.flag_reference === "string" && custom.flag_reference) flagged = custom.flag_reference;
        if (custom.live_chat && typeof custom.live_chat === "object") live = custom.live_chat;
        var level = custom.triage && custom.triage.level;
        if (order.indexOf(level) > order.indexOf(highest)) highest = level;
        if (pending) {
          pending.item.level = level;
          // A publisher is named with what it is where its name alone could mislead
          // ("Dr.Oracle (AI-generated summary written for doctors)").
          pending.item.sources = (custom.sources || []).map(function (s) {
            var name = String(s.publisher || "");
            return name && s.description ? name + " (" + String(s.description) + ")" : name;
          }).filter(function (s, i, all) { return s && all.indexOf(s) === i; });
          if (typeof custom.notice === "string" && custom.notice) pending.item.notice = custom.notice;
          if (rateable(custom, messageId)) pending.item.answer = { id: custom.answer_id, message: messageId };
        }
      }
    });
    flush();
    if (highest === "emergency" || highest === "contact_team_today") showBanner(highest);
    if (flagged || live) nurseMayJoin(flagged, highest);
    log.scrollTop = log.scrollHeight;  // the banner took room: keep the newest message in view
  }

  function setBusy(on) {
    busy = on;
    send.disabled = on;
    typing.hidden = !on;
    // A disabled Send button loses the focus: give it back to the message box.
    if (!on && !panel.hidden && !root.activeElement) input.focus();
    // aria-disabled, not disabled: a disabled button would drop the keyboard focus to the page.
    Array.prototype.forEach.call(log.querySelectorAll(".choices button"), function (b) {
      if (on) b.setAttribute("aria-disabled", "true"); else b.removeAttribute("aria-disabled");
    });
  }

  // Each message has an id, kept when it is sent again: a message that did reach the assistant
  // (only its reply was lost) is then answered once, with the same reply.
  function newMessageId() {
    if (window.crypto && window.crypto.randomUUID) return window.crypto.randomUUID();
    return Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 12);
  }

  function ask(label, payload, retryId) {
    var text = (payload || label || "").trim();
    if (!text || busy) return;
    if (text.length > config.maxLength) return;
    if (!retryId) add({ who: "user", text: label });
    var messageId = retryId || newMessageId();
    setBusy(true);
    typing.firstChild.textContent = state.live && state.live.on ? "Sending…" : "The assistant is writing…";
    var controller = window.AbortController ? new AbortController() : null;
    var timer = setTimeout(function () { if (controller) controller.abort(); }, config.timeoutMs);
    fetch(config.server + "/webhooks/rest/webhook", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ sender: state.sender, message: text, message_id: messageId,
        secret: state.secret || "" }),
      signal: controller ? controller.signal : undefined
    }).then(function (response) {
      // Too long, too fast, unreadable: the server explains in a normal reply.
      if (!response.ok && [400, 403, 408, 413, 415, 429].indexOf(response.status) < 0) throw new Error("HTTP " + response.status);
      return response.json();
    }).then(function (messages) {
      if (!Array.isArray(messages) || !messages.length) throw new Error("empty reply");
      handleReply(messages, messageId);
    }).catch(function () {
      add({ who: "bot", text: "Sorry, I can't reach the assistant right now. " +
        (config.phone ? "Please call " + config.clinic + " on " + config.phone + ". " : "Please call the clinic. ") +
        "In an emergency call " + config.emergency + ".", retry: { label: label, payload: text, id: messageId } });
    }).then(function () {
      clearTimeout(timer);
      setBusy(false);
    });
  }

  // ---------------------------------------------------------------- a nurse in the chat
  var source = null, pollTimer = null, polls = 0;

  function liveState() {
    if (!state.live) state.live = { after: 0, on: false, nurse: "", listening: false, told: "" };
    return state.live;
  }

  function showLive() {
    var live = state.live;
    liveLine.hidden = !(live && live.on);
    if (live && live.on) liveLine.textContent = "You are chatting with " + live.nurse + ", a nurse.";
  }

  function livePath(path) {
    return webBase + path + "?sender=" + encodeURIComponent(state.sender) + "&secret=" +
      encodeURIComponent(state.secret || "") + "&after=" + liveState().after;
  }

  // A line of the chat, shown once: ids only grow, and the last one shown is kept.
  function onLine(line) {
    var live = liveState();
    if (!line || typeof line.id !== "number" || line.id <= live.after) return;
    live.after = line.id;
    if (line.kind === "nurse") {
      add({ who: "nurse", author: String(line.author), text: String(line.text) });
    } else {
      if (line.kind === "joined") { live.on = true; live.nurse = String(line.author); }
      if (line.kind === "handed_back" || line.kind === "closed") { live.on = false; live.listening = false; stopListening(); }
      add({ who: "system", text: String(line.text) });
    }
    save();
    showLive();
  }

  function stopListening() {
    if (source) { source.close(); source = null; }
    clearTimeout(pollTimer);
  }

  function poll() {
    clearTimeout(pollTimer);
    fetch(livePath("/patient/live/lines")).then(function (response) { return response.ok ? response.json() : []; })
      .then(function (lines) { lines.forEach(onLine); }).catch(function () { /* next time */ })
      .then(function () {
        if (!state.live || !state.live.listening) return;
        polls += 1;
        // Now and then try the stream again: the connection may be back.
        if (polls % 10 === 0 && window.EventSource) listen(); else pollTimer = setTimeout(poll, 1500);
      });
  }

  function listen() {
    var live = liveState();
    live.listening = true;
    save();
    stopListening();
    if (!window.EventSource) { poll(); return; }
    source = new EventSource(livePath("/patient/live/stream"));
    source.addEventListener("line", function (event) {
      try { onLine(JSON.parse(event.data)); } catch (e) { /* a broken line is skipped */ }
    });
    source.onerror = function () {
      // The browser reconnects by itself, sending the last id it got; if it gave up, poll.
      if (source && source.readyState === EventSource.CLOSED) { source = null; poll(); }
    };
  }

  // After a reply that flagged the conversation: can a nurse come now, or only call back?
  function nurseMayJoin(reference, level) {
    if (!state.secret) return;
    fetch(webBase + "/patient/live/status", {
      method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ sender: state.sender, secret: state.secret })
    }).then(function (response) { return response.ok ? response.json() : null; })
      .then(function (status) {
        if (!status) return;
        var live = liveState();
        if (status.active || status.in_hours) { if (!live.listening || !source) listen(); }
        if (status.active || !reference || live.told === reference) return;
        live.told = reference;
        save();
        if (!status.in_hours) {
          add({ who: "system", text: "Nurses are not in now: they are available " + status.team_hours +
            ". Rather than wait, reply with your phone number and the team will call you back, or call " +
            status.team_phone + "." });
        } else if (level !== "emergency" && level !== "contact_team_today") {
          add({ who: "system", text: "A nurse can join this chat while the team is in (" + status.team_hours +
            "). You will see it here when one does; you can keep asking me questions meanwhile." });
        }
      }).catch(function () { /* the call-back offer in the reply still stands */ });
  }

  // ---------------------------------------------------------------- feedback on answers
  // Thumbs up / down under each answer, and after a thumbs down an optional "what was
  // missing?". Safety messages (what to do about a symptom) are not rated.
  function rateable(custom, messageId) {
    return Boolean(messageId && typeof custom.answer_id === "string" && custom.answer_id &&
      custom.topic !== "red_flag");
  }

  function sendFeedback(item, rating, comment) {
    return fetch(webBase + "/patient/feedback", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ sender: state.sender, secret: state.secret || "", message_id: item.answer.message,
        answer_id: item.answer.id, rating: rating, comment: comment || "" })
    }).then(function (response) {
      if (!response.ok) throw new Error("HTTP " + response.status);
    });
  }

  function feedbackControls(item) {
    var box = el("span", { className: "rate", role: "group", "aria-label": "Was this answer helpful?" });
    var status = el("span", { "aria-live": "polite" });
    function render() {
      box.textContent = "";
      box.appendChild(el("span", { text: "Helpful?" }));
      [["up", "Yes", "Yes, this answer helped"], ["down", "No", "No, this answer did not help"]].forEach(function (choice) {
        var button = el("button", { type: "button", text: choice[1], "aria-label": choice[2],
          "aria-pressed": item.rated === choice[0] ? "true" : "false" });
        button.addEventListener("click", function () { rate(choice[0]); });
        box.appendChild(button);
      });
      if (item.rated === "down" && !item.commented) box.appendChild(missingForm());
      box.appendChild(status);
    }
    function rate(rating) {
      sendFeedback(item, rating, "").then(function () {
        item.rated = rating;
        save();
        render();
        status.textContent = rating === "up" ? "Thank you." : "Thank you. What was missing? (optional)";
        var missing = box.querySelector("textarea");
        if (missing) missing.focus();
      }).catch(function () { status.textContent = "Sorry, that could not be sent."; });
    }
    function missingForm() {
      var id = "ca-missing-" + item.answer.message + "-" + item.answer.id;
      var text = el("textarea", { id: id, rows: "2", maxlength: "500" });
      var send = el("button", { type: "button", text: "Send feedback" });
      send.addEventListener("click", function () {
        var comment = text.value.trim();
        if (!comment) return;
        sendFeedback(item, "down", comment).then(function () {
          item.commented = true;
          save();
          render();
          status.textContent = "Thank you: the clinic's team will read it.";
        }).catch(function () { status.textContent = "Sorry, that could not be sent."; });
      });
      return el("span", { className: "missing" }, [
        el("label", { "for": id, text: "What was missing? (optional)" }), text, send]);
    }
    render();
    return box;
  }

  // ---------------------------------------------------------------- opening, closing, focus
  function focusable() {
    return Array.prototype.filter.call(
      panel.querySelectorAll("button, [href], textarea, [tabindex]:not([tabindex='-1'])"),
      function (node) { return !node.disabled && !node.closest("[hidden]"); });
  }

  function open() {
    panel.hidden = false;
    launcher.hidden = true;
    launcher.setAttribute("aria-expanded", "true");
    state.open = true;
    save();
    if (!state.items.length) introduce();
    if (state.level) showBanner(state.level);
    showLive();
    input.focus();
    log.scrollTop = log.scrollHeight;
  }

  function close() {
    panel.hidden = true;
    launcher.hidden = false;
    launcher.setAttribute("aria-expanded", "false");
    state.open = false;
    save();
    launcher.focus();
  }

  panel.addEventListener("keydown", function (event) {
    if (event.key === "Escape") { event.preventDefault(); close(); return; }
    if (event.key !== "Tab") return;
    var nodes = focusable();
    if (!nodes.length) return;
    var first = nodes[0], last = nodes[nodes.length - 1];
    var active = root.activeElement;
    if (event.shiftKey && active === first) { event.preventDefault(); last.focus(); }
    else if (!event.shiftKey && active === last) { event.preventDefault(); first.focus(); }
  });

  // Esc closes the chat wherever the focus is, as long as the chat is open.
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && !panel.hidden && !event.defaultPrevented) { event.preventDefault(); close(); }
  });
  // ---------------------------------------------------------------- the patient's data
  function mine(path) {
    return fetch(webBase + path, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ sender: state.sender, secret: state.secret || "" })
    }).then(function (response) {
      if (!response.ok) throw new Error("HTTP " + response.status);
      return response;
    });
  }

  function nothingYet() {
    if (state.secret) return false;
    add({ who: "bot", text: "There is nothing stored yet: this conversation has no messages." });
    return true;
  }

  download.addEventListener("click", function () {
    if (nothingYet()) return;
    mine("/patient/conversation/download").then(function (response) { return response.blob(); })
      .then(function (blob) {
        var link = el("a", { href: URL.createObjectURL(blob), download: "conversation.txt" });
        root.appendChild(link);
        link.click();
        link.remove();
      }).catch(function () {
        add({ who: "bot", text: "Sorry, the conversation could not be downloaded. Please try again later." });
      });
  });

  forget.addEventListener("click", function () {
    if (nothingYet()) return;
    if (!window.confirm("Delete this conversation? It cannot be undone. If a nurse is already " +
      "looking into something you told us, they keep only what they need to help you safely.")) return;
    mine("/patient/conversation/forget").then(function () {
      try { window.sessionStorage.removeItem(STORE); } catch (e) { /* nothing kept */ }
      items.textContent = "";
      banner.hidden = true;
      stopListening();
      state = load();
      showLive();
      add({ who: "bot", text: "Your conversation has been deleted. You can start a new one below." });
    }).catch(function () {
      add({ who: "bot", text: "Sorry, the conversation could not be deleted. Please try again later." });
    });
  });

  // What is kept and for how long: the clinic's retention setting, from the web app.
  function showRetention() {
    fetch(webBase + "/patient/privacy").then(function (response) { return response.json(); })
      .then(function (policy) {
        if (policy && typeof policy.notice === "string") keptLine.textContent = policy.notice;
      }).catch(function () { /* the default line stays */ });
  }

  launcher.addEventListener("click", open);
  closeButton.addEventListener("click", close);
  nurse.addEventListener("click", function () { ask(NURSE[0], NURSE[1]); });

  function updateCount() {
    var length = input.value.length;
    count.textContent = length + " of " + config.maxLength + " characters";
    count.className = length >= config.maxLength ? "over" : "";
  }
  input.addEventListener("input", updateCount);
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); form.requestSubmit ? form.requestSubmit() : submit(); }
  });
  function submit() {
    var text = input.value.trim();
    if (!text || busy) return;
    input.value = "";
    updateCount();
    ask(text, text);
  }
  form.addEventListener("submit", function (event) { event.preventDefault(); submit(); });

  // ---------------------------------------------------------------- start
  function start() {
    document.body.appendChild(host);
    showRetention();
    state.items.forEach(renderItem);
    if (state.open) open();
    if (state.live && state.live.listening) listen();
  }
  if (document.body) start();
  else document.addEventListener("DOMContentLoaded", start);
})();
