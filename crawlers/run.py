"""Running crawls: Scrapy settings from brandradar settings, and a child process per crawl.

Scrapy's Twisted reactor cannot be restarted in one process, and Airflow's ``dag.test()`` runs all
tasks in one process, so every crawl runs in a child process (``python -m
brandradar.crawlers.run JOB.json``), in production and in tests alike. The child writes the
per-source stats next to the job file; the parent reads them back.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from brandradar.errors import TransientError
from brandradar.settings import Settings
from brandradar.sources import Source


def allowed_hosts(settings: Settings) -> frozenset[str]:
    """The private hosts a crawl may reach (``allow_private_hosts``), as the guards compare
    them: lower case."""
    return frozenset(h.lower() for h in settings.allow_private_hosts)


def scrapy_settings(settings: Settings, run_id: str) -> dict[str, Any]:
    """Scrapy settings of every crawl: politeness, safety, archive pipeline (a source with
    browser pages adds :func:`browser_settings`)."""
    return {
        "BOT_NAME": "brandradar",
        "USER_AGENT": settings.ua(),
        "ROBOTSTXT_OBEY": True,
        "TELNETCONSOLE_ENABLED": False,
        "REMOTE_CONTROL_ENABLED": False,
        "LOG_LEVEL": "WARNING",
        "CONCURRENT_REQUESTS": 32,
        "CONCURRENT_REQUESTS_PER_DOMAIN": settings.concurrent_requests_per_domain,
        "DOWNLOAD_DELAY": settings.download_delay,
        "AUTOTHROTTLE_ENABLED": settings.autothrottle,
        "DOWNLOAD_MAXSIZE": settings.download_maxsize,
        "DOWNLOAD_WARNSIZE": settings.download_maxsize // 2,
        "DOWNLOAD_TIMEOUT": settings.download_timeout,
        "RETRY_HTTP_CODES": [429, 500, 502, 503, 504, 522, 524, 408],
        "BRANDRADAR_WORKDIR": str(settings.workdir),
        "BRANDRADAR_RUN_ID": run_id,
        "BRANDRADAR_ALLOW_HOSTS": sorted(allowed_hosts(settings)),
        "BRANDRADAR_INCREMENTAL": settings.incremental,
        "RETRY_TIMES": settings.retry_times,
        "BRANDRADAR_RETRY_BACKOFF": settings.retry_backoff,
        "BRANDRADAR_RETRY_MAX_DELAY": settings.retry_max_delay,
        "BRANDRADAR_ARTICLE_RETRY_WAIT": settings.article_retry_wait,
        "BRANDRADAR_ARTICLE_RETRY_ATTEMPTS": settings.article_retry_attempts,
        "DOWNLOADER_MIDDLEWARES": {
            "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
            "brandradar.crawlers.retry.BackoffRetryMiddleware": 550,
            "brandradar.crawlers.safety.AddressGuardMiddleware": 50,
            "brandradar.crawlers.fetchlog.FetchLogMiddleware": 951,
        },
        "ITEM_PIPELINES": {"brandradar.crawlers.archive.WarcArchivePipeline": 300},
        "TWISTED_REACTOR": "twisted.internet.asyncioreactor.AsyncioSelectorReactor",
        "TWISTED_DNS_RESOLVER": "brandradar.crawlers.safety.GuardedResolver",
    }


def browser_settings(settings: Settings, proxy_port: int) -> dict[str, Any]:
    """What only a source with browser pages gets: the Playwright download handler (it starts a
    Playwright driver with its crawler, so sources without a browser never get one), with
    Chromium's every connection through the guard proxy on ``proxy_port``
    (:mod:`brandradar.crawlers.browser_proxy`) and service workers blocked."""
    from brandradar.crawlers.safety import playwright_abort

    return {
        "DOWNLOAD_HANDLERS": {
            "http": "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler",
            "https": "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler",
        },
        "PLAYWRIGHT_BROWSER_TYPE": "chromium",
        "PLAYWRIGHT_LAUNCH_OPTIONS": {
            "executable_path": settings.browser_executable,
            "headless": True,
            "args": ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                     "--disable-background-networking", "--disable-component-update",
                     "--disable-sync", "--no-first-run",
                     f"--proxy-server=http://127.0.0.1:{proxy_port}",
                     # Chromium sends loopback past any proxy unless told not to.
                     "--proxy-bypass-list=<-loopback>",
                     # WebRTC may open UDP past the proxy.
                     "--force-webrtc-ip-handling-policy=disable_non_proxied_udp"],
        },
        "PLAYWRIGHT_CONTEXTS": {"default": {"service_workers": "block"}},
        "PLAYWRIGHT_MAX_PAGES_PER_CONTEXT": 8,
        "PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT": int(settings.download_timeout * 1000),
        "PLAYWRIGHT_ABORT_REQUEST": playwright_abort(allowed_hosts(settings)),
    }


def _child(job_path: Path) -> int:
    from scrapy.crawler import CrawlerProcess

    from brandradar.crawlers.spiders.source_spider import SourceSpider

    _die_with_parent()
    job = json.loads(job_path.read_text())
    settings = Settings.model_validate(job["settings"])
    sources = [Source.model_validate(s) for s in job["sources"]]
    process = CrawlerProcess(scrapy_settings(settings, job["run_id"]))
    browser_spider: type[SourceSpider] = SourceSpider
    proxy = None
    if any(s.needs_browser for s in sources):
        from brandradar.crawlers.browser_proxy import GuardProxy

        proxy = GuardProxy(allowed_hosts(settings))
        browser_spider = type("BrowserSourceSpider", (SourceSpider,),
                              {"custom_settings": browser_settings(settings, proxy.start())})
    crawlers = []
    for source in sources:
        crawler = process.create_crawler(browser_spider if source.needs_browser
                                         else SourceSpider)
        crawlers.append((source.name, crawler))
        process.crawl(crawler, source=source, page_budget=settings.page_budget)
    process.start()
    out = {}
    for name, crawler in crawlers:
        stats = crawler.stats.get_stats() if crawler.stats else {}
        out[name] = {k: (v.isoformat() if hasattr(v, "isoformat") else v)
                     for k, v in stats.items()}
        if proxy is not None and crawler.spidercls is browser_spider:
            # One proxy serves every browser source of this crawl: its count is theirs.
            out[name]["guard/refused_in_browser"] = proxy.refused
    job_path.with_suffix(".stats.json").write_text(json.dumps(out, indent=1, default=str))
    return 0


def _die_with_parent() -> None:
    """Ask Linux to kill this crawl when the process that started it dies (``kill -9`` of
    ``brandradar run`` or of an Airflow worker): a crawl nobody waits for must not keep fetching
    and writing. Its Playwright drivers follow: they exit when their pipe to this process
    closes."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes
    import signal

    libc = ctypes.CDLL(None, use_errno=True)
    pr_set_pdeathsig = 1
    libc.prctl(pr_set_pdeathsig, signal.SIGKILL)
    # The parent may have died before the call: then nobody would send the signal.
    if os.getppid() != int(os.environ.get("BRANDRADAR_CRAWL_PARENT", os.getppid())):
        os._exit(1)


