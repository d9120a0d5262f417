"""Canonical URLs and deterministic ids, so that one article is one document everywhere."""

from __future__ import annotations

import hashlib
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

_TRACKING_PREFIXES = ("utm_", "mc_", "pk_", "piwik_")
_TRACKING_KEYS = {"fbclid", "gclid", "dclid", "msclkid", "yclid", "igshid", "ref_src", "_hsenc"}


def canonical_url(url: str) -> str:
    """Lower-case scheme/host, drop default ports, fragments and tracking parameters."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    port = parts.port
    if port and not ((scheme == "http" and port == 80) or (scheme == "https" and port == 443)):
        host = f"{host}:{port}"
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not k.lower().startswith(_TRACKING_PREFIXES) and k.lower() not in _TRACKING_KEYS
    ]
    query.sort()
    return urlunsplit((scheme, host, parts.path or "/", urlencode(query), ""))


def domain_of(url: str) -> str:
    """The host (with a non-default port) that identifies a site in metrics."""
    return urlsplit(canonical_url(url)).netloc


def stable_id(*parts: str | None) -> str:
    """A short deterministic id from the given parts (hash of canonical URL + post id)."""
    joined = "\x1f".join(p or "" for p in parts)
    return hashlib.sha1(joined.encode("utf-8")).hexdigest()[:20]


def doc_id(url: str, post_id: str | None = None) -> str:
    """Document id: hash of the canonical URL plus the post id for multi-post pages."""
    return stable_id(canonical_url(url), post_id)
