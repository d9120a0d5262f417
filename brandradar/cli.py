"""The ``brandradar`` command line: one entry point, one subcommand per job.

Exit codes: 0 success, 1 a run finished with failures, 2 a usage or config error (one line on
stderr naming what is wrong).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import tempfile
import time
import webbrowser
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

from brandradar.errors import BrandradarError, ConfigError

DEFAULT_CONFIG = Path("brandradar.yaml")
DEFAULT_DEMO_DIR = Path("brandradar-demo")


def _print_json(data: Any) -> None:
    print(json.dumps(data, indent=1, ensure_ascii=False, default=str))


def _date(value: str) -> datetime:
    try:
        return datetime.fromisoformat(value).replace(tzinfo=UTC)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {value!r}") from exc


def _period(ctx: Any, since: datetime | None,
            until: datetime | None) -> tuple[datetime | None, datetime | None]:
    """A period given as days (``--since`` first, ``--until`` last, both inclusive) as the
    instants [start, end) in the project's display time zone: the one definition the CLI, the
    dashboard and the reports share."""
    from zoneinfo import ZoneInfo

    tz = ZoneInfo(ctx.settings.display_timezone)
    start = since.replace(tzinfo=tz) if since else None
    end = until.replace(tzinfo=tz) + timedelta(days=1) if until else None
    if start and end and start >= end:
        raise ConfigError("--since must not be after --until")
    return start, end


def _progress() -> Callable[[str], None]:
    start = time.monotonic()

    def show(msg: str) -> None:
        print(f"[{time.monotonic() - start:6.1f}s] {msg}", file=sys.stderr, flush=True)

    return show


def _demo_project() -> Path:
    return Path(str(resources.files("brandradar.demo").joinpath("project.yaml")))


def cmd_demo(args: argparse.Namespace) -> int:
    from brandradar.demo.server import DemoServer
    from brandradar.settings import DEMO_AUTHOR_KEY
    from brandradar.stages import load_context, report_stage, run_pipeline

    show = _progress()
    ctx = load_context(_demo_project(), args.workdir, author_key=DEMO_AUTHOR_KEY)
    ctx.demo = True
    server = DemoServer(ctx.settings.demo_host, ctx.settings.demo_port_base)
    ctx.sources = server.rebase(ctx.sources)
    if server.host not in ctx.settings.allow_private_hosts:
        ctx.settings.allow_private_hosts.append(server.host)
    with server:
        show(f"demo web on {server.base_url('news')} … {server.base_url('reviews')} "
             f"({len(server.web.truth)} documents)")
        truth = ctx.workdir / "demo" / "ground_truth.jsonl"
        truth.parent.mkdir(parents=True, exist_ok=True)
        with truth.open("w", encoding="utf-8") as fh:
            for t in server.web.truth:
                fh.write(json.dumps({**t.__dict__, "published": t.published.isoformat(),
                                     "url": server.base_url(t.site) + t.path},
                                    ensure_ascii=False) + "\n")
        summary = run_pipeline(ctx, show)
    for fmt in ("html", "csv"):
        report_stage(ctx, fmt, ctx.workdir / f"report.{fmt}")
    show(f"report: {ctx.workdir / 'report.html'} and report.csv")
    show(f"indexed {summary['index']['documents']} documents, {summary['index']['mentions']} "
         f"mentions; {summary['analyse']['alerts']} alert(s)")
    if args.once:
        return 1 if summary.get("failed_sources") else 0
    return _serve(ctx, args.host, args.port, None, open_browser=not args.no_browser)


def _serve(ctx: Any, host: str, port: int, token: str | None, open_browser: bool = False) -> int:
    from brandradar.dashboards.web.server import serve

    httpd = serve(ctx, host, port, token)
    url = f"http://{host}:{httpd.server_address[1]}/" + (f"?token={token}" if token else "")
    print(f"dashboard: {url}", flush=True)
    if open_browser:
        webbrowser.open(url)
    try:
        httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        httpd.server_close()
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from brandradar.stages import load_context, run_pipeline

    ctx = load_context(args.config, args.workdir)
    summary = run_pipeline(ctx, _progress(), crawl=not args.no_crawl)
    _print_json({k: summary[k] for k in ("run_id", "index", "analyse")})
    return 1 if summary.get("failed_sources") else 0


def cmd_doctor(args: argparse.Namespace) -> int:
    from brandradar.doctor import check, quarantine

    findings = check(args.workdir)
    for f in findings:
        print(f"{f.path}: {f.problem} — {f.remedy}")
    if findings and args.repair:
        print(f"moved {len(findings)} file(s) to {quarantine(args.workdir, findings)}")
        return 0
    if not findings:
        print(f"{args.workdir}: every file reads")
    return 1 if findings else 0


def cmd_index(args: argparse.Namespace) -> int:
    from brandradar.stages import index_stage

    counts = index_stage(_ctx(args))
    _print_json(counts)
    return 0


def cmd_forget(args: argparse.Namespace) -> int:
    from brandradar.forget import forget

    record = forget(_ctx(args), author=args.author, url=args.url)
    _print_json(record)
    return 0


def cmd_reprocess(args: argparse.Namespace) -> int:
    from brandradar import reprocess
    from brandradar.stages import index_stage

    ctx = _ctx(args)
    if args.switch:
        previous = reprocess.switch(ctx.workdir, args.switch)
        index = index_stage(ctx)
        print(f"{args.switch} is active; the previous rows are kept as version {previous} "
              f"(switch back with --switch {previous}); indexed {index}")
        return 0
    method = args.sentiment or ctx.settings.sentiment
    vid, counts = reprocess.build_version(ctx.workdir, ctx.brands,
                                          ctx.settings.pseudonym_key(ctx.demo), method,
                                          ctx.project.topics, args.model)
    diff = reprocess.compare(ctx.workdir, vid)
    if args.json:
        _print_json({"counts": counts, **diff})
        return 0
    print(f"version {vid}: {counts.get('documents', 0)} documents, {counts.get('stories', 0)} "
          f"stories, {diff['new_mentions']} mentions "
          f"(active: {diff['active_mentions']}); {diff['same_mentions']} mentions in both")
    for flip, n in diff["label_changes"].items():
        print(f"  {flip}: {n}")
    for brand, b in diff["brands"].items():
        a, n = b["active"], b["new"]
        print(f"  {brand:<16} mentions {a['mentions']:>6} → {n['mentions']:<6} "
              f"negative {a['negative']:.1%} → {n['negative']:.1%}  "
              f"positive {a['positive']:.1%} → {n['positive']:.1%}")
    print(f"nothing active changed; make it active with: brandradar reprocess "
          f"--workdir {ctx.workdir} --switch {vid}")
    return 0


def _one_line(text: str, width: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def cmd_label_set(args: argparse.Namespace) -> int:
    from brandradar.labels import correct

    c = correct(args.workdir, args.mention_id, args.label, args.by)
    change = f"{c.new} confirmed" if c.old == c.new else f"{c.old} → {c.new}"
    print(f"{c.mention_id} ({c.brand}, {c.language}): {change}, by {c.by}; the metrics "
          f"show it from the next index (brandradar run, or reprocess --switch)")
    return 0


def cmd_label_list(args: argparse.Namespace) -> int:
    from brandradar.labels import corrections

    rows = corrections(args.workdir, args.mention_id)
    if args.json:
        _print_json([c.as_json() for c in rows])
        return 0
    for c in rows:
        print(f"{c.at:%Y-%m-%d %H:%M} UTC  {c.by:<12} {c.mention_id}  {c.brand:<16} {c.language}  "
              f"{c.old:>8} → {c.new:<8}  {_one_line(c.text, 60)}")
    mentions = len({c.mention_id for c in rows})
    print(f"{len(rows)} correction{'s' * (len(rows) != 1)} of {mentions} "
          f"mention{'s' * (mentions != 1)}")
    return 0


def cmd_label_queue(args: argparse.Namespace) -> int:
    from brandradar.labels import current_corrections

    # Corrections made since the last index are not in the store yet: left out here too.
    done = current_corrections(args.workdir)
    store = _store(_ctx(args))
    try:
        todo = [m for m in store.label_queue(args.brand, args.sentiment, args.limit + len(done))
                if m.mention_id not in done][: args.limit]
    finally:
        store.close()
    if args.json:
        _print_json([vars(m) for m in todo])
        return 0
    for m in todo:
        print(f"{m.mention_id}  {m.brand:<16} {m.language}  {m.sentiment:>8} "
              f"{m.score:+.2f}  {_one_line(m.span_text, 80)}")
    return 0


def cmd_label_train(args: argparse.Namespace) -> int:
    from brandradar.labels import current_corrections
    from brandradar.nlp.project_head import project_model, save_project_model
    from brandradar.nlp.sentiment_model import model

    corrections = list(current_corrections(args.workdir).values())
    if not corrections:
        raise ConfigError(f"{args.workdir}: no label corrections yet (brandradar label set)")
    data = project_model(model(), [c.text for c in corrections], [c.new for c in corrections],
                         [c.language for c in corrections])
    path = save_project_model(data, args.workdir / "models")
    per_lang = Counter(c.language for c in corrections)
    print(f"{path}: heads moved toward {len(corrections)} corrected label"
          f"{'s' * (len(corrections) != 1)} ("
          + ", ".join(f"{lang} {n}" for lang, n in sorted(per_lang.items())) + ")")
    print(f"compare with the active rows: brandradar reprocess --workdir {args.workdir} "
          f"--model {path}")
    return 0


def _ctx(args: argparse.Namespace) -> Any:
    from brandradar.stages import context_from_workdir

    return context_from_workdir(args.workdir)


def _store(ctx: Any) -> Any:
    from brandradar.index.store import STORE_FILE, open_store
    from brandradar.storage import shared_copy

    # A team deployment's reader takes the store the last run published on shared storage.
    copy = shared_copy(ctx.settings)
    if copy is not None:
        copy.pull([STORE_FILE])
    return open_store(ctx.settings, read_only=True)


def cmd_sov(args: argparse.Namespace) -> int:
    from brandradar.index.analytics import share_of_voice
    from brandradar.index.store import Filters

    ctx = _ctx(args)
    filters = Filters(tuple(args.kind or ()), tuple(args.language or ()),
                      tuple(args.sentiment or ()), tuple(args.source or ()))
    weights = ctx.project.source_weights if args.reach else None
    store = _store(ctx)
    try:
        since, until = _period(ctx, args.since, args.until)
        rows = share_of_voice(store, ctx.brands, since, until, per_story=args.per_story,
                              filters=filters, weights=weights)
        undated = store.counts()["undated_mentions"] if args.since or args.until else 0
    finally:
        store.close()
    if args.json:
        _print_json(rows)
    else:
        for r in rows:
            state = " (too few mentions)" if r["too_few"] else ""
            reach = f"  reach {r['reach']:>8g}" if "reach" in r else ""
            print(f"{r['brand']:<20} {r['mentions']:>6}{reach}  {r['share']:6.1%}  "
                  f"[{r['ci_low']:.1%} – {r['ci_high']:.1%}]{state}")
    if undated:
        # On stderr with --json, so the JSON stays one list.
        print(f"{undated} mentions in documents without a date are in no period and left out "
              f"(brandradar sources health shows the sources)",
              file=sys.stderr if args.json else sys.stdout)
    return 0


def cmd_authors(args: argparse.Namespace) -> int:
    from brandradar.index.analytics import author_segments

    ctx = _ctx(args)
    store = _store(ctx)
    try:
        names = [b.strip() for b in (args.brands or "").split(",") if b.strip()]
        brands = tuple(b.name for b in ctx.pick_brands(names, "authors")) if names else ()
        rows = author_segments(store, *_period(ctx, args.since, args.until), brands=brands)
    finally:
        store.close()
    if args.segment:
        rows = [r for r in rows if r["segment"] == args.segment]
    if args.json:
        _print_json(rows)
        return 0
    for r in rows[: args.limit]:
        source = ctx.source_names.get(r["source"], r["source"])
        print(f"{r['segment']:<11} {r['author']}  {source:<18} {r['posts']:>4} posts "
              f"{r['mentions']:>4} mentions  +{r['positive']} -{r['negative']} ={r['neutral']}  "
              f"{r['replies']} replies")
    counts = Counter(r["segment"] for r in rows)
    print(", ".join(f"{n} {seg}" for seg, n in counts.items()) or "no authors")
    return 0


def cmd_alerts(args: argparse.Namespace) -> int:
    from brandradar.teamstate import engine_for
    from brandradar.teamstate.alerts import current

    ctx = _ctx(args)
    store = _store(ctx)
    try:
        rows = store.alerts()
    finally:
        store.close()
    states = current(engine_for(ctx.workdir, ctx.settings.state_url_value()),
                     [a["alert_id"] for a in rows])
    if args.json:
        _print_json([{**a, "workflow": states[a["alert_id"]].as_json()
                      if a["alert_id"] in states else {"status": "open"}} for a in rows])
    else:
        for a in rows:
            state = states.get(a["alert_id"])
            who = f" ({state.assignee})" if state is not None and state.assignee else ""
            print(f"{a['alert_id']}  {a['start'][:16]} UTC  {a['kind']:<6} {a['brand']:<14} "
                  f"severity {a['severity']}  {state.status if state else 'open'}{who}: "
                  f"{a['explanation']['summary']}")
        if not rows:
            print("no alerts")
    return 0


def cmd_alert_set(args: argparse.Namespace) -> int:
    from brandradar.teamstate import engine_for
    from brandradar.teamstate.alerts import record

    ctx = _ctx(args)
    store = _store(ctx)
    try:
        known = {a["alert_id"] for a in store.alerts()}
    finally:
        store.close()
    if args.alert_id not in known:
        raise ConfigError(f"alert {args.alert_id}: not among the project's alerts "
                          "(brandradar alerts lists them)")
    event = record(engine_for(ctx.workdir, ctx.settings.state_url_value()), args.alert_id,
                   args.status, args.by, args.assign, args.note)
    who = f", handled by {event.assignee}" if event.assignee else ""
    print(f"{event.alert_id}: {event.status}{who} (by {event.by}, "
          f"{event.at:%Y-%m-%d %H:%M} UTC)")
    return 0


def cmd_alert_history(args: argparse.Namespace) -> int:
    from brandradar.teamstate import engine_for
    from brandradar.teamstate.alerts import history

    ctx = _ctx(args)
    events = history(engine_for(ctx.workdir, ctx.settings.state_url_value()), args.alert_id)
    if args.json:
        _print_json([e.as_json() for e in events])
        return 0
    for e in events:
        extra = "".join(f"  {k}: {v}" for k, v in (("handled by", e.assignee),
                                                   ("note", e.note)) if v)
        print(f"{e.at:%Y-%m-%d %H:%M} UTC  {e.by:<12} {e.status}{extra}")
    if not events:
        print(f"{args.alert_id}: open, nobody has changed it")
    return 0


def cmd_trends(args: argparse.Namespace) -> int:
    ctx = _ctx(args)
    if args.since or args.until:
        from brandradar.index.analytics import trending_topics

        # A picked period is one window, ending after its last day; the baseline is the
        # configured number of days before it.
        since, until = _period(ctx, args.since, args.until)
        end = until or datetime.now(UTC)
        windows = [int((end - since).total_seconds() // 3600)] if since else None
        if windows is not None and windows[0] <= 0:
            raise ConfigError("trends: --since must be before --until")
        store = _store(ctx)
        try:
            rows = trending_topics(store, ctx.project.trends, end, args.brand, windows)
        finally:
            store.close()
    else:
        store = _store(ctx)
        try:
            rows = [t for t in store.trends() if t.brand == args.brand]
        finally:
            store.close()
    if args.json:
        _print_json([vars(t) for t in rows])
    else:
        for t in rows:
            also = f"  (also: {', '.join(t.variants)})" if t.variants else ""
            print(f"{t.window_hours:>4} h  {t.state:<9} {t.phrase:<30} "
                  f"{t.documents} docs ({t.baseline_documents} before, {t.domains} sites)"
                  f"{also}")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from brandradar.stages import report_stage

    ctx = _ctx(args)
    since, until = _period(ctx, args.since, args.until)
    brands = [b.strip() for b in args.brands.split(",") if b.strip()] if args.brands else None
    out = report_stage(ctx, args.format, args.out, since, until, brands, args.table)
    print(out)
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    return _serve(_ctx(args), args.host, args.port, args.token)


def cmd_kibana_build(args: argparse.Namespace) -> int:
    from brandradar.dashboards.kibana.build import MINIMUM_KIBANA, build_ndjson
    from brandradar.settings import Settings

    n = build_ndjson(args.out, Settings().es_index_prefix)
    print(f"{args.out}: {n} saved objects (Kibana {MINIMUM_KIBANA} or later)")
    return 0


def cmd_kibana_import(args: argparse.Namespace) -> int:
    from brandradar.dashboards.kibana.build import build_ndjson
    from brandradar.dashboards.kibana.importer import import_ndjson
    from brandradar.settings import Settings

    settings = Settings()
    url = args.url or settings.kibana_url
    if not url:
        raise ConfigError("kibana import: give --url or set BRANDRADAR_KIBANA_URL")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "kibana.ndjson"
        build_ndjson(path, settings.es_index_prefix)
        key = settings.kibana_api_key.get_secret_value() if settings.kibana_api_key else None
        answer = import_ndjson(url, path.read_bytes(), key, args.space)
    print(f"{url}: imported {answer.get('successCount', 0)} saved objects (overwrite)")
    return 0


def cmd_extract(args: argparse.Namespace) -> int:
    from brandradar.crawlers.parsers import decode_html, extract_page
    from brandradar.nlp.langid import detect
    from brandradar.sources import Source

    if not args.page.exists():
        raise ConfigError(f"{args.page}: file not found")
    html = decode_html(args.page.read_bytes(), None)
    source = Source(name="cli", kind="forum", feeds=[args.url], engine=args.engine)
    docs = extract_page(html, args.url, source, datetime.now(UTC))
    out: list[dict[str, Any]] = [{"post_id": d.post_id, "title": d.title, "author": d.author,
            "published": d.published.isoformat() if d.published else None,
            "text": d.text, "reply_to": d.reply_to, "rating": d.rating, "product": d.product,
            "language": detect(d.text, d.language), "url": d.url, "parser": d.parser}
           for d in docs]
    if args.json:
        _print_json(out)
        return 0
    for row in out:
        print(f"{row['title']}\n{row['published']} · {row['author']} · {row['language']}"
              f"{' · post ' + row['post_id'] if row['post_id'] else ''}"
              f"{' · reply to ' + row['reply_to'] if row['reply_to'] else ''}"
              f"{' · rating ' + format(row['rating'], '.2f') if row['rating'] is not None else ''}"
              f" · {row['parser']}\n")
        print(row["text"], end="\n\n")
    return 0


def cmd_annotate(args: argparse.Namespace) -> int:
    from brandradar.config import load_brands
    from brandradar.nlp.pipeline import Annotator, parse_item

    annotator = Annotator(load_brands(args.brands), keyphrases=False)
    batch: list[tuple[Any, str, str | None]] = []

    def flush() -> None:
        notes = annotator.annotate((text, lang) for _, text, lang in batch)
        for (doc_id, _, _), a in zip(batch, notes, strict=True):
            print(json.dumps({"id": doc_id, "lang": a.lang, "mentions": [
                {"brand": m.brand, "start": m.start, "end": m.end, "sentiment": m.sentiment,
                 "score": m.score} for m in a.mentions]}, ensure_ascii=False))
        batch.clear()

    for n, line in enumerate(sys.stdin, 1):
        if not line.strip():
            continue
        batch.append(parse_item(line, f"stdin line {n}"))
        if len(batch) >= 1000:
            flush()
    flush()
    return 0


def cmd_es_reindex(args: argparse.Namespace) -> int:
    from brandradar.extras import require

    require("elasticsearch")
    from brandradar.index.elasticsearch.store import ElasticsearchStore
    from brandradar.settings import load_settings

    store = ElasticsearchStore.from_settings(load_settings())
    try:
        result = store.reindex(args.kind, delete_old=args.delete_old)
    finally:
        store.close()
    print(f"{result['alias']}: {result['rows']} rows copied from {', '.join(result['from'])} to "
          f"{result['to']}; the alias now points to {result['to']}"
          + ("; old indices deleted" if result["old_deleted"] else
             "; old indices kept (delete them when satisfied)"))
    return 0


def cmd_brands_test(args: argparse.Namespace) -> int:
    from brandradar.config import load_brands
    from brandradar.nlp.brand_test import explain, read_texts, render, summary

    records = explain(load_brands(args.brands), list(read_texts(args.file)))
    if args.json:
        _print_json({"texts": records, "summary": summary(records)})
    else:
        print(render(records, args.all))
    return 0


def cmd_sources_list(args: argparse.Namespace) -> int:
    from brandradar.crawlers.sources import load_source, source_names, sources_table
    from brandradar.stages import load_context

    if args.markdown:
        print(sources_table(), end="")
        return 0
    if args.config.exists():
        sources = load_context(args.config, args.workdir).sources
    else:
        sources = [load_source(n) for n in source_names()]
    from brandradar.health import source_health

    health = {h["source"]: h for h in source_health(args.workdir)} \
        if (args.workdir / "runs").is_dir() else {}

    def last_health(name: str) -> str:
        h = health.get(name)
        if h is None:
            return "never run"
        return ", ".join(h["flags"]) or f"ok ({h['run_id']})"

    rows: list[dict[str, Any]] = [
        {"name": s.name, "kind": s.kind, "languages": s.languages, "discovery": s.discovery(),
         "browser": s.needs_browser, "health": last_health(s.name)} for s in sources]
    if args.json:
        _print_json(rows)
    else:
        for r in rows:
            print(f"{r['name']:<24} {r['kind']:<7} {','.join(r['languages']):<6} "
                  f"{r['discovery']:<16} {'browser' if r['browser'] else '-':<8} {r['health']}")
    return 0


def _recordings_of(name: str, folder: Path) -> Path:
    """Where a source's recorded pages are: ``<folder>/sources/<name>/`` for a project's source,
    the checkout's ``tests/fixtures/pages/<name>/`` for a shipped one."""
    own = folder / "sources" / name
    if own.is_dir():
        return own
    shipped = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "pages" / name
    if shipped.is_dir():
        return shipped
    raise ConfigError(f"{own}: no recordings of {name!r} (record a page with "
                      f"'brandradar sources new')")


