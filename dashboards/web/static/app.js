// brandradar dashboard. Crawled text is only ever set through textContent: never as markup.
"use strict";
const COLORS = ["#e07a1f", "#3b6fd1", "#2a9d8f", "#8e5ccf", "#c94f7c", "#6b7785"];
const SVGNS = "http://www.w3.org/2000/svg";

function el(tag, attrs = {}, text) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}
function svg(tag, attrs = {}, text) {
  const e = document.createElementNS(SVGNS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}
const pct = (x) => (100 * x).toFixed(1) + " %";
function row(tbody, cells) {
  const tr = el("tr");
  for (const c of cells) {
    const td = typeof c === "object" && c !== null && c.node ? c.node : el("td", c && c.cls ? {class: c.cls} : {}, c && c.text !== undefined ? c.text : c);
    tr.append(td);
  }
  tbody.append(tr);
  return tr;
}

function lineChart(target, days, series, markers) {
  const W = 1100, H = 220, L = 40, B = 24;
  const box = svg("svg", {viewBox: `0 0 ${W} ${H}`, width: "100%", role: "img"});
  const max = Math.max(1e-9, ...series.flatMap((s) => s.values));
  const x = (i) => L + (i * (W - L - 10)) / Math.max(1, days.length - 1);
  const y = (v) => H - B - (v / max) * (H - B - 10);
  for (let t = 0; t <= 4; t++) {
    const v = (max * t) / 4;
    box.append(svg("line", {x1: L, x2: W - 10, y1: y(v), y2: y(v), stroke: "#e6e9ee"}));
    box.append(svg("text", {x: 2, y: y(v) + 4}, max <= 1 ? pct(v) : Math.round(v)));
  }
  days.forEach((d, i) => { if (i % 7 === 0) box.append(svg("text", {x: x(i) - 14, y: H - 6}, d.slice(5))); });
  series.forEach((s) => {
    const pts = s.values.map((v, i) => `${x(i)},${y(v)}`).join(" ");
    box.append(svg("polyline", {points: pts, fill: "none", stroke: s.color, "stroke-width": 2}));
  });
  for (const m of markers || []) {
    const i = days.indexOf(m.day);
    if (i < 0) continue;
    const mk = svg("circle", {cx: x(i), cy: 14, r: 6, fill: "#b3261e", class: "alert-marker"});
    mk.append(svg("title", {}, m.label));
    box.append(mk);
    box.append(svg("line", {x1: x(i), x2: x(i), y1: 20, y2: H - B, stroke: "#b3261e", "stroke-dasharray": "3 3"}));
  }
  target.replaceChildren(box);
}

function render(data) {
  document.getElementById("counts").textContent =
    `${data.counts.documents} documents · ${data.counts.mentions} mentions`;
  const brands = data.brands.map((b) => b.name);
  const color = Object.fromEntries(brands.map((b, i) => [b, COLORS[i % COLORS.length]]));
  const days = [...new Set(data.daily.map((r) => r.day))].sort();
  const per = {};
  for (const r of data.daily) (per[r.day] ||= {})[r.brand] = r.mentions;
  const totals = days.map((d) => brands.reduce((a, b) => a + ((per[d] || {})[b] || 0), 0));
  lineChart(document.getElementById("sov-time"), days,
    brands.map((b) => ({color: color[b], values: days.map((d, i) => totals[i] ? ((per[d] || {})[b] || 0) / totals[i] : 0)})));
  const legend = document.getElementById("legend");
  legend.replaceChildren(...brands.map((b) => { const s = el("span"); const i = el("i"); i.style.background = color[b]; s.append(i, document.createTextNode(b)); return s; }));
  const markers = data.alerts.map((a) => ({day: a.start.slice(0, 10), label: `${a.kind} ${a.brand} (severity ${a.severity})`}));
  lineChart(document.getElementById("volume"), days,
    brands.map((b) => ({color: color[b], values: days.map((d) => (per[d] || {})[b] || 0)})), markers);

  const sov = document.querySelector("#sov tbody");
  sov.replaceChildren();
  data.sov.forEach((r, i) => {
    const tr = row(sov, [r.brand, {text: String(r.mentions), cls: "num"}, {text: r.too_few ? "too few" : pct(r.share), cls: "num"},
      {text: `${pct(r.ci_low)} – ${pct(r.ci_high)}`, cls: "num"}, {text: pct(data.sov_story[i].share), cls: "num"}]);
    tr.dataset.brand = r.brand; tr.dataset.share = String(r.share);
  });
  const sent = document.querySelector("#sentiment tbody");
  sent.replaceChildren();
  for (const r of data.sentiment) {
    const tr = row(sent, [r.brand, {text: String(r.positive), cls: "num positive"}, {text: String(r.negative), cls: "num negative"},
      {text: String(r.neutral), cls: "num"}, {text: String(r.unscored), cls: "num unscored"}, {text: (r.net >= 0 ? "+" : "") + r.net.toFixed(2), cls: "num"}]);
    tr.dataset.brand = r.brand;
  }
  const alerts = document.getElementById("alerts");
  alerts.replaceChildren();
  if (!data.alerts.length) alerts.append(el("p", {class: "muted"}, "No alerts."));
  for (const a of data.alerts) {
    const box = el("div", {class: `alert ${a.kind}`});
    box.dataset.brand = a.brand;
    box.append(el("h3", {}, `${a.kind.toUpperCase()} · ${a.brand} · severity ${a.severity} · ${a.start.slice(0, 16).replace("T", " ")}`));
    box.append(el("p", {}, a.explanation.summary + (a.complete ? "" : ` Incomplete data: ${a.incomplete_sources.join(", ")}.`)));
    box.append(el("p", {class: "muted"}, "Top phrases: " + a.explanation.top_phrases.join(", ")));
    alerts.append(box);
  }
  const trends = document.querySelector("#trends tbody");
  trends.replaceChildren();
  for (const t of data.trends.filter((t) => t.state !== "declining").slice(0, 15))
    row(trends, [t.phrase, `${t.window_hours} h`, {text: t.state, cls: t.state}, {text: String(t.documents), cls: "num"},
      {text: String(t.baseline_documents), cls: "num"}, {text: String(t.domains), cls: "num"}]);
  const sel = document.getElementById("brand");
  for (const b of brands) sel.append(el("option", {value: b}, b));
}

function highlighted(text, q) {
  const td = el("td");
  const words = (q || "").toLowerCase().split(/\s+/).filter(Boolean);
  if (!words.length) { td.textContent = text; return td; }
  const re = new RegExp("(" + words.map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|") + ")", "gi");
  for (const part of text.split(re)) td.append(words.includes(part.toLowerCase()) ? el("mark", {}, part) : document.createTextNode(part));
  return td;
}

async function search() {
  const q = document.getElementById("q").value;
  const brand = document.getElementById("brand").value;
  const params = new URLSearchParams({q, brand, limit: "50"});
  history.replaceState(null, "", "?" + params.toString());
  const res = await fetch("/api/mentions?" + params.toString());
  const rows = await res.json();
  const tb = document.querySelector("#mentions tbody");
  tb.replaceChildren();
  for (const m of rows) {
    const link = el("td");
    const a = el("a", {href: /^https?:\/\//.test(m.url) ? m.url : "#", rel: "noopener noreferrer", target: "_blank"}, m.source);
    link.append(a);
    row(tb, [(m.published || "").slice(0, 16).replace("T", " "), m.brand, {text: m.sentiment, cls: m.sentiment}, {node: highlighted(m.span_text, q)}, {node: link}]);
  }
}

function renderHealth(rows) {
  const tb = document.querySelector("#health tbody");
  tb.replaceChildren();
  for (const r of rows) {
    const failed = Object.values(r.failed).reduce((a, b) => a + b, 0);
    const tr = row(tb, [r.source, {text: String(r.discovered), cls: "num"}, {text: String(r.fetched), cls: "num"},
      {text: String(r.not_modified), cls: "num"}, {text: String(failed), cls: "num"}, {text: String(r.documents), cls: "num"},
      {text: String(r.new_documents), cls: "num"}, {text: String(r.empty_extractions), cls: "num"},
      (r.newest_document || "-").slice(0, 16).replace("T", " "),
      {text: r.flags.length ? r.flags.join(", ") : "ok", cls: r.flags.length ? "negative" : "positive"}]);
    tr.dataset.source = r.source;
  }
}

async function main() {
  const res = await fetch("/api/overview");
  render(await res.json());
  renderHealth(await (await fetch("/api/health")).json());
  const params = new URLSearchParams(location.search);
  document.getElementById("q").value = params.get("q") || "";
  document.getElementById("brand").value = params.get("brand") || "";
  document.getElementById("search").addEventListener("submit", (e) => { e.preventDefault(); search(); });
  await search();
  document.body.dataset.ready = "true";
}
main();
