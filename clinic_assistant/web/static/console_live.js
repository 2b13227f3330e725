// Live chats in the staff console: the waiting list refreshes itself and announces a new
// patient (on screen, to screen readers, and with a short tone); in a chat, the patient's lines
// arrive as they are written (Server-Sent Events; polling if the browser has none) and the
// nurse's message is sent without leaving the page. Without this script every page still works
// (forms and reloads).
(function () {
  "use strict";

  var LEVEL_NAMES = { emergency: "emergency", contact_team_today: "same day", routine_followup: "routine" };

  function tone() {
    try {
      var Context = window.AudioContext || window.webkitAudioContext;
      if (!Context) return;
      var audio = new Context();
      var beep = audio.createOscillator();
      var gain = audio.createGain();
      beep.frequency.value = 880;
      gain.gain.value = 0.15;
      beep.connect(gain);
      gain.connect(audio.destination);
      beep.start();
      beep.stop(audio.currentTime + 0.25);
    } catch (e) { /* no sound: the notice on screen is still there */ }
  }

  function waitingList() {
    var holder = document.getElementById("waiting");
    var notice = document.getElementById("live-notice");
    if (!holder || !notice) return;
    var known = {};
    Array.prototype.forEach.call(holder.querySelectorAll("tr[data-flag]"), function (row) {
      known[row.getAttribute("data-flag")] = true;
    });
    function check() {
      fetch(holder.getAttribute("data-waiting-url"), { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (data) {
          if (!data) return;
          var fresh = data.waiting.filter(function (row) { return !known[String(row.flag_id)]; });
          data.waiting.forEach(function (row) { known[String(row.flag_id)] = true; });
          if (!fresh.length) return;
          var first = fresh[0];
          notice.textContent = "New: a patient is waiting (" + (LEVEL_NAMES[first.level] || first.level) +
            ", " + first.reason + "). Reload the list to join.";
          notice.hidden = false;
          tone();
          // The list itself: reloaded in place, so the new row can be joined.
          fetch(window.location.href, { credentials: "same-origin" })
            .then(function (response) { return response.text(); })
            .then(function (html) {
              var page = new DOMParser().parseFromString(html, "text/html");
              var list = page.getElementById("waiting");
              if (list) holder.innerHTML = list.innerHTML;
              notice.textContent = notice.textContent.replace(" Reload the list to join.", "");
            });
        })
        .catch(function () { /* the next check tries again */ });
    }
    setInterval(check, 3000);
  }

  function chat() {
    var list = document.getElementById("chat-lines");
    if (!list) return;
    var after = parseInt(list.getAttribute("data-after"), 10) || 0;
    // Lines up to data-after are on the page already; each later line is shown once, whether
    // the stream, a poll or the answer to the nurse's own message brings it first.
    var shown = {};

    function show(line) {
      if (line.id <= parseInt(list.getAttribute("data-after"), 10) || shown[line.id]) return;
      shown[line.id] = true;
      after = Math.max(after, line.id);
      var who = line.kind === "patient" ? "Patient" : line.kind === "assistant" ? "Assistant" : "Nurse " + line.author;
      var item = document.createElement("li");
      item.className = "turn " + (line.kind === "patient" ? "patient" : line.kind === "assistant" ? "assistant" : "nurse");
      var meta = document.createElement("div");
      meta.className = "meta";
      var strong = document.createElement("strong");
      strong.textContent = who;
      meta.appendChild(strong);
      var time = document.createElement("time");
      time.setAttribute("datetime", line.at);
      time.textContent = new Date(line.at).toISOString().slice(0, 16).replace("T", " ") + " UTC";
      meta.appendChild(document.createTextNode(" "));
      meta.appendChild(time);
      var text = document.createElement("p");
      text.className = "text";
      text.textContent = line.text;
      item.appendChild(meta);
      item.appendChild(text);
      list.appendChild(item);
      item.scrollIntoView({ block: "nearest" });
    }

    function poll() {
      fetch(list.getAttribute("data-lines") + "?after=" + after, { credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.json() : []; })
        .then(function (lines) { lines.forEach(show); })
        .catch(function () { /* tried again shortly */ })
        .then(function () { setTimeout(poll, 1500); });
    }

    if (window.EventSource) {
      var source = new EventSource(list.getAttribute("data-stream") + "?after=" + after);
      source.addEventListener("line", function (event) { show(JSON.parse(event.data)); });
      source.onerror = function () {
        // The browser reconnects by itself (with Last-Event-ID); if it gave up, poll instead.
        if (source.readyState === EventSource.CLOSED) poll();
      };
    } else {
      poll();
    }

    var form = document.getElementById("nurse-form");
    if (!form) return;
    var box = document.getElementById("nurse-text");
    var status = document.getElementById("nurse-status");
    box.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); form.requestSubmit(); }
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var text = box.value;
      if (!text.trim()) return;
      var body = new FormData(form);
      // The box is cleared at once, so the nurse can write the next message while this one goes;
      // if it is not sent, its text comes back into the box (unless she wrote something since).
      box.value = "";
      status.textContent = "Sending…";
      function notSent(why) {
        status.textContent = why;
        if (!box.value) box.value = text;
      }
      fetch(form.action, { method: "POST", body: body, credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { return response.json().then(function (data) { return [response.ok, data]; }); })
        .then(function (result) {
          if (!result[0]) { notSent(result[1].error || "Not sent."); return; }
          // The line itself comes back through the stream, in its place among the patient's.
          status.textContent = "Sent.";
        })
        .catch(function () { notSent("Not sent: the connection failed. Try again."); });
    });
  }

  document.addEventListener("DOMContentLoaded", function () { waitingList(); chat(); });
})();