def cmd_sources_new(args: argparse.Namespace) -> int:
    from brandradar.crawlers.authoring import new_source
    from brandradar.settings import Settings

    written, found = new_source(args.name, args.url, args.kind, args.dir, Settings(),
                                args.language)
    for note in found.notes:
        print(f"{args.name}: {note}")
    for path in written:
        print(f"wrote {path}")
    print(f"next: check listing.start_urls in {written[0]}, run 'brandradar sources test "
          f"{args.name}' and read expected.json, then add {args.name} to source_files")
    return 0


def cmd_sources_test(args: argparse.Namespace) -> int:
    from brandradar.crawlers.authoring import test_source
    from brandradar.crawlers.sources import load_source

    source = load_source(args.name, args.dir)
    results = test_source(source, _recordings_of(args.name, args.dir), write=args.write)
    failed = False
    for tested in results:
        print(f"{tested.folder}: " + (tested.error or f"{len(tested.rows)} documents"))
        failed |= tested.error is not None
        for row in tested.rows:
            text = " ".join(str(row.get("text") or "").split())
            print(f"  {row.get('post_id') or '-':<10} {row.get('published') or 'undated':<26} "
                  f"{(row.get('author') or '-')[:20]:<20} {text[:70]}")
        for diff in tested.differences:
            print(f"  differs: {diff}")
        failed |= bool(tested.differences)
        if args.write:
            print(f"  wrote {tested.folder / 'expected.json'} (read it before you trust it)")
    return 1 if failed else 0


