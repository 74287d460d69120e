"""weasyprint URL fetcher that reads only `data:` URLs and files inside allowed folders.

The reports are self-contained, so in a correct build nothing is fetched at all; this is
the second line of defence against a spec or template that points at `/etc/passwd`,
`file:///…` or the network. Refused URLs are recorded for diagnostics.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from urllib.parse import unquote, urlsplit

with warnings.catch_warnings():  # weasyprint warns at import when libharfbuzz-subset is missing
    warnings.filterwarnings("ignore", message="HarfBuzz-Subset", category=DeprecationWarning)
    from weasyprint.urls import URLFetcher


class FetchRefused(ValueError):
    pass


class ConfinedURLFetcher(URLFetcher):
    def __init__(self, allowed_dirs: list[Path], **kwargs: object):
        super().__init__(
            allowed_protocols={"file", "data"}, allow_redirects=False, timeout=1, **kwargs
        )
        self.allowed = [Path(d).resolve() for d in allowed_dirs]
        self.refused: list[str] = []

    def fetch(self, url: str, headers: object = None):  # noqa: ANN201 - weasyprint URLFetcherResponse
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme == "data":
            return super().fetch(url, headers)
        if scheme == "file" and parts.netloc in ("", "localhost"):
            path = Path(unquote(parts.path)).resolve()
            if any(path.is_relative_to(d) for d in self.allowed) and path.is_file():
                return super().fetch(path.as_uri(), headers)
        self.refused.append(url)
        raise FetchRefused(
            f"refused to fetch {url!r}: only data: URLs and files of the build may be read"
        )
