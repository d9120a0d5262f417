// brandradar dashboard: one page per view, the view state (page, period, brands, filters) in the
// URL so a view can be shared as a link. Crawled text is only ever set through textContent.
"use strict";
const COLORS = ["#e07a1f", "#3b6fd1", "#2a9d8f", "#8e5ccf", "#c94f7c", "#6b7785"];
const SVGNS = "http://www.w3.org/2000/svg";
const PAGES = {overview: "Overview", brand: "Brand vs competitors", topics: "Trending topics",
  alerts: "Alerts", mentions: "Mentions", authors: "Authors", sources: "Sources health"};
const VIEW_KEYS = ["from", "to", "brands", "token"];
const state = new URLSearchParams(location.search);
const page = PAGES[state.get("page")] ? state.get("page") : "overview";
let color = {};

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
const when = (s) => (s || "–").slice(0, 16).replace("T", " ");

function link(params) {
  const p = new URLSearchParams();
  for (const k of VIEW_KEYS) if (state.get(k)) p.set(k, state.get(k));
  for (const [k, v] of Object.entries(params)) if (v) p.set(k, v); else p.delete(k);
  return "?" + p.toString();
}
async function api(name, extra = {}) {
  const p = new URLSearchParams();
  for (const k of ["from", "to", "brands"]) if (state.get(k)) p.set(k, state.get(k));
  for (const [k, v] of Object.entries(extra)) if (v) p.set(k, v);
  const headers = state.get("token") ? {Authorization: "Bearer " + state.get("token")} : {};
  const res = await fetch(`/api/${name}?${p}`, {headers});
  const body = await res.json();
  if (!res.ok) throw new Error(body.error || res.statusText);
  return body;
}
function card(title, note, wide = true) {
  const c = el("section", {class: "card" + (wide ? " wide" : "")});
  c.append(el("h2", {}, title));
  if (note) c.append(el("p", {class: "muted"}, note));
  document.getElementById("page").append(c);
  return c;
}
function table(parent, id, headers) {
  const t = el("table", {id});
  const tr = el("tr");
  for (const h of headers) tr.append(el("th", {}, h));
  const thead = el("thead"); thead.append(tr);
  const tbody = el("tbody");
  t.append(thead, tbody);
  parent.append(t);
  return tbody;
}
function row(tbody, cells) {
  const tr = el("tr");
  for (const c of cells) {
    if (c instanceof Node) { const td = el("td"); td.append(c); tr.append(td); continue; }
    const obj = typeof c === "object" && c !== null;
    tr.append(el("td", obj && c.cls ? {class: c.cls} : {}, obj ? c.text : c));
  }
  tbody.append(tr);
  return tr;
}
const num = (v, cls = "") => ({text: String(v), cls: ("num " + cls).trim()});
function legend(parent, brands) {
  const box = el("div", {class: "legend"});
  for (const b of brands) { const s = el("span"); const i = el("i"); i.style.background = color[b]; s.append(i, document.createTextNode(b)); box.append(s); }
  parent.append(box);
}
function safeUrl(u) { return /^https?:\/\//i.test(u || "") ? u : "#"; }

function lineChart(parent, days, series, opts = {}) {
  const W = 1100, H = 220, L = 44, B = 24;
  const box = svg("svg", {viewBox: `0 0 ${W} ${H}`, width: "100%", role: "img"});
  const vals = series.flatMap((s) => s.values.filter((v) => v !== null));
  const lo = opts.min !== undefined ? opts.min : 0;
  const hi = Math.max(lo + 1e-9, opts.max !== undefined ? opts.max : Math.max(...vals, 0));
  const x = (i) => L + (i * (W - L - 10)) / Math.max(1, days.length - 1);
  const y = (v) => H - B - ((v - lo) / (hi - lo)) * (H - B - 10);
  for (let t = 0; t <= 4; t++) {
    const v = lo + ((hi - lo) * t) / 4;
    box.append(svg("line", {x1: L, x2: W - 10, y1: y(v), y2: y(v), stroke: "#e6e9ee"}));
    box.append(svg("text", {x: 2, y: y(v) + 4}, opts.format ? opts.format(v) : Math.round(v)));
  }
  const step = days.length > 14 ? 7 : 1;
  days.forEach((d, i) => { if (i % step === 0) box.append(svg("text", {x: x(i) - 14, y: H - 6}, d.slice(5))); });
  for (const s of series) {
    const pts = s.values.map((v, i) => v === null ? null : `${x(i)},${y(v)}`).filter(Boolean).join(" ");
    box.append(svg("polyline", {points: pts, fill: "none", stroke: s.color, "stroke-width": 2}));
  }
  for (const m of opts.markers || []) {
    const i = days.indexOf(m.day);
    if (i < 0) continue;
    const mk = svg("circle", {cx: x(i), cy: 14, r: 6, fill: "#b3261e", class: "alert-marker"});
    mk.append(svg("title", {}, m.label));
    box.append(mk, svg("line", {x1: x(i), x2: x(i), y1: 20, y2: H - B, stroke: "#b3261e", "stroke-dasharray": "3 3"}));
  }
  parent.append(box);
}
function perDay(rows, key) {
  const days = [...new Set(rows.map((r) => r.day))].sort();
  const per = {};
  for (const r of rows) (per[r.day] ||= {})[r.brand] = r[key];
  return [days, per];
}

function sovTable(parent, sov, story, reach) {
  const tb = table(parent, "sov", ["Brand", "Mentions", "Share", "95 % CI", "Per story", "Reach-weighted"]);
  sov.forEach((r, i) => {
    const tr = row(tb, [r.brand, num(r.mentions), num(r.too_few ? "too few" : pct(r.share)),
      num(`${pct(r.ci_low)} – ${pct(r.ci_high)}`), num(story[i].too_few ? "too few" : pct(story[i].share)),
      num(reach[i].too_few ? "too few" : pct(reach[i].share))]);
    tr.dataset.brand = r.brand; tr.dataset.share = String(r.share);
  });
}
function sentimentTable(parent, rows) {
  const tb = table(parent, "sentiment", ["Brand", "Pos.", "Neg.", "Neutr.", "Unscored", "Net"]);
  for (const r of rows) {
    const tr = row(tb, [r.brand, num(r.positive, "positive"), num(r.negative, "negative"), num(r.neutral),
      num(r.unscored, "unscored"), num(signed(r.net))]);
    tr.dataset.brand = r.brand;
  }
}

async function overviewPage() {
  const d = await api("overview");
  const brands = d.sov.map((r) => r.brand);
  const [days, per] = perDay(d.daily, "mentions");
  const totals = days.map((day) => brands.reduce((a, b) => a + ((per[day] || {})[b] || 0), 0));
  const c1 = card("Share of voice over time", "Daily share of brand mentions (documents); the brands shown = 100 %.");
  c1.id = "sov-time";
  lineChart(c1, days, brands.map((b) => ({color: color[b], values: days.map((day, i) => totals[i] ? ((per[day] || {})[b] || 0) / totals[i] : 0)})), {max: 1, format: pct});
  legend(c1, brands);
  sovTable(card("Share of voice", "Wilson 95 % interval; \"too few\" below 30 mentions. Per story: syndicated copies once. Reach: source weights.", false), d.sov, d.sov_story, d.sov_reach);
  sentimentTable(card("Sentiment per brand", "Mentions by label; unscored = languages without a model. Net = (pos − neg) / scored.", false), d.sentiment);
  const c4 = card("Mention volume and alerts", "Mentions per day; red markers are spike/crisis alerts (hover for details).");
  c4.id = "volume";
  lineChart(c4, days, brands.map((b) => ({color: color[b], values: days.map((day) => (per[day] || {})[b] || 0)})),
    {markers: d.alerts.map((a) => ({day: a.start.slice(0, 10), label: `${a.kind} ${a.brand} (severity ${a.severity})`}))});
  legend(c4, brands);
  alertCards(card("Alerts in this period", null), d.alerts, false);
}

async function brandPage() {
  const d = await api("brand");
  const c = card(`${d.brand} against each competitor`, "Same period and filters for every brand.");
  const tb = table(c, "compare", ["", ...d.brands]);
  const sov = Object.fromEntries(d.sov.map((r) => [r.brand, r]));
  const sent = Object.fromEntries(d.sentiment.map((r) => [r.brand, r]));
  const scored = (b) => sent[b].positive + sent[b].negative + sent[b].neutral;
  const lines = [
    ["Mentions", (b) => num(sov[b].mentions)],
    ["Share of voice", (b) => num(sov[b].too_few ? "too few" : pct(sov[b].share))],
    ["95 % CI", (b) => num(`${pct(sov[b].ci_low)} – ${pct(sov[b].ci_high)}`)],
    ["Positive", (b) => num(scored(b) ? pct(sent[b].positive / scored(b)) : "–", "positive")],
    ["Negative", (b) => num(scored(b) ? pct(sent[b].negative / scored(b)) : "–", "negative")],
    ["Net sentiment", (b) => num(signed(sent[b].net))],
    ["Unscored mentions", (b) => num(sent[b].unscored, "unscored")],
  ];
  for (const [name, fn] of lines) { const tr = row(tb, [name, ...d.brands.map(fn)]); tr.dataset.metric = name; }
  const [days, per] = perDay(d.over_time, "net");
  const c2 = card("Net sentiment over time", "Per day: (positive − negative) / scored mentions, from −1 to +1.");
  lineChart(c2, days, d.brands.map((b) => ({color: color[b], values: days.map((day) => (per[day] || {})[b] ?? null)})), {min: -1, max: 1, format: signed});
  legend(c2, d.brands);
  for (const b of d.brands) {
    const tc = card(`Trending with ${b}`, null, false);
    const tbt = table(tc, `topics-${b}`, ["Phrase", "Window", "State", "Docs"]);
    for (const t of d.topics[b]) row(tbt, [t.phrase, `${t.window_hours} h`, {text: t.state, cls: t.state}, num(t.documents)]);
    if (!d.topics[b].length) tc.append(el("p", {class: "muted"}, "Nothing trending."));
  }
}

async function topicsPage() {
  const brand = state.get("brand") || "";
  const d = await api("topics", {brand});
  const c = card(brand ? `Trending topics with ${brand}` : "Trending topics", "Emerging: new in the window; rising: ≥ 2× the 28-day baseline; seen in ≥ 3 documents on ≥ 3 sites.");
  const f = el("form", {id: "topic-brand"});
  const sel = el("select", {id: "topic-brand-select"});
  sel.append(el("option", {value: ""}, "All brands"));
  for (const b of Object.keys(color)) { const o = el("option", {value: b}, b); if (b === brand) o.selected = true; sel.append(o); }
  sel.addEventListener("change", () => { location.search = link({page: "topics", brand: sel.value}); });
  f.append(sel); c.append(f);
  const tb = table(c, "trends", ["Phrase", "Window", "State", "Docs", "Before", "Sites", "Growth", ""]);
  for (const t of d.trends) {
    const a = el("a", {href: link({page: "mentions", q: t.phrase})}, "mentions");
    row(tb, [t.phrase, `${t.window_hours} h`, {text: t.state, cls: t.state}, num(t.documents), num(t.baseline_documents), num(t.domains), num(t.growth === null ? "new" : t.growth + "×"), a]);
  }
}

function alertCards(parent, alerts, full) {
  if (!alerts.length) parent.append(el("p", {class: "muted"}, "No alerts."));
  for (const a of alerts) {
    const box = el("div", {class: `alert ${a.kind}`});
    box.dataset.brand = a.brand;
    box.append(el("h3", {}, `${a.kind.toUpperCase()} · ${a.brand} · severity ${a.severity} · ${when(a.start)} – ${when(a.end).slice(11)}`));
    if (a.workflow) {
      const w = a.workflow;
      const who = w.assignee ? `, handled by ${w.assignee}` : "";
      const since = w.at ? ` (by ${w.by}, ${when(w.at)})` : "";
      box.append(el("p", {class: `workflow ${w.status}`}, `Status: ${w.status}${who}${since}` + (w.note ? ` — ${w.note}` : "")));
    }
    box.append(el("p", {}, a.explanation.summary + (a.complete ? "" : ` Incomplete data: ${a.incomplete_sources.join(", ")}.`)));
    box.append(el("p", {class: "muted"}, "Top phrases: " + a.explanation.top_phrases.join(", ")));
    if (full) {
      const hours = table(box, "", ["Hour", "Mentions", "Usual", "z"]);
      for (const h of a.explanation.hours) row(hours, [when(h.hour), num(h.mentions), num(h.baseline), num(h.z)]);
      box.append(el("p", {class: "muted"}, "Sources: " + Object.entries(a.explanation.sources).map(([s, n]) => `${s} (${n})`).join(", ")));
      const docs = table(box, "", ["Most negative documents", "Clause", "Score"]);
      for (const doc of a.explanation.top_documents) {
        row(docs, [el("a", {href: safeUrl(doc.url), rel: "noopener noreferrer", target: "_blank"}, doc.title || doc.url), doc.span_text, num(signed(doc.score))]);
      }
    }
    parent.append(box);
  }
}
async function alertsPage() {
  const alerts = await api("alerts");
  const c = card("Spike and crisis alerts", "Each alert with its explanation: hourly counts against the usual for the same hours of the week, negative share, top documents and sources.");
  c.id = "alerts";
  alertCards(c, alerts, true);
}

function highlighted(text, words) {
  const td = el("td");
  const list = words.filter(Boolean).map((w) => w.toLowerCase());
  if (!list.length) { td.textContent = text; return td; }
  const re = new RegExp("(" + list.map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|") + ")", "gi");
  for (const part of text.split(re)) {
    if (!part) continue;
    td.append(list.includes(part.toLowerCase()) ? el("mark", {}, part) : document.createTextNode(part));
  }
  return td;
}
async function mentionsPage() {
  const c = card("Mention explorer", "Full-text search over titles and texts; the brand and the search words are highlighted in the clause each mention was judged on.");
  const f = el("form", {id: "search"});
  const q = el("input", {id: "q", type: "search", placeholder: "Full-text search (e.g. Akku)"});
  q.value = state.get("q") || "";
  const selects = {brand: ["All brands", ...Object.keys(color)], sentiment: ["All sentiment", "positive", "negative", "neutral", "unscored"],
    kind: ["All kinds", "news", "blog", "forum", "review"]};
  f.append(q);
  for (const [name, options] of Object.entries(selects)) {
    const s = el("select", {id: name});
    options.forEach((o, i) => s.append(el("option", {value: i ? o : ""}, o)));
    s.value = state.get(name) || "";
    f.append(s);
  }
  f.append(el("button", {}, "Search"));
  c.append(f);
  const tb = table(c, "mentions", ["Time", "Brand", "Sentiment", "Text", "Source"]);
  f.addEventListener("submit", (e) => {
    e.preventDefault();
    history.pushState(null, "", link({page: "mentions", q: q.value, brand: f.brand.value, sentiment: f.sentiment.value, kind: f.kind.value}));
    for (const k of ["q", "brand", "sentiment", "kind"]) state.set(k, k === "q" ? q.value : f[k].value);
    search(tb);
  });
  await search(tb);
}
async function search(tb) {
  const rows = await api("mentions", {q: state.get("q"), brand: state.get("brand"), sentiment: state.get("sentiment"), kind: state.get("kind"), limit: "50"});
  tb.replaceChildren();
  const words = (state.get("q") || "").split(/\s+/);
  for (const m of rows) {
    const a = el("a", {href: safeUrl(m.url), rel: "noopener noreferrer", target: "_blank"}, m.source);
    row(tb, [when(m.published), m.brand, {text: m.sentiment, cls: m.sentiment}, highlighted(m.span_text, [m.matched, ...words]), a]);
  }
  if (!rows.length) row(tb, ["", "", "", "No mentions match.", ""]);
  document.body.dataset.results = String(rows.length);
  document.body.dataset.query = state.get("q") || "";
}

async function authorsPage() {
  const d = await api("authors");
  const c = card("Author segments", "Forum and review authors (pseudonymous). Influencers: replies in the top 1 %; critics / advocates: ≥ 3 scored mentions, ≥ 60 % negative / positive; occasional: fewer than 3.");
  const seg = el("p", {id: "segments"});
  seg.textContent = Object.entries(d.segments).map(([s, n]) => `${n} ${s}${n === 1 ? "" : "s"}`).join(" · ");
  c.append(seg);
  const tb = table(c, "authors", ["Segment", "Author", "Source", "Posts", "Mentions", "Pos.", "Neg.", "Neutr.", "Replies"]);
  for (const a of d.authors) {
    const tr = row(tb, [{text: a.segment, cls: "segment-" + a.segment}, a.author, a.source, num(a.posts), num(a.mentions), num(a.positive, "positive"), num(a.negative, "negative"), num(a.neutral), num(a.replies)]);
    tr.dataset.segment = a.segment;
  }
}

async function sourcesPage() {
  const rows = await api("health");
  const c = card("Sources health", "Last run per source. A flagged source may be broken, not quiet: its hours are not counted as calm.");
  const tb = table(c, "health", ["Source", "Found", "Fetched", "Not modified", "Failed", "Documents", "New", "Empty", "Newest", "Status"]);
  for (const r of rows) {
    const failed = Object.values(r.failed).reduce((a, b) => a + b, 0);
    const tr = row(tb, [r.source, num(r.discovered), num(r.fetched), num(r.not_modified), num(failed), num(r.documents),
      num(r.new_documents), num(r.empty_extractions), when(r.newest_document),
      {text: r.flags.length ? r.flags.join(", ") : "ok", cls: r.flags.length ? "negative" : "positive"}]);
    tr.dataset.source = r.source;
  }
}

function viewBar(meta) {
  const nav = document.getElementById("nav");
  for (const [key, title] of Object.entries(PAGES)) {
    const a = el("a", {href: link({page: key, q: "", brand: "", sentiment: "", kind: ""}), id: "nav-" + key}, title);
    if (key === page) a.className = "current";
    nav.append(a);
  }
  const from = document.getElementById("from"), to = document.getElementById("to");
  from.value = state.get("from") || ""; to.value = state.get("to") || "";
  from.min = to.min = meta.first_day || ""; from.max = to.max = meta.last_day || "";
  const chosen = (state.get("brands") || "").split(",").filter(Boolean);
  const picks = document.getElementById("brand-picks");
  for (const b of meta.brands) {
    const lab = el("label", {class: "pick"});
    const box = el("input", {type: "checkbox", value: b.name});
    box.checked = !chosen.length || chosen.includes(b.name);
    const dot = el("i"); dot.style.background = color[b.name];
    lab.append(box, dot, document.createTextNode(b.name + (b.role === "own" ? " (own)" : "")));
    picks.append(lab);
  }
  document.getElementById("view").addEventListener("submit", (e) => {
    e.preventDefault();
    const boxes = [...picks.querySelectorAll("input:checked")].map((i) => i.value);
    const all = boxes.length === meta.brands.length;
    const next = new URLSearchParams(location.search);
    for (const [k, v] of [["from", from.value], ["to", to.value], ["brands", all ? "" : boxes.join(",")]]) {
      if (v) next.set(k, v); else next.delete(k);
    }
    location.search = next.toString();
  });
  document.getElementById("share-link").href = location.href;
  const undated = meta.counts.undated_mentions
    ? ` · ${meta.counts.undated_mentions} mentions without a date (in no period)` : "";
  document.getElementById("counts").textContent =
    `${meta.counts.documents} documents · ${meta.counts.mentions} mentions${undated}`;
}

async function main() {
  try {
    const meta = await api("meta");
    meta.brands.forEach((b, i) => { color[b.name] = COLORS[i % COLORS.length]; });
    viewBar(meta);
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