def cmd_sources_check(args: argparse.Namespace) -> int:
    from brandradar.crawlers.authoring import check_source, recordings
    from brandradar.crawlers.sources import load_source
    from brandradar.settings import Settings

    source = load_source(args.name, args.dir)
    root = _recordings_of(args.name, args.dir)
    problems = []
    for pages in recordings(root):
        where = f"{pages.relative_to(root)}: " if pages != root else ""
        problems += [f"{where}{p}" for p in check_source(source, pages, Settings())]
    for p in problems:
        print(f"{args.name}: {p}")
    if not problems:
        print(f"{args.name}: the live pages still fill every golden field")
    return 1 if problems else 0


def cmd_sources_health(args: argparse.Namespace) -> int:
    from brandradar.health import source_health

    if not (args.workdir / "runs").is_dir():
        raise ConfigError(f"{args.workdir / 'runs'}: not found (no pipeline run in this directory)")
    rows = source_health(args.workdir)
    if args.json:
        _print_json(rows)
        return 0
    print(f"{'source':<22} {'run':<16} {'found':>6} {'fetched':>7} {'304':>4} {'failed':>6} "
          f"{'docs':>6} {'new':>5} {'empty':>5}  newest            flags")
    for r in rows:
        failed = sum(r["failed"].values())
        newest = (r["newest_document"] or "-")[:16]
        print(f"{r['source']:<22} {r['run_id']:<16} {r['discovered']:>6} {r['fetched']:>7} "
              f"{r['not_modified']:>4} {failed:>6} {r['documents']:>6} {r['new_documents']:>5} "
              f"{r['empty_extractions']:>5}  {newest:<17} {', '.join(r['flags']) or 'ok'}")
    return 1 if any(r["flags"] for r in rows) else 0


