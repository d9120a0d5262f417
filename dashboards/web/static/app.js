// brandradar dashboard: one page per view; the view state (page, period, brands, filters) lives in
// the URL so a view can be shared as a link. The access token never does: it is moved to this
// tab's session storage on arrival. Crawled text is only ever set through textContent.
"use strict";
const COLORS = ["#e07a1f", "#3b6fd1", "#2a9d8f", "#8e5ccf", "#c94f7c", "#6b7785"];
// More brands than this: the brand choice is folded away.
const MANY_BRANDS = 8;
const SVGNS = "http://www.w3.org/2000/svg";
const PAGES = {overview: "Overview", brand: "Brand vs competitors", topics: "Trending topics",
  alerts: "Alerts", mentions: "Mentions", authors: "Authors", sources: "Sources health"};
// The view state every page applies; page-specific keys (q, brand, sort, offset) come on top.
const VIEW_KEYS = ["period", "from", "to", "compare_from", "compare_to", "brands", "language", "kind", "source", "sentiment"];
const FILTERS = {language: "Language", kind: "Source kind", source: "Source", sentiment: "Sentiment"};
const PERIODS = {all: "All data", today: "Today", "7d": "Last 7 days", "30d": "Last 30 days",
  "90d": "Last 90 days", custom: "Custom"};
const TOO_FEW = 30;          // shares and net sentiment below this many are "too few"
const DAY_MIN_SCORED = 5;     // a day's net sentiment is drawn only from this many scored mentions
const TOKEN_KEY = "brandradar-token";

(function keepTokenOutOfTheUrl() {
  const p = new URLSearchParams(location.search);
  if (!p.has("token")) return;
  sessionStorage.setItem(TOKEN_KEY, p.get("token"));
  p.delete("token");
  history.replaceState(null, "", "?" + p.toString());
})();
const state = new URLSearchParams(location.search);
const page = PAGES[state.get("page")] ? state.get("page") : "overview";
const color = {};
let META = null;
let TZ = "UTC";
let clock = null;

