"""An httpx transport that sends pywa's Graph API requests to a configured server.

pywa hard-codes ``https://graph.facebook.com/v{version}`` as the base URL of the httpx client it is
given, so the public way to reach another server (the local WhatsApp simulator, a recording proxy)
is a transport that rewrites the host. Requests for any other host (e.g. a media download URL that
the API itself returned) go to the inner transport unchanged.

    transport = GraphAPITransport("http://127.0.0.1:8081")
    wa = WhatsApp(..., session=httpx.AsyncClient(transport=transport))
"""

from __future__ import annotations

import httpx

GRAPH_HOST = "graph.facebook.com"


class GraphAPITransport(httpx.AsyncBaseTransport):
    """Rewrite ``graph.facebook.com`` requests to ``api_url``, keeping path and query."""

    def __init__(
        self,
        api_url: str,
        inner: httpx.AsyncBaseTransport | None = None,
        *,
        graph_host: str = GRAPH_HOST,
    ) -> None:
        target = httpx.URL(api_url)
        if target.scheme not in ("http", "https") or not target.host:
            raise ValueError(f"api_url must be an absolute http(s) URL, got {api_url!r}")
        self._target = target
        self._prefix = target.raw_path.rstrip(b"/")
        self._graph_host = graph_host
        self._inner = inner if inner is not None else httpx.AsyncHTTPTransport()

    @property
    def api_url(self) -> str:
        return str(self._target)

    def rewrite(self, url: httpx.URL) -> httpx.URL:
        """The URL a request for ``url`` is sent to."""
        if url.host != self._graph_host:
            return url
        return url.copy_with(
            scheme=self._target.scheme,
            host=self._target.host,
            port=self._target.port,
            raw_path=self._prefix + url.raw_path,
        )

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        new_url = self.rewrite(request.url)
        if new_url is not request.url:
            request.url = new_url
            request.headers["Host"] = new_url.netloc.decode("ascii")
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()