def _workdir_for_each(group: Any) -> None:
    """Give every command of a group the ``--workdir`` option (the demo's by default)."""
    for sp in group.choices.values():
        sp.add_argument("--workdir", type=Path, default=DEFAULT_DEMO_DIR,
                        help=f"work directory (default: {DEFAULT_DEMO_DIR})")


def _command(sub: Any, name: str, fn: Callable[[argparse.Namespace], int], help_: str,
             description: str | None = None) -> argparse.ArgumentParser:
    sp: argparse.ArgumentParser = sub.add_parser(name, help=help_, description=description or help_)
    sp.set_defaults(fn=fn)
    return sp


def _group(sub: Any, name: str, help_: str, description: str | None = None) -> Any:
    """A command with commands of its own (``brandradar NAME COMMAND``): their subparsers."""
    sp = sub.add_parser(name, help=help_, description=description or help_)
    return sp.add_subparsers(dest=f"{name}_command", required=True, metavar="COMMAND")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand."""
    p = argparse.ArgumentParser(prog="brandradar", description=(
        "Brand and competitor listening: crawl news, blogs, forums and reviews, find brand "
        "mentions with their sentiment, and report share of voice, trends and alerts."))
    p.add_argument("-v", "--verbose", action="store_true", help="log more")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, fn: Callable[[argparse.Namespace], int], help_: str,
            workdir: Path | None = None) -> argparse.ArgumentParser:
        sp = _command(sub, name, fn, help_)
        if workdir is not None:
            sp.add_argument("--workdir", type=Path, default=workdir,
                            help=f"work directory (default: {workdir})")
        return sp

    sp = add("demo", cmd_demo, "Start the demo web, run the whole pipeline on it, open the "
             "dashboard.", DEFAULT_DEMO_DIR)
    sp.add_argument("--once", action="store_true", help="exit after writing the report")
    sp.add_argument("--host", default="127.0.0.1")
    sp.add_argument("--port", type=int, default=8780)
    sp.add_argument("--no-browser", action="store_true", help="only print the dashboard URL")

    sp = add("run", cmd_run, "Run crawl → extract → enrich → index → analyse for a project.",
             Path("brandradar-data"))
    sp.add_argument("--config", type=Path, default=DEFAULT_CONFIG)
    sp.add_argument("--no-crawl", action="store_true", help="re-process the raw archive only")

    sp = add("doctor", cmd_doctor, "Check every file of a work directory the stages read back; "
             "name what is broken and what to do.", Path("brandradar-data"))
    sp.add_argument("--repair", action="store_true",
                    help="move broken files to quarantine/ (the next run rebuilds what it can)")

    add("index", cmd_index, "Take the enriched partitions that changed since the last index (and "
        "new label corrections) into the metrics store and, when configured, the Elasticsearch "
        "projection.", Path("brandradar-data"))

    sp = add("forget", cmd_forget, "Erase a person's posts (and name) or one page from the raw "
             "archive and every stage after it; writes an audit record naming no one "
             "(docs/privacy.md). The pseudonym key comes from BRANDRADAR_AUTHOR_KEY.",
             DEFAULT_DEMO_DIR)
    who = sp.add_mutually_exclusive_group(required=True)
    who.add_argument("--author", help="the author name as the site shows it")
    who.add_argument("--url", help="the page's URL as archived")
    sp = add("reprocess", cmd_reprocess, "Enrich the stored documents again with the current "
             "models into a new version beside the active rows, and compare; --switch makes a "
             "version active.", DEFAULT_DEMO_DIR)
    sp.add_argument("--sentiment", choices=["model", "lexicon"],
                    help="sentiment method (default: the work directory's setting)")
    sp.add_argument("--switch", metavar="VERSION", help="make this version active and re-index")
    sp.add_argument("--model", type=Path, help="a project sentiment model file written by "
                    "'brandradar label train' (default: the active version's model)")
    sp.add_argument("--json", action="store_true")

    lb_sub = _group(sub, "label", "Correct mention sentiment labels; teach the project.",
                    "Correct mention sentiment labels (kept with who and when) "
                    "and train the project's own sentiment heads from them.")
    sp = _command(lb_sub, "set", cmd_label_set, "Correct the label of one mention.")
    sp.add_argument("mention_id")
    sp.add_argument("label", choices=["negative", "neutral", "positive"])
    sp.add_argument("--by", required=True, help="who corrects (kept with the correction)")
    sp = _command(lb_sub, "list", cmd_label_list, "Every correction, oldest first.")
    sp.add_argument("--mention-id", help="only the corrections of this mention")
    sp.add_argument("--json", action="store_true")
    sp = _command(lb_sub, "queue", cmd_label_queue, "Mentions to review, least certain first "
                  "(not yet corrected).")
    sp.add_argument("--brand")
    sp.add_argument("--sentiment", choices=["negative", "neutral", "positive"])
    sp.add_argument("--limit", type=int, default=20)
    sp.add_argument("--json", action="store_true")
    sp = _command(lb_sub, "train", cmd_label_train, "Train the project's sentiment heads from "
                  "the corrections into a new model file (compare and switch with reprocess).")
    _workdir_for_each(lb_sub)

    al_sub = _group(sub, "alert", "Acknowledge, assign, resolve or dismiss an alert.",
                    "The team's work on an alert: its state (open, "
                    "acknowledged, resolved, dismissed), who handles it, and its history.")
    sp = _command(al_sub, "set", cmd_alert_set, "Change an alert's state.")
    sp.add_argument("alert_id")
    sp.add_argument("status", help="open, acknowledged, resolved or dismissed")
    sp.add_argument("--by", required=True, help="who changes it (kept with the change)")
    sp.add_argument("--assign", metavar="PERSON", help="who handles it from now on")
    sp.add_argument("--note", help="why (kept with the change)")
    sp = _command(al_sub, "history", cmd_alert_history, "Every change of one alert.")
    sp.add_argument("alert_id")
    sp.add_argument("--json", action="store_true")
    _workdir_for_each(al_sub)

    for name, fn, help_ in (("sov", cmd_sov, "Share of voice per brand."),
                            ("alerts", cmd_alerts, "Spike and crisis alerts with explanations."),
                            ("trends", cmd_trends, "Trending topics.")):
        sp = add(name, fn, help_, DEFAULT_DEMO_DIR)
        sp.add_argument("--json", action="store_true", help="print JSON")
        if name == "sov":
            sp.add_argument("--since", type=_date, help="first day (YYYY-MM-DD)")
            sp.add_argument("--until", type=_date, help="last day, inclusive (YYYY-MM-DD)")
            sp.add_argument("--per-story", action="store_true",
                            help="count each story (syndicated copies) once")
            sp.add_argument("--reach", action="store_true",
                            help="weight each document by its source's weight (source_weights)")
            for flag, what in (("--kind", "source kind"), ("--language", "language"),
                               ("--sentiment", "mention sentiment"), ("--source", "source")):
                sp.add_argument(flag, action="append", help=f"only this {what} (repeatable)")
        if name == "trends":
            sp.add_argument("--brand", help="trends in documents that mention this brand")
            sp.add_argument("--since", type=_date, help="first day of a period to compute the "
                            "trends of (one window: the period, against the days before it)")
            sp.add_argument("--until", type=_date, help="last day, inclusive (default: now)")

    sp = add("authors", cmd_authors, "Author segments of forums and reviews (pseudonymous): "
             "influencers, critics, advocates, observers, occasional.", DEFAULT_DEMO_DIR)
    sp.add_argument("--since", type=_date, help="first day (YYYY-MM-DD)")
    sp.add_argument("--until", type=_date, help="last day, inclusive (YYYY-MM-DD)")
    sp.add_argument("--segment", choices=["influencer", "critic", "advocate", "observer",
                                          "occasional"])
    sp.add_argument("--brands", help="comma-separated brands: their posts and mentions only "
                    "(default: every post)")
    sp.add_argument("--limit", type=int, default=20, help="rows to print (text output)")
    sp.add_argument("--json", action="store_true")

    sp = add("report", cmd_report, "Write the competitor report for a period (default: the last "
             "7 days, compared with the 7 days before) as HTML, PDF, XLSX, CSV or JSON.",
             DEFAULT_DEMO_DIR)
    sp.add_argument("--format", choices=["html", "pdf", "xlsx", "csv", "json"], default="html")
    sp.add_argument("--out", type=Path, required=True)
    sp.add_argument("--since", type=_date, help="first day (YYYY-MM-DD)")
    sp.add_argument("--until", type=_date, help="last day, inclusive (YYYY-MM-DD)")
    sp.add_argument("--brands", help="comma-separated brands (default: all)")
    sp.add_argument("--table", choices=["brands", "mentions"], default="brands",
                    help="the CSV's table: one row per brand, or the period's mentions (one row "
                    "per brand and document, as the share counts; XLSX holds both)")

    sp = add("serve", cmd_serve, "Serve the web dashboard of a work directory.", DEFAULT_DEMO_DIR)
    sp.add_argument("--host", default="127.0.0.1")
    sp.add_argument("--port", type=int, default=8780)
    sp.add_argument("--token", help="required when binding to a non-loopback address")

    kb_sub = _group(sub, "kibana", "Kibana saved objects.")
    sp = _command(kb_sub, "build", cmd_kibana_build, "Build the NDJSON file for Kibana's import API.")
    sp.add_argument("--out", type=Path, required=True)
    sp = _command(kb_sub, "import", cmd_kibana_import, "Import the saved objects into Kibana "
                  "(saved-objects import API, overwrite). API key: BRANDRADAR_KIBANA_API_KEY.")
    sp.add_argument("--url", help="Kibana base URL (default: BRANDRADAR_KIBANA_URL)")
    sp.add_argument("--space", help="Kibana space id (default: the default space)")

    sp = add("extract", cmd_extract, "Extract the documents of one saved HTML page with no "
             "configuration: one per post or review on forum threads and review pages "
             "(engine presets, schema.org markup), else the article.")
    sp.add_argument("page", type=Path)
    sp.add_argument("--url", required=True, help="the URL the page was fetched from")
    sp.add_argument("--engine", choices=["phpbb", "vbulletin", "xenforo", "discourse",
                                         "invision", "smf", "mybb"],
                    help="read the page with this engine's preset instead of detecting it")
    sp.add_argument("--json", action="store_true", help="a JSON list of documents")

    sp = add("annotate", cmd_annotate, "Read JSON lines {id, text, lang?} on stdin, write brand "
             "mentions with sentiment as JSON lines.")
    sp.add_argument("--brands", type=Path, required=True, help="brands file (YAML)")

    es_sub = _group(sub, "es", "Elasticsearch maintenance.",
                    "Elasticsearch maintenance (BRANDRADAR_ES_URL, _ES_API_KEY).")
    sp = _command(es_sub, "reindex", cmd_es_reindex, "Copy an index kind into a new index from "
                  "the current template and switch its alias in one step (after a mapping change).")
    sp.add_argument("kind", choices=["documents", "mentions", "alerts"])
    sp.add_argument("--delete-old", action="store_true", help="delete the old indices afterwards")

    br_sub = _group(sub, "brands", "Brand definitions.")
    sp = _command(br_sub, "test", cmd_brands_test, "Show which texts a brands file matches and "
                  "why (and which alias matches do not count, and why).")
    sp.add_argument("brands", type=Path, help="brands file (YAML)")
    sp.add_argument("file", type=Path,
                    help="texts: one per line, or JSON lines {text, lang?} (.jsonl)")
    sp.add_argument("--all", action="store_true", help="list texts without any match too")
    sp.add_argument("--json", action="store_true")

    src_sub = _group(sub, "sources", "Declared sources.")
    sp = _command(src_sub, "list", cmd_sources_list,
                  "List sources with kind, discovery, browser flag and last health.")
    sp.add_argument("--config", type=Path, default=DEFAULT_CONFIG)
    sp.add_argument("--workdir", type=Path, default=Path("brandradar-data"),
                    help="work directory whose runs give the last health")
    sp.add_argument("--json", action="store_true")
    sp.add_argument("--markdown", action="store_true",
                    help="the table of shipped source files, as in docs/sources.md")
    sp = _command(src_sub, "new", cmd_sources_new, "Record one page (feed, article, forum "
                  "thread, review page), tell its engine or schema.org markup, and write the "
                  "source as YAML into the project's sources/ folder with the page and a golden "
                  "file.")
    sp.add_argument("name")
    sp.add_argument("--url", required=True, help="a feed, or a page of the site to record")
    sp.add_argument("--kind", required=True, choices=["news", "blog", "forum", "review"])
    sp.add_argument("--language", action="append", help="language code (repeatable)")
    sp.add_argument("--dir", type=Path, default=Path("."),
                    help="the project folder (the one with the project config; default: .)")
    sp = _command(src_sub, "test", cmd_sources_test, "Print what a source's parser makes of "
                  "its recorded pages and compare with their expected.json (exit 1 on a "
                  "difference).")
    sp.add_argument("name")
    sp.add_argument("--dir", type=Path, default=Path("."), help="the project folder")
    sp.add_argument("--write", action="store_true",
                    help="write expected.json from what the parser makes now")
    sp = _command(src_sub, "check", cmd_sources_check, "Fetch a source's recorded URLs live and "
                  "report golden fields its parser no longer fills (layout drift; exit 1).")
    sp.add_argument("name")
    sp.add_argument("--dir", type=Path, default=Path("."), help="the project folder")
    sp = _command(src_sub, "health", cmd_sources_health,
                  "Coverage of the last run per source, with breakage flags (exit 1 when a source "
                  "is flagged).",
                  "Coverage of the last run per source: pages discovered, fetched, not modified, "
                  "failed; documents, new documents, empty extractions; flags when a source looks "
                  "broken rather than quiet.")
    sp.add_argument("--workdir", type=Path, default=DEFAULT_DEMO_DIR)
    sp.add_argument("--json", action="store_true")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``brandradar`` command."""
    args = build_parser().parse_args(argv)
    from brandradar.stages import PRIVATE_UMASK

    os.umask(PRIVATE_UMASK)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if not args.verbose:
        # The client logs every retry with a traceback; what failed is reported once, below.
        logging.getLogger("elastic_transport").setLevel(logging.ERROR)
    try:
        code: int = args.fn(args)
        return code
    except BrandradarError as exc:
        print(f"brandradar: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