def start_crawl(sources: list[Source], settings: Settings, run_id: str
                ) -> tuple[subprocess.Popen[bytes], Path]:
    """Start the child process that crawls ``sources``; return it and its job file."""
    run_dir = Path(settings.workdir) / "runs" / run_id
    run_dir.mkdir(parents=True, exist_ok=True)
    job_path = run_dir / f"job-{'+'.join(s.name for s in sources)[:80]}.json"
    job_path.write_text(json.dumps({
        "run_id": run_id,
        "settings": json.loads(settings.model_dump_json()),
        "sources": [json.loads(s.model_dump_json()) for s in sources],
    }))
    env = {**os.environ, "BRANDRADAR_CRAWL_PARENT": str(os.getpid())}
    # The job file holds no secret: the team state's URL and the pseudonym key reach the crawl
    # through its environment only.
    if settings.state_url is not None:
        env["BRANDRADAR_STATE_URL"] = settings.state_url.get_secret_value()
    # The archive applies the project's erasures, matched by their HMAC under this key.
    if settings.author_key is not None:
        env["BRANDRADAR_AUTHOR_KEY"] = settings.author_key.get_secret_value()
    proc = subprocess.Popen([sys.executable, "-m", "brandradar.crawlers.run", str(job_path)],
                            env=env)
    return proc, job_path


def crawl(sources: list[Source], settings: Settings, run_id: str) -> dict[str, dict[str, Any]]:
    """Crawl ``sources`` in a child process; return Scrapy's stats per source."""
    proc, job_path = start_crawl(sources, settings, run_id)
    proc.wait()
    stats_path = job_path.with_suffix(".stats.json")
    if proc.returncode != 0 or not stats_path.exists():
        raise TransientError(f"crawl of {[s.name for s in sources]} exited with {proc.returncode}")
    result: dict[str, dict[str, Any]] = json.loads(stats_path.read_text())
    return result


if __name__ == "__main__":
    sys.exit(_child(Path(sys.argv[1])))
