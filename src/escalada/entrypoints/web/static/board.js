// The board's SLA countdowns tick here, every second, from each case's window (opened →
// due) and the server's `now` (data-now on #board-rows): the browser's own clock only
// measures the seconds since the rows came, so a wrong clock on the desk shows no wrong
// countdown. Each poll brings new rows and a new `now`.
(function () {
  "use strict";
  let offset = 0; // server now − browser now, in ms, as of the latest rows

  function sync() {
    const rows = document.getElementById("board-rows");
    if (rows && rows.dataset.now) offset = Date.parse(rows.dataset.now) - Date.now();
  }

  function span(ms, units) {
    let minutes = Math.floor(Math.abs(ms) / 60000);
    const days = Math.floor(minutes / 1440); minutes -= days * 1440;
    const hours = Math.floor(minutes / 60); minutes -= hours * 60;
    const parts = [];
    if (days) parts.push(days + " " + units.day);
    if (hours || days) parts.push(hours + " " + units.hour);
    if (!days) parts.push(minutes + " " + units.minute);
    return parts.join(" ");
  }

  function tick() {
    const rows = document.getElementById("board-rows");
    if (!rows) return;
    const d = rows.dataset;
    const units = { day: d.unitDay, hour: d.unitHour, minute: d.unitMinute };
    const amber = parseFloat(d.amber), red = parseFloat(d.red);
    const now = Date.now() + offset;
    for (const el of rows.querySelectorAll(".countdown[data-due]")) {
      const start = Date.parse(el.dataset.start), due = Date.parse(el.dataset.due);
      const share = due > start ? (now - start) / (due - start) : (now >= due ? 1 : 0);
      const state = share >= 1 ? "breached" : share >= red ? "red" : share >= amber ? "amber" : "ok";
      el.textContent = state === "breached"
        ? d.breached + " · " + d.ago.replace("{time}", span(now - due, units))
        : span(due - now, units);
      el.title = Math.round(share * 100) + "%";
      for (const node of [el, el.closest("tr")]) {
        if (!node) continue;
        node.classList.remove("sla-ok", "sla-amber", "sla-red", "sla-breached");
        node.classList.add("sla-" + state);
      }
    }
  }

  document.addEventListener("DOMContentLoaded", () => { sync(); tick(); });
  document.addEventListener("htmx:afterSettle", () => { sync(); tick(); });
  setInterval(tick, 1000);
})();
