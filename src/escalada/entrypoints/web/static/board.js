// The board's SLA countdowns tick here, every second: the time left runs to each case's
// due time from the server's `now` (data-now on #board-rows), and the colour from the
// share of its window the server found consumed (data-share, counted on the calendar the
// clock runs on) growing at the rate it grows now (data-per-second: 0 at night or on a
// weekend for a business-hours clock). The browser's own clock only measures the seconds
// since the rows came, so a wrong clock on the desk shows no wrong countdown. Each poll
// brings new rows, a new `now` and new shares.
(function () {
  "use strict";
  let offset = 0; // server now − browser now, in ms, as of the latest rows
  let served = 0; // the server's now of the latest rows, in ms

  function sync() {
    const rows = document.getElementById("board-rows");
    if (rows && rows.dataset.now) {
      served = Date.parse(rows.dataset.now);
      offset = served - Date.now();
    }
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
      const due = Date.parse(el.dataset.due);
      const grown = parseFloat(el.dataset.share) +
        parseFloat(el.dataset.perSecond) * Math.max(0, now - served) / 1000;
      const share = now >= due ? Math.max(grown, 1) : Math.min(grown, 0.999999);
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
