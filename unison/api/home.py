"""`/`: a small page that says where things are, instead of a JSON 404."""

from fastapi import APIRouter
from starlette.responses import HTMLResponse

from unison import __version__

router = APIRouter(include_in_schema=False)

_PAGE = f"""<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Unison {__version__}</title>
<style>body{{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem}}
code{{background:#f3f3f3;padding:0 .2em}}</style></head>
<body>
<h1>Unison {__version__}</h1>
<p>Omnichannel customer platform: every channel feeds one customer profile.</p>
<ul>
<li><a href="/docs">/docs</a>: the API, interactive (Swagger UI)</li>
<li><a href="/redoc">/redoc</a>: the API reference (ReDoc)</li>
<li><a href="/openapi.json">/openapi.json</a>: the OpenAPI document</li>
<li><a href="/health">/health</a>: liveness and database reachability</li>
<li><a href="/metrics">/metrics</a>: Prometheus metrics</li>
</ul>
<p>The <strong>preference center</strong> lives at <code>/preferences/&lt;link&gt;</code>:
each customer reaches it through a personal signed link (create one with
<code>POST /api/profiles/{{id}}/preference-link</code>) to choose which channels and topics
they hear from; it needs no login and works without JavaScript.</p>
<p>Collection (Segment-compatible) is under <code>/v1/*</code>, channel webhooks under
<code>/hooks/*</code>, and the management API under <code>/api/*</code>.</p>
</body>
</html>
"""


@router.get("/", response_class=HTMLResponse)
def home() -> HTMLResponse:
    return HTMLResponse(_PAGE)
