// Staff console behaviour: the live preview of an answer being edited, and the insight charts.
// Everything works without it; this only makes editing and reading quicker.
(function () {
  "use strict";

  function livePreview() {
    var form = document.getElementById("answer-form");
    if (!form) return;
    var text = form.querySelector("#text");
    var timer = null;
    text.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var body = new FormData();
        body.append("text", text.value);
        body.append("csrf_token", form.querySelector("[name=csrf_token]").value);
        fetch(form.dataset.preview, { method: "POST", body: body, credentials: "same-origin" })
          .then(function (response) { return response.ok ? response.json() : null; })
          .then(function (shown) {
            if (!shown) return;
            document.getElementById("preview-text").textContent = shown.text;
            document.getElementById("preview-grade").textContent = shown.grade;
            document.getElementById("preview-words").textContent = shown.words;
          });
      }, 400);
    });
  }

  function charts() {
    var holder = document.getElementById("chart-data");
    if (!holder || typeof Chart === "undefined") return;
    var data = JSON.parse(holder.textContent);
    var reduced = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    Chart.defaults.animation = reduced ? false : Chart.defaults.animation;
    new Chart(document.getElementById("per-day"), {
      type: "bar",
      data: { labels: data.days.map(function (d) { return d[0]; }),
              datasets: [{ label: "Conversations", data: data.days.map(function (d) { return d[1]; }), backgroundColor: "#0b5cad" }] },
      options: { plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } }
    });
    new Chart(document.getElementById("topics"), {
      type: "bar",
      data: { labels: data.topics.map(function (t) { return t[0].replace(/_/g, " "); }),
              datasets: [{ label: "Replies", data: data.topics.map(function (t) { return t[1]; }), backgroundColor: "#3d5a3d" }] },
      options: { indexAxis: "y", plugins: { legend: { display: false } }, scales: { x: { beginAtZero: true, ticks: { precision: 0 } } } }
    });
  }

  document.addEventListener("DOMContentLoaded", function () { livePreview(); charts(); });
})();