function el(tag, attrs = {}, text) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined && text !== null) e.textContent = String(text);
  return e;
}
function svg(tag, attrs = {}, text) {
  const e = document.createElementNS(SVGNS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = String(text);
  return e;
}
const pct = (x) => (x === null || x === undefined) ? "–" : (100 * x).toFixed(1) + " %";
const signed = (x) => (x === null || x === undefined) ? "–" : (x >= 0 ? "+" : "") + x.toFixed(2);
const thousands = (n) => Number(n).toLocaleString("en-US");
function when(s) {
  if (!s) return "–";
  return clock.format(new Date(s)) + " " + TZ;
}
function dayIn(date) {  // YYYY-MM-DD of a Date in the display zone
  return new Intl.DateTimeFormat("en-CA", {timeZone: TZ, year: "numeric", month: "2-digit", day: "2-digit"}).format(date);
}
function addDays(day, n) {
  const d = new Date(day + "T00:00:00Z");
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

// The period the view shows as inclusive days {from, to} (either may be empty: open end).
function period() {
  const p = state.get("period") || (state.get("from") || state.get("to") ? "custom" : "all");
  const today = dayIn(new Date());
  if (p === "today") return {key: p, from: today, to: today};
  const n = {"7d": 7, "30d": 30, "90d": 90}[p];
  if (n) return {key: p, from: addDays(today, 1 - n), to: today};
  if (p === "custom") return {key: p, from: state.get("from") || "", to: state.get("to") || ""};
  return {key: "all", from: "", to: ""};
}
function viewParams() {
  const p = new URLSearchParams();
  const {from, to} = period();
  if (from) p.set("from", from);
  if (to) p.set("to", to);
  for (const k of ["brands", "compare_from", "compare_to", ...Object.keys(FILTERS)]) if (state.get(k)) p.set(k, state.get(k));
  return p;
}
// A link to a page of the dashboard with this view and the given page keys.
function link(params) {
  const p = new URLSearchParams();
  for (const k of VIEW_KEYS) if (state.get(k)) p.set(k, state.get(k));
  for (const [k, v] of Object.entries(params)) if (v) p.set(k, v); else p.delete(k);
  return "?" + p.toString();
}
function authHeaders() {
  const token = sessionStorage.getItem(TOKEN_KEY);
  return token ? {Authorization: "Bearer " + token} : {};
}
async function api(name, extra = {}) {
  const p = viewParams();
  for (const [k, v] of Object.entries(extra)) if (v !== undefined && v !== null && v !== "") p.set(k, v);
  const res = await fetch(`/api/${name}?${p}`, {headers: authHeaders()});
  const body = await res.json();
  if (!res.ok) throw new Error(body.error || res.statusText);
  return body;
}
async function post(name, body) {
  const res = await fetch(`/api/${name}`, {method: "POST", body: JSON.stringify(body),
    headers: {...authHeaders(), "Content-Type": "application/json"}});
  const data = await res.json();
  if (!res.ok) throw new Error(data.error || res.statusText);
  return data;
}
function card(title, note, wide = true) {
  const c = el("section", {class: "card" + (wide ? " wide" : "")});
  c.append(el("h2", {}, title));
  if (note) c.append(el("p", {class: "muted"}, note));
  document.getElementById("page").append(c);
  return c;
}
function table(parent, id, headers) {
  const scroller = el("div", {class: "scroll"});
  const t = el("table", id ? {id} : {});
  const tr = el("tr");
  for (const h of headers) tr.append(el("th", {}, h));
  const thead = el("thead"); thead.append(tr);
  const tbody = el("tbody");
  t.append(thead, tbody);
  scroller.append(t);
  parent.append(scroller);
  return tbody;
}
function row(tbody, cells) {
  const tr = el("tr");
  for (const c of cells) {
    if (c instanceof Node) { const td = c.tagName === "TD" ? c : el("td"); if (td !== c) td.append(c); tr.append(td); continue; }
    const obj = typeof c === "object" && c !== null;
    const td = el("td", obj && c.cls ? {class: c.cls} : {}, obj ? c.text : c);
    if (obj && c.title) td.title = c.title;
    if (obj && c.href) { td.textContent = ""; td.append(el("a", {href: c.href}, c.text)); }
    tr.append(td);
  }
  tbody.append(tr);
  return tr;
}
const num = (v, cls = "", extra = {}) => ({text: String(v), cls: ("num " + cls).trim(), ...extra});
// Brands ordered by documents in the view, own brands first (ties keep the project's order).
function byDocuments(brands, documents, own) {
  return [...brands].sort((a, b) => (own.includes(b) - own.includes(a)) || ((documents[b] || 0) - (documents[a] || 0)));
}
// At most one line per colour in a chart: with more brands, the own brands and those with the
// most documents in the view are drawn, and the chart says so. In a project with more brands
// than colours, the drawn brands take one colour each (a brand has no colour of its own there).
function chartBrands(parent, brands, documents, own) {
  let shown = brands;
  if (brands.length > COLORS.length) {
    shown = byDocuments(brands, documents, own).slice(0, COLORS.length);
    parent.append(el("p", {class: "muted chart-note"}, `Drawn: the ${shown.length} brands with the most documents in this view (own brands first), of ${brands.length}; choose brands above to compare others.`));
  }
  if (META.brands.length > COLORS.length) shown.forEach((b, i) => { color[b] = COLORS[i]; });
  return shown;
}
function legend(parent, brands) {
  const box = el("div", {class: "legend"});
  for (const b of brands) { const s = el("span"); const i = el("i"); i.style.background = color[b]; s.append(i, document.createTextNode(b)); box.append(s); }
  parent.append(box);
}
function safeUrl(u) { return /^https?:\/\//i.test(u || "") ? u : "#"; }
function mentionsLink(params) {
  return link({page: "mentions", q: "", brand: "", sort: "", offset: "", fold: "", ...params});
}
// A source's display name from the project config (meta.source_names), else its id, readable.
function sourceName(id) {
  return (META && META.source_names && META.source_names[id]) || (id || "").replace(/_/g, " ");
}

// Days from first to last, every day (a day without data is a gap or a zero, never skipped).
function dayRange(first, last) {
  const out = [];
  for (let d = first; d && d <= last && out.length < 4000; d = addDays(d, 1)) out.push(d);
  return out;
}
// The days a chart of the view shows: the period, within the data (a preset reaching before the
// first crawl does not draw a flat line where nothing was collected).
function span(dataDays) {
  if (!dataDays.length) return [];
  const sorted = [...dataDays].sort();
  const {from, to} = period();
  const first = [from || sorted[0], META.first_day || sorted[0]].sort()[1];
  const last = [to || sorted[sorted.length - 1], META.last_day || to].sort()[0];
  return dayRange(first, last);
}
// A line chart sized to its card so its text stays 11 px on a phone; null values are gaps;
// every point has its value on hover.
function lineChart(parent, xs, series, opts = {}) {
  const W = Math.max(280, Math.floor(parent.clientWidth - 4)), H = opts.height || 220;
  const L = opts.left || 48, R = 12, B = 26, T = 16;
  const box = svg("svg", {width: W, height: H, viewBox: `0 0 ${W} ${H}`, role: "img", class: "chart"});
  const vals = series.flatMap((s) => s.values.filter((v) => v !== null));
  const lo = opts.min !== undefined ? opts.min : 0;
  let hi = Math.max(lo + 1e-9, opts.max !== undefined ? opts.max : Math.max(...vals, 1));
  if (opts.log) hi = Math.log10(Math.max(10, hi));
  // Counts get whole-number ticks (a top of 2 read "0, 1, 1, 2, 2" when quarters were rounded).
  else if (opts.counts) hi = 4 * Math.ceil(hi / 4);
  const x = (i) => L + (i * (W - L - R)) / Math.max(1, xs.length - 1);
  const yv = (v) => opts.log ? Math.log10(Math.max(1, v)) : v;
  const y = (v) => H - B - ((yv(v) - lo) / (hi - lo)) * (H - B - T);
  for (let t = 0; t <= 4; t++) {
    const v = lo + ((hi - lo) * t) / 4;
    const shown = opts.log ? Math.pow(10, v) : v;
    const yy = H - B - ((v - lo) / (hi - lo)) * (H - B - T);
    box.append(svg("line", {x1: L, x2: W - R, y1: yy, y2: yy, stroke: "#e6e9ee"}));
    box.append(svg("text", {x: L - 4, y: yy + 4, "text-anchor": "end"}, opts.format ? opts.format(shown) : Math.round(shown)));
  }
  const years = xs.length && xs[0].slice(0, 4) !== xs[xs.length - 1].slice(0, 4);
  const label = opts.xLabel || ((d) => years ? d : d.slice(5));
  // As many labels as fit side by side at 11 px (about 6.5 px a character).
  const labels = Math.max(2, Math.floor((W - L) / (6.5 * (xs.length ? label(xs[0]).length : 5) + 18)));
  const step = Math.max(1, Math.ceil(xs.length / labels));
  xs.forEach((d, i) => {
    const last = i === xs.length - 1;
    if (i % step !== 0 && !last) return;
    // The end labels are anchored at their outer edge: the next label needs 1.5 steps.
    if (!last && i !== 0 && (i < 1.5 * step || xs.length - 1 - i < 1.5 * step)) return;
    box.append(svg("text", {x: x(i), y: H - 8, "text-anchor": last ? "end" : (i === 0 ? "start" : "middle")}, label(d)));
  });
  for (const s of series) {
    let seg = [];
    const flush = () => { if (seg.length > 1) box.append(svg("polyline", {points: seg.join(" "), fill: "none", stroke: s.color, "stroke-width": s.width || 2, "stroke-dasharray": s.dash || ""})); seg = []; };
    s.values.forEach((v, i) => { if (v === null || v === undefined) { flush(); return; } seg.push(`${x(i)},${y(v)}`); });
    flush();
    if (s.points === false) continue;
    s.values.forEach((v, i) => {
      if (v === null || v === undefined) return;
      const dot = svg("circle", {cx: x(i), cy: y(v), r: xs.length > 60 ? 2 : 3, fill: s.color, class: "point"});
      dot.append(svg("title", {}, `${label(xs[i])} · ${s.name}: ${opts.format ? opts.format(v) : v}`));
      box.append(dot);
    });
  }
  for (const m of opts.markers || []) {
    const i = xs.indexOf(m.x);
    if (i < 0) continue;
    const g = svg("a", {href: m.href || "#"});
    const mk = svg("circle", {cx: x(i), cy: T - 6 + 6, r: 6, fill: "#b3261e", class: "alert-marker"});
    mk.append(svg("title", {}, m.label));
    g.append(mk);
    box.append(svg("line", {x1: x(i), x2: x(i), y1: T + 6, y2: H - B, stroke: "#b3261e", "stroke-dasharray": "3 3"}), g);
  }
  parent.append(box);
  return box;
}
function perDay(rows, key) {
  const per = {};
  for (const r of rows) (per[r.day] ||= {})[r.brand] = r[key];
  return per;
}

// ---- the view bar: period presets, brands, filters; chips for what is set -------------------
function viewBar(meta) {
  const nav = document.getElementById("nav");
  for (const [key, title] of Object.entries(PAGES)) {
    const a = el("a", {href: link({page: key}), id: "nav-" + key}, title);
    if (key === page) a.className = "current";
    nav.append(a);
  }
  const form = document.getElementById("view");
  const per = period();
  const preset = document.getElementById("period");
  for (const [k, v] of Object.entries(PERIODS)) preset.append(el("option", {value: k}, v));
  preset.value = per.key;
  const from = document.getElementById("from"), to = document.getElementById("to");
  from.value = per.from; to.value = per.to;
  from.min = to.min = meta.first_day || ""; from.max = to.max = meta.last_day || "";
  const custom = () => { document.getElementById("custom-days").hidden = preset.value !== "custom"; };
  preset.addEventListener("change", custom); custom();
  const chosen = (state.get("brands") || "").split(",").filter(Boolean);
  const picks = document.getElementById("brand-picks");
  // A project tracking dozens of brands folds its choice away (48 boxes took half a phone
  // screen); the colours belong to each chart then (chartBrands), not to the brand.
  const many = meta.brands.length > MANY_BRANDS;
  let into = picks;
  if (many) {
    const fold = el("details", {id: "brand-fold"});
    const picked = chosen.length ? chosen.length : meta.brands.length;
    fold.append(el("summary", {}, `Brands: ${picked === meta.brands.length ? "all" : picked} of ${meta.brands.length}`));
    into = el("div", {class: "fold-body"});
    fold.append(into);
    picks.append(fold);
  }
  for (const b of meta.brands) {
    const lab = el("label", {class: "pick"});
    const box = el("input", {type: "checkbox", value: b.name});
    box.checked = !chosen.length || chosen.includes(b.name);
    lab.append(box);
    if (!many) { const dot = el("i"); dot.style.background = color[b.name]; lab.append(dot); }
    lab.append(document.createTextNode(b.name + (b.role === "own" ? " (own)" : "")));
    into.append(lab);
  }
  const choices = {language: meta.facets.language, kind: meta.facets.source_kind,
    source: meta.facets.source, sentiment: ["positive", "negative", "neutral", "unscored"]};
  const filters = document.getElementById("filters");
  for (const [key, title] of Object.entries(FILTERS)) {
    const s = el("select", {id: "filter-" + key, "aria-label": title});
    s.append(el("option", {value: ""}, `${title}: all`));
    for (const v of choices[key]) s.append(el("option", {value: v}, key === "source" ? sourceName(v) : v));
    s.value = state.get(key) || "";
    filters.append(s);
  }
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const boxes = [...picks.querySelectorAll("input:checked")].map((i) => i.value);
    const next = new URLSearchParams(location.search);
    const values = {period: preset.value === "all" ? "" : preset.value,
      from: preset.value === "custom" ? from.value : "", to: preset.value === "custom" ? to.value : "",
      brands: boxes.length === meta.brands.length ? "" : boxes.join(",")};
    for (const key of Object.keys(FILTERS)) values[key] = document.getElementById("filter-" + key).value;
    for (const [k, v] of Object.entries(values)) { if (v) next.set(k, v); else next.delete(k); }
    next.delete("offset");
    location.search = next.toString();
  });
  chips(per);
  document.getElementById("share-link").href = location.href;
  const undated = meta.counts.undated_mentions
    ? ` · ${thousands(meta.counts.undated_mentions)} mentions without a date (in no period)` : "";
  document.getElementById("counts").textContent =
    `${thousands(meta.counts.documents)} documents · ${thousands(meta.counts.mentions)} mentions${undated} · times in ${TZ}`;
}
function chips(per) {
  const box = document.getElementById("chips");
  const add = (text, remove) => {
    const a = el("a", {class: "chip", href: link(remove), title: "Remove this filter"}, text + " ×");
    box.append(a);
  };
  if (per.key !== "all") add(per.key === "custom" ? `${per.from || "…"} – ${per.to || "…"}` : PERIODS[per.key], {period: "", from: "", to: "", offset: ""});
  if (state.get("compare_from")) add(`Compared with ${state.get("compare_from")} – ${state.get("compare_to")}`, {compare_from: "", compare_to: ""});
  if (state.get("brands")) add("Brands: " + state.get("brands").split(",").join(", "), {brands: "", offset: ""});
  for (const [key, title] of Object.entries(FILTERS)) {
    if (state.get(key)) add(`${title}: ${key === "source" ? sourceName(state.get(key)) : state.get(key)}`, {[key]: "", offset: ""});
  }
  box.hidden = !box.children.length;
}

// ---- overview ------------------------------------------------------------------------------
function change(now, before, kind) {
  if (before === null || before === undefined || now === null || now === undefined) return "";
  if (kind === "count") {
    if (!before) return now ? "new" : "±0";
    const r = (now - before) / before;
    return (r >= 0 ? "▲ +" : "▼ ") + (100 * r).toFixed(0) + " %";
  }
  if (kind === "share") { const d = 100 * (now - before); return (d >= 0 ? "▲ +" : "▼ ") + d.toFixed(1) + " pts"; }
  const d = now - before; return (d >= 0 ? "▲ +" : "▼ ") + d.toFixed(2);
}
function kpiTiles(k) {
  const box = el("section", {class: "card wide kpis", id: "kpis"});
  const c = k.current, p = k.previous;
  const own = k.own.length ? k.own.join(", ") : "the brands shown";
  const fewScored = c.scored < TOO_FEW;
  const tiles = [
    ["mentions", "Brand mentions", thousands(c.mentions), change(c.mentions, p && p.mentions, "count"), "Documents mentioning each brand shown, added up.", mentionsLink({fold: "document"})],
    ["share", `Share of voice · ${own}`, pct(c.own_share), change(c.own_share, p && p.own_share, "share"), "Mentions of the own brand(s) among all brand mentions shown.", mentionsLink({brand: k.own.length === 1 ? k.own[0] : "", fold: "document"})],
    ["net", `Net sentiment · ${own}`, fewScored ? "too few" : signed(c.net_sentiment), fewScored ? `${c.scored} scored` : change(c.net_sentiment, p && p.net_sentiment, "net"), "(positive − negative) / scored mentions, from −1 to +1.", mentionsLink({brand: k.own.length === 1 ? k.own[0] : "", fold: "none"})],
    ["negative", `Negative · ${own}`, fewScored ? "too few" : pct(c.negative_share), fewScored ? `${c.scored} scored` : change(c.negative_share, p && p.negative_share, "share"), "Negative mentions among the scored mentions.", mentionsLink({brand: k.own.length === 1 ? k.own[0] : "", sentiment: "negative", fold: "none"})],
    ["alerts", "Alerts", String(c.alerts), change(c.alerts, p && p.alerts, "count"), "Spike and crisis alerts starting in the period.", link({page: "alerts"})],
  ];
  for (const [id, title, value, delta, help, href] of tiles) {
    const a = el("a", {class: "tile", id: "kpi-" + id, href, title: help});
    a.append(el("span", {class: "tile-title"}, title), el("strong", {}, value));
    const bad = (id === "negative" || id === "alerts") ? delta.startsWith("▲") : delta.startsWith("▼");
    a.append(el("span", {class: "tile-delta " + (delta && delta !== "±0" ? (bad ? "worse" : "better") : "")}, delta || " "));
    box.append(a);
  }
  const note = p ? `Change against ${k.previous_from} – ${k.previous_to}${state.get("compare_from") ? " (chosen)" : " (the period before)"}. ` : "Pick a period to compare it with the one before. ";
  const line = el("p", {class: "muted tile-note"}, note);
  // Compare with another period of your choice (e.g. the same week last year).
  const cf = el("input", {type: "date", id: "compare-from", "aria-label": "Compare from"});
  const ct = el("input", {type: "date", id: "compare-to", "aria-label": "Compare to"});
  cf.value = state.get("compare_from") || ""; ct.value = state.get("compare_to") || "";
  const go = el("a", {href: "#", id: "compare-apply"}, "compare");
  go.addEventListener("click", (e) => { e.preventDefault(); location.search = link({page: "overview", compare_from: cf.value, compare_to: ct.value}); });
  line.append("Or compare with ", cf, " – ", ct, " ", go);
  box.append(line);
  document.getElementById("page").append(box);
}
function sovTable(parent, sov, story, reach, order) {
  const tb = table(parent, "sov", ["Brand", "Documents", "Share", "Range (95 %)", "Per story", "Reach-weighted"]);
  const at = Object.fromEntries(sov.map((r, i) => [r.brand, i]));
  order.map((b) => at[b]).forEach((i) => {
    const r = sov[i];
    const tr = row(tb, [r.brand, num(thousands(r.mentions), "", {href: mentionsLink({brand: r.brand, fold: "document"})}),
      num(r.too_few ? "too few" : pct(r.share)),
      num(r.too_few ? "–" : `${pct(r.ci_low)} – ${pct(r.ci_high)}`), num(story[i].too_few ? "too few" : pct(story[i].share)),
      num(reach[i].too_few ? "too few" : pct(reach[i].share))]);
    tr.dataset.brand = r.brand; tr.dataset.share = String(r.share);
  });
}
function sentimentTable(parent, rows, brands) {
  const by = Object.fromEntries(rows.map((r) => [r.brand, r]));
  const tb = table(parent, "sentiment", ["Brand", "Pos.", "Neg.", "Neutr.", "Unscored", "Net"]);
  for (const b of brands) {
    const r = by[b] || {brand: b, positive: 0, negative: 0, neutral: 0, unscored: 0, net: null};
    const scored = r.positive + r.negative + r.neutral;
    const cell = (n, s) => num(thousands(n), s, n ? {href: mentionsLink({brand: b, sentiment: s, fold: "none"})} : {});
    const tr = row(tb, [b, cell(r.positive, "positive"), cell(r.negative, "negative"), cell(r.neutral, "neutral"),
      cell(r.unscored, "unscored"), num(scored < TOO_FEW ? `too few (${scored})` : signed(r.net))]);
    tr.dataset.brand = b;
  }
}
async function overviewPage() {
  const d = await api("overview");
  kpiTiles(d.kpis);
  const brands = d.sov.map((r) => r.brand);
  const documents = Object.fromEntries(d.sov.map((r) => [r.brand, r.mentions]));
  const days = span(d.daily.map((r) => r.day));
  const per = perDay(d.daily, "mentions");
  const mode = state.get("scale") || "linear";
  const hourly = d.hourly;
  const c4 = card("Mention volume and alerts", hourly
    ? "Documents per hour and brand (a period of up to 3 days is drawn by the hour); red markers are alerts (hover for details, click to open)."
    : "Documents per day and brand; red markers are alerts (hover for details, click to open). Days without data count 0.");
  c4.id = "volume";
  const switcher = el("div", {class: "switch"});
  for (const [k, t] of [["linear", "Count"], ["log", "Log scale"], ["share", "Share"]]) {
    const a = el("a", {href: link({page: "overview", scale: k === "linear" ? "" : k}), class: k === mode ? "current" : ""}, t);
    switcher.append(a);
  }
  c4.append(switcher);
  const drawn = chartBrands(c4, brands, documents, d.kpis.own);
  // x: days (YYYY-MM-DD) or, for a short period, hours (ISO instants); per[x][brand] = documents
  let xs = days, perX = per, xLabel, markerX = (a) => dayIn(new Date(a.start));
  if (hourly) {
    xs = hourly.hours;
    const index = Object.fromEntries(xs.map((h) => [new Date(h).getTime(), h]));
    perX = {};
    for (const r of hourly.rows) { const h = index[new Date(r.hour).getTime()]; if (h) (perX[h] ||= {})[r.brand] = r.mentions; }
    xLabel = xs.length <= 24 ? (h) => clock.format(new Date(h)).slice(11) : (h) => clock.format(new Date(h)).slice(8, 13) + "h";
    markerX = (a) => { const t = new Date(a.start).getTime(); return xs.find((h) => new Date(h).getTime() === t); };
  }
  // The share view divides by every brand of the view, drawn or not.
  const totals = xs.map((x) => brands.reduce((a, b) => a + ((perX[x] || {})[b] || 0), 0));
  const values = (b) => xs.map((x, i) => {
    const n = (perX[x] || {})[b] || 0;
    return mode === "share" ? (totals[i] ? n / totals[i] : null) : n;
  });
  lineChart(c4, xs, drawn.map((b) => ({name: b, color: color[b], values: values(b)})),
    {log: mode === "log", counts: mode === "linear", max: mode === "share" ? 1 : undefined, format: mode === "share" ? pct : (v) => thousands(Math.round(v)), xLabel,
      markers: d.alerts.map((a) => ({x: markerX(a), href: link({page: "alerts"}), label: `${a.kind} · ${a.brand} · severity ${a.severity} · ${when(a.start)}`}))});
  legend(c4, drawn);
  // Dozens of brands are listed by documents (own brands first); a few in the project's order.
  const order = brands.length > MANY_BRANDS ? byDocuments(brands, documents, d.kpis.own) : brands;
  sovTable(card("Share of voice", "Share of the documents mentioning the brands shown. Range: where the share lies with 95 % certainty; \"too few\" below 30 documents. Per story: syndicated copies once. Reach: weighted by source.", false), d.sov, d.sov_story, d.sov_reach, order);
  sentimentTable(card("Sentiment per brand", "Mentions by label (click to read them); unscored = languages without a model. Net = (pos − neg) / scored; \"too few\" below 30 scored.", false), d.sentiment, order);
  if (hourly) {
    const neg = {};
    for (const r of hourly.rows) (neg[new Date(r.hour).getTime()] ||= {})[r.brand] = r;
    const c6 = card("Negative share per hour", `Documents with a negative mention among all documents of a brand in that hour; hours with fewer than ${DAY_MIN_SCORED} documents are left out.`);
    c6.id = "negative-hourly";
    lineChart(c6, xs, drawn.map((b) => ({name: b, color: color[b], values: xs.map((h) => {
      const r = (neg[new Date(h).getTime()] || {})[b];
      return r && r.mentions >= DAY_MIN_SCORED ? r.negative / r.mentions : null;
    })})), {min: 0, max: 1, format: pct, xLabel});
    legend(c6, drawn);
  }
  if (hourly) { alertCards(card("Alerts in this period", null), d.alerts, false); return; }
  const c5 = card("Net sentiment over time", `Thin line: a day (only days with ≥ ${DAY_MIN_SCORED} scored mentions); thick line: the 7 days up to that day (≥ ${TOO_FEW} scored).`);
  c5.id = "sentiment-time";
  const series = [];
  for (const b of drawn) {
    const rows = Object.fromEntries(d.daily.filter((r) => r.brand === b).map((r) => [r.day, r]));
    const daily = [], smooth = [];
    days.forEach((day, i) => {
      const r = rows[day];
      const scored = r ? r.positive + r.negative + r.neutral : 0;
      daily.push(scored >= DAY_MIN_SCORED ? (r.positive - r.negative) / scored : null);
      let p = 0, n = 0, s = 0;
      for (let j = Math.max(0, i - 6); j <= i; j++) { const q = rows[days[j]]; if (q) { p += q.positive; n += q.negative; s += q.positive + q.negative + q.neutral; } }
      smooth.push(s >= TOO_FEW ? (p - n) / s : null);
    });
    series.push({name: b + " (day)", color: color[b], values: daily, width: 1, points: false, dash: "2 3"});
    series.push({name: b + " (7 days)", color: color[b], values: smooth, width: 2.5});
  }
  lineChart(c5, days, series, {min: -1, max: 1, format: signed});
  legend(c5, drawn);
  alertCards(card("Alerts in this period", null), d.alerts, false);
}

// ---- brand vs competitors --------------------------------------------------------------------
async function brandPage() {
  const d = await api("brand");
  const rest = d.competitors - (d.brands.length - 1);
  const c = card(`${d.brand} against each competitor`, "Same period and filters for every brand." + (rest > 0
    ? ` The ${d.brands.length - 1} competitors with the most documents in this view; ${rest} more are left out — choose brands above to compare them.` : ""));
  const tb = table(c, "compare", ["", ...d.brands]);
  const sov = Object.fromEntries(d.sov.map((r) => [r.brand, r]));
  const sent = Object.fromEntries(d.sentiment.map((r) => [r.brand, r]));
  const scored = (b) => sent[b].positive + sent[b].negative + sent[b].neutral;
  const few = (b) => scored(b) < TOO_FEW;
  const lines = [
    ["Mentions", (b) => num(sov[b].mentions, "", {href: mentionsLink({brand: b, fold: "document"})})],
    ["Share of voice", (b) => num(sov[b].too_few ? "too few" : pct(sov[b].share))],
    ["Range (95 %)", (b) => num(sov[b].too_few ? "–" : `${pct(sov[b].ci_low)} – ${pct(sov[b].ci_high)}`)],
    ["Positive", (b) => num(scored(b) ? pct(sent[b].positive / scored(b)) : "–", "positive", {href: mentionsLink({brand: b, sentiment: "positive", fold: "none"})})],
    ["Negative", (b) => num(scored(b) ? pct(sent[b].negative / scored(b)) : "–", "negative", {href: mentionsLink({brand: b, sentiment: "negative", fold: "none"})})],
    ["Net sentiment", (b) => num(few(b) ? `too few (${scored(b)})` : signed(sent[b].net))],
    ["Unscored mentions", (b) => num(sent[b].unscored, "unscored")],
  ];
  for (const [name, fn] of lines) { const tr = row(tb, [name, ...d.brands.map(fn)]); tr.dataset.metric = name; }
  const days = span(d.over_time.map((r) => r.day));
  const per = {};
  for (const r of d.over_time) (per[r.day] ||= {})[r.brand] = r;
  const c2 = card("Net sentiment over time", `Per day: (positive − negative) / scored mentions, from −1 to +1; days with fewer than ${DAY_MIN_SCORED} scored mentions are left out.`);
  const drawn = chartBrands(c2, d.brands, {}, []);
  lineChart(c2, days, drawn.map((b) => ({name: b, color: color[b], values: days.map((day) => {
    const r = (per[day] || {})[b];
    return r && r.scored >= DAY_MIN_SCORED ? r.net : null;
  })})), {min: -1, max: 1, format: signed});
  legend(c2, drawn);
  for (const b of d.brands) {
    const tc = card(`Trending with ${b}`, null, false);
    const tbt = table(tc, `topics-${b}`, ["Phrase", "Over", "State", "Documents"]);
    for (const t of d.topics[b]) row(tbt, [t.phrase, windowName(t.window_hours), {text: t.state, cls: t.state}, num(t.documents)]);
    if (!d.topics[b].length) tc.append(el("p", {class: "muted"}, "Nothing trending."));
  }
}
function windowName(hours) { return hours % 24 === 0 ? (hours === 24 ? "last day" : `last ${hours / 24} days`) : `last ${hours} hours`; }

// ---- topics ------------------------------------------------------------------------------------
async function topicsPage() {
  const brand = state.get("brand") || "";
  const d = await api("topics", {brand, topic: state.get("topic"), offset: state.get("offset")});
  const when_ = d.period ? "Counted over the period picked, against the 28 days before it." : "Counted up to the last analysis (pick a period with both ends to see its own topics).";
  const c = card(brand ? `Trending topics with ${brand}` : "Trending topics", `Emerging: new; rising: at least twice as often as before; declining: fewer. Each seen in at least 3 documents on 3 sites. ${when_} Click a topic for its documents.`);
  const f = el("form", {id: "topic-brand"});
  const sel = el("select", {id: "topic-brand-select", "aria-label": "Brand"});
  sel.append(el("option", {value: ""}, "All brands"));
  for (const b of Object.keys(color)) { const o = el("option", {value: b}, b); if (b === brand) o.selected = true; sel.append(o); }
  sel.addEventListener("change", () => { location.search = link({page: "topics", brand: sel.value, topic: "", offset: ""}); });
  f.append(sel); c.append(f);
  const tb = table(c, "trends", ["Topic", "Over", "State", "Documents", "Before", "Sites", "Growth"]);
  for (const t of d.trends) {
    const name = el("a", {href: link({page: "topics", brand, topic: t.phrase, offset: ""})}, t.phrase);
    const cell = el("td");
    cell.append(name);
    if (t.variants.length) cell.append(el("span", {class: "muted"}, " (" + t.variants.join(", ") + ")"));
    const docs = el("a", {href: link({page: "topics", brand, topic: t.phrase, offset: ""})}, String(t.documents));
    const n = el("td", {class: "num"}); n.append(docs);
    row(tb, [cell, windowName(t.window_hours), {text: t.state, cls: t.state}, n, num(t.baseline_documents), num(t.domains), num(t.growth === null ? "new" : t.growth + "×")]);
  }
  if (!d.trends.length) c.append(el("p", {class: "muted"}, "Nothing trending in this view."));
  if (!d.topic) return;
  const t = d.topic;
  const dc = card(`Documents about "${t.phrase}"`, `Every document holding the topic (${[t.phrase, ...t.variants].join(", ")}) from ${when(t.start)} to ${when(t.end)}${brand ? `, mentioning ${brand}` : ", with or without a tracked brand"}; newest first.`);
  dc.id = "topic-documents";
  const first = t.total ? t.offset + 1 : 0, last = t.offset + t.rows.length;
  dc.append(el("p", {class: "muted", id: "topic-status"}, `${first}–${last} of ${t.total} documents`));
  const dt = table(dc, "topic-docs", ["Time", "Title", "Source", "Brands mentioned"]);
  for (const doc of t.rows) {
    const a = el("a", {href: safeUrl(doc.url), rel: "noopener noreferrer", target: "_blank"}, doc.title || doc.url);
    row(dt, [{text: when(doc.published), cls: "when"}, a, sourceName(doc.source), doc.brands.length ? doc.brands.join(", ") : "none"]);
  }
  const pager = el("div", {class: "pager"});
  if (t.offset > 0) pager.append(el("a", {href: link({page: "topics", brand, topic: t.phrase, offset: String(Math.max(0, t.offset - 50)) || ""})}, "← Previous"));
  if (last < t.total) pager.append(el("a", {href: link({page: "topics", brand, topic: t.phrase, offset: String(t.offset + 50)})}, "Next →"));
  dc.append(pager);
  document.body.dataset.total = String(t.total);
}

// ---- alerts ------------------------------------------------------------------------------------
function alertCards(parent, alerts, full) {
  if (!alerts.length) parent.append(el("p", {class: "muted"}, "No alerts."));
  for (const a of alerts) {
    const box = el("div", {class: `alert ${a.kind}`});
    box.dataset.brand = a.brand;
    box.append(el("h3", {}, `${a.kind === "crisis" ? "Crisis" : "Spike"} · ${a.brand} · severity ${a.severity} of 10 · ${when(a.start)} – ${when(a.end).slice(11)}`));
    if (a.workflow) {
      const w = a.workflow;
      const who = w.assignee ? `, handled by ${w.assignee}` : "";
      const since = w.at ? ` (by ${w.by}, ${when(w.at)})` : "";
      box.append(el("p", {class: `workflow ${w.status}`}, `Status: ${w.status}${who}${since}` + (w.note ? ` — ${w.note}` : "")));
    }
    box.append(el("p", {}, a.explanation.summary + (a.complete ? "" : ` Incomplete data: ${a.incomplete_sources.map(sourceName).join(", ")}.`)));
    box.append(el("p", {class: "muted"}, "Top phrases: " + a.explanation.top_phrases.join(", ")));
    const read = el("a", {href: link({page: "mentions", brand: a.brand, period: "custom", from: dayIn(new Date(a.start)), to: dayIn(new Date(a.end)), q: "", sort: "negative", offset: ""})}, "Read the mentions of these days");
    box.append(read);
    if (full) {
      const hours = table(box, "", ["Hour", "Mentions", "Usually", "How unusual"]);
      for (const h of a.explanation.hours) row(hours, [{text: when(h.hour), cls: "when"}, num(h.mentions), num(h.baseline), num(h.baseline ? `${(h.mentions / h.baseline).toFixed(1)}× usual` : "none usually")]);
      box.append(el("p", {class: "muted"}, "Sources: " + Object.entries(a.explanation.sources).map(([s, n]) => `${sourceName(s)} (${n})`).join(", ")));
      const docs = table(box, "", ["Most negative documents", "Text judged", "Score"]);
      for (const doc of a.explanation.top_documents) {
        row(docs, [el("a", {href: safeUrl(doc.url), rel: "noopener noreferrer", target: "_blank"}, doc.title || doc.url), doc.span_text, num(signed(doc.score))]);
      }
      box.append(workflowForm(a));
    }
    parent.append(box);
  }
}
function workflowForm(a) {
  const f = el("form", {class: "workflow-form"});
  const status = el("select", {name: "status", "aria-label": "Status"});
  for (const s of ["open", "acknowledged", "resolved", "dismissed"]) status.append(el("option", {value: s}, s));
  status.value = (a.workflow && a.workflow.status) || "open";
  const assignee = el("input", {name: "assignee", placeholder: "Assign to", "aria-label": "Assign to"});
  assignee.value = (a.workflow && a.workflow.assignee) || "";
  const note = el("input", {name: "note", placeholder: "Comment", "aria-label": "Comment"});
  const by = el("input", {name: "by", placeholder: "Your name", required: "", "aria-label": "Your name"});
  by.value = localStorage.getItem("brandradar-name") || "";
  const save = el("button", {type: "submit"}, "Save");
  const msg = el("span", {class: "muted"});
  f.append(status, assignee, note, by, save, msg);
  f.addEventListener("submit", async (e) => {
    e.preventDefault();
    localStorage.setItem("brandradar-name", by.value);
    try {
      const ev = await post("alerts/state", {alert_id: a.alert_id, status: status.value, by: by.value,
        assignee: assignee.value || null, note: note.value || null});
      msg.textContent = `Saved: ${ev.status}`;
      f.dataset.saved = ev.status;
    } catch (err) { msg.textContent = String(err.message || err); msg.className = "negative"; }
  });
  return f;
}
async function alertsPage() {
  const alerts = await api("alerts");
  const c = card("Spike and crisis alerts", "Each alert with its explanation: hourly counts against the usual for the same hours of the week, negative share, top documents and sources. Set its status, owner and a comment for the team.");
  c.id = "alerts";
  alertCards(c, alerts, true);
}

// ---- mention explorer --------------------------------------------------------------------------
function highlighted(text, words) {
  const td = el("td", {class: "text"});
  const list = words.filter(Boolean).map((w) => w.toLowerCase());
  if (!list.length) { td.textContent = text; return td; }
  const re = new RegExp("(" + list.map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|") + ")", "gi");
  for (const part of text.split(re)) {
    if (!part) continue;
    td.append(list.includes(part.toLowerCase()) ? el("mark", {}, part) : document.createTextNode(part));
  }
  return td;
}
// What one explorer row stands for; each number on the dashboard links with the unit it counts.
const FOLDS = {story: "story (syndicated copies folded)", document: "document", none: "mention"};
const SORTS = {newest: "Newest first", oldest: "Oldest first", relevance: "Best match to the words", negative: "Most negative first", positive: "Most positive first"};
async function mentionsPage() {
  const c = card("Mention explorer", "Full-text search over titles and texts; brand and search words are highlighted in the text each mention was judged on. Best match: documents holding the words most often, rare words weighing more (BM25).");
  c.id = "explorer";
  const f = el("form", {id: "search", class: "toolbar"});
  const q = el("input", {id: "q", type: "search", placeholder: "Search (e.g. Akku)", "aria-label": "Search words"});
  q.value = state.get("q") || "";
  const brand = el("select", {id: "brand", "aria-label": "Brand"});
  brand.append(el("option", {value: ""}, "All brands"));
  for (const b of Object.keys(color)) brand.append(el("option", {value: b}, b));
  brand.value = state.get("brand") || "";
  const sort = el("select", {id: "sort", "aria-label": "Order"});
  for (const [k, v] of Object.entries(SORTS)) sort.append(el("option", {value: k}, v));
  sort.value = state.get("sort") || (state.get("q") ? "relevance" : "newest");
  const fold = el("select", {id: "fold", "aria-label": "One row per"});
  for (const [k, v] of Object.entries(FOLDS)) fold.append(el("option", {value: k}, "One row per " + v));
  fold.value = state.get("fold") || "story";
  f.append(q, brand, sort, fold, el("button", {type: "submit"}, "Search"));
  c.append(f);
  const who = el("input", {id: "by", placeholder: "Your name (to correct a label)", "aria-label": "Your name"});
  who.value = localStorage.getItem("brandradar-name") || "";
  who.addEventListener("change", () => localStorage.setItem("brandradar-name", who.value));
  c.append(who);
  const status = el("p", {id: "explorer-status", class: "muted"});
  const exports = el("span", {class: "exports"});
  for (const fmt of ["csv", "xlsx"]) {
    const b = el("button", {type: "button", id: "export-" + fmt}, `Export ${fmt.toUpperCase()}`);
    b.addEventListener("click", () => download(fmt));
    exports.append(b);
  }
  const bar = el("div", {class: "resultbar"});
  bar.append(status, exports);
  c.append(bar);
  const tb = table(c, "mentions", ["Time", "Brand", "Sentiment", "Title and text judged", "Source", "Author", "Lang.", "Copies"]);
  const pager = el("div", {class: "pager"});
  c.append(pager);
  f.addEventListener("submit", (e) => {
    e.preventDefault();
    const values = {q: q.value, brand: brand.value, sort: sort.value === (q.value ? "relevance" : "newest") ? "" : sort.value, fold: fold.value === "story" ? "" : fold.value, offset: ""};
    for (const [k, v] of Object.entries(values)) { if (v) state.set(k, v); else state.delete(k); }
    history.pushState(null, "", link({page: "mentions", ...values}));
    search(tb, status, pager);
  });
  await search(tb, status, pager);
}
function explorerParams() {
  return {q: state.get("q"), brand: state.get("brand"), sort: state.get("sort"), fold: state.get("fold"), offset: state.get("offset")};
}
async function search(tb, status, pager) {
  const d = await api("mentions", {...explorerParams(), limit: "50"});
  tb.replaceChildren();
  const words = (state.get("q") || "").split(/\s+/);
  for (const m of d.rows) {
    const text = highlighted(m.span_text, [m.matched, ...words]);
    if (m.title) text.prepend(el("strong", {class: "title"}, m.title), el("br"));
    const src = el("a", {class: "source", href: safeUrl(m.url), rel: "noopener noreferrer", target: "_blank", title: m.source}, sourceName(m.source));
    const author = m.author ? {text: m.author.slice(0, 10), title: "A pseudonym: the same person gets the same name in this project, but the real name is not stored."} : "–";
    const tr = row(tb, [{text: when(m.published), cls: "when"}, m.brand, sentimentCell(m), text, src, author, m.language, num(m.copies > 1 ? `${m.copies} copies` : "1")]);
    tr.dataset.mention = m.mention_id;
  }
  if (!d.rows.length) row(tb, ["", "", "", "No mentions match.", "", "", "", ""]);
  const first = d.total ? d.offset + 1 : 0, last = d.offset + d.rows.length;
  status.textContent = `${thousands(first)}–${thousands(last)} of ${thousands(d.total)} · one row per ${FOLDS[d.fold]} · ${SORTS[d.sort]}`;
  pager.replaceChildren();
  const go = (offset) => {
    const a = el("a", {href: link({page: "mentions", ...explorerParams(), offset: offset ? String(offset) : ""})});
    return a;
  };
  if (d.offset > 0) { const a = go(Math.max(0, d.offset - d.limit)); a.textContent = "← Previous"; a.id = "prev"; pager.append(a); }
  if (last < d.total) { const a = go(d.offset + d.limit); a.textContent = "Next →"; a.id = "next"; pager.append(a); }
  document.body.dataset.results = String(d.rows.length);
  document.body.dataset.total = String(d.total);
  document.body.dataset.query = state.get("q") || "";
}
// The sentiment of a mention, and a choice to correct it: the correction goes to the project's
// label store (brandradar label) and counts from the next index.
function sentimentCell(m) {
  const td = el("td", {class: m.sentiment});
  td.append(el("span", {}, `${m.sentiment} ${m.sentiment === "unscored" ? "" : signed(m.score)}`));
  if (m.sentiment === "unscored") return td;
  const fix = el("select", {class: "correct", "aria-label": "Correct the label", title: "Correct the label"});
  fix.append(el("option", {value: ""}, "correct…"));
  for (const l of ["positive", "neutral", "negative"]) if (l !== m.sentiment) fix.append(el("option", {value: l}, l));
  const msg = el("span", {class: "muted"});
  fix.addEventListener("change", async () => {
    const by = document.getElementById("by").value.trim();
    if (!by) { msg.textContent = " your name first (above)"; fix.value = ""; return; }
    localStorage.setItem("brandradar-name", by);
    try {
      const c = await post("labels", {mention_id: m.mention_id, label: fix.value, by});
      msg.textContent = ` → ${c.new}, counted from the next index`;
      td.dataset.corrected = c.new;
    } catch (err) { msg.textContent = " " + String(err.message || err); }
  });
  td.append(el("br"), fix, msg);
  return td;
}
async function download(fmt) {
  const p = viewParams();
  for (const [k, v] of Object.entries(explorerParams())) if (v && k !== "offset") p.set(k, v);
  const res = await fetch(`/api/mentions.${fmt}?${p}`, {headers: authHeaders()});
  if (!res.ok) { document.getElementById("explorer-status").textContent = "Export failed: " + res.statusText; return; }
  const blob = await res.blob();
  const a = el("a", {href: URL.createObjectURL(blob), download: `brandradar-mentions.${fmt}`});
  document.body.append(a); a.click(); a.remove();
}

// ---- authors and sources -------------------------------------------------------------------
async function authorsPage() {
  const d = await api("authors");
  const about = state.get("brands") ? ` About ${state.get("brands").split(",").join(", ")}: only posts mentioning it, only its mentions.` : "";
  const c = card("Author segments", "Forum and review authors under pseudonyms (the same person keeps the same pseudonym; real names are not stored). Influencers: most replied-to (top 1 %); critics / advocates: at least 3 scored mentions, 60 % or more negative / positive; occasional: fewer than 3." + about);
  const seg = el("p", {id: "segments"});
  seg.textContent = Object.entries(d.segments).map(([s, n]) => `${n} ${s}${n === 1 ? "" : "s"}`).join(" · ");
  c.append(seg);
  const tb = table(c, "authors", ["Segment", "Author", "Source", "Posts", "Mentions", "Pos.", "Neg.", "Neutr.", "Replies"]);
  for (const a of d.authors) {
    const tr = row(tb, [{text: a.segment, cls: "segment-" + a.segment}, {text: a.author.slice(0, 10), title: "Pseudonym"}, sourceName(a.source), num(a.posts), num(a.mentions), num(a.positive, "positive"), num(a.negative, "negative"), num(a.neutral), num(a.replies)]);
    tr.dataset.segment = a.segment;
  }
}
async function sourcesPage() {
  const rows = await api("health");
  const c = card("Sources health", "Last run per source. A flagged source may be broken, not quiet: its hours are not counted as calm.");
  const tb = table(c, "health", ["Source", "Found", "Fetched", "Not modified", "Failed", "Documents", "New", "Empty", "Newest", "Status"]);
  for (const r of rows) {
    const failed = Object.values(r.failed).reduce((a, b) => a + b, 0);
    const tr = row(tb, [{text: sourceName(r.source), title: r.source}, num(r.discovered), num(r.fetched), num(r.not_modified), num(failed), num(r.documents),
      num(r.new_documents), num(r.empty_extractions), {text: when(r.newest_document), cls: "when"},
      {text: r.flags.length ? r.flags.join(", ") : "ok", cls: r.flags.length ? "negative" : "positive"}]);
    tr.dataset.source = r.source;
  }
}

async function main() {
  try {
    META = await api("meta");
    TZ = META.timezone;
    clock = new Intl.DateTimeFormat("sv-SE", {timeZone: TZ, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit"});
    META.brands.forEach((b, i) => { color[b.name] = COLORS[i % COLORS.length]; });
    viewBar(META);
    document.title = `brandradar · ${PAGES[page]}`;
    await {overview: overviewPage, brand: brandPage, topics: topicsPage, alerts: alertsPage,
      mentions: mentionsPage, authors: authorsPage, sources: sourcesPage}[page]();
  } catch (err) {
    const c = card("Could not load this view", null);
    c.append(el("p", {class: "negative", id: "error"}, String(err.message || err)));
  }
  document.body.dataset.ready = "true";
}
main();
