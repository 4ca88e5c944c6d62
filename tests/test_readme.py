"""The README's examples work on the demo dataset.

`unison demo` (300 customers, seed 42) is loaded and processed once; then every fenced code
block of README.md is read and

* each `curl` command (in a `sh`/`bash`/`shell`/`console` block) is parsed (method, URL,
  `-H` headers, `-u` basic auth, `-d` body) and sent to the app through TestClient; it
  must answer 2xx;
* each segment-language example (a `text` block in the "## Segments" section, and the
  `--text '...'` of `unison segments create|preview` commands) must select at least one
  demo profile, evaluated at the end of the demo's history (2026-11-01), because the demo
  does not follow the clock and "within" windows count back from the evaluation time.

Placeholders (substituted before parsing; any other `$NAME` left in a curl line fails the
test, naming it): `$TOKEN` and `uat_...` are the demo admin token, `$WRITE_KEY` and
`uwk_...` the demo write key, `$PROFILE_ID` a demo profile with orders, `$SEGMENT_ID` a
segment created from the README's first segment example. The host in URLs is ignored.

A block preceded by `<!-- readme-test: skip (reason) -->` (only blank lines between) is
skipped, visibly: it becomes a skipped test with that reason. Each example is its own test,
named and failing with its README line, so a broken example says where it is.
"""

from __future__ import annotations

import base64
import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from tests.demo.loading import LoadedDemo, demo_settings, loaded_demo
from unison.app import create_app
from unison.demo.generator import DEFAULT_END
from unison.kit.db import make_session_factory
from unison.kit.settings import Settings
from unison.models import Profile
from unison.segments import service as segments
from unison.segments.language import SegmentDefinitionInvalid

README = Path(__file__).resolve().parent.parent / "README.md"
SHELLS = {"sh", "bash", "shell", "console"}
SKIP = re.compile(r"<!--\s*readme-test:\s*skip\s*\((?P<reason>[^)]*)\)\s*-->")
FENCE = re.compile(r"^(?P<fence>```+|~~~+)\s*(?P<info>[\w+-]*)")


@dataclass(frozen=True)
class Block:
    line: int  # of the first line inside the fence, 1-based
    info: str
    text: str
    section: str
    skip: str | None


@dataclass(frozen=True)
class Example:
    kind: str  # "curl" or "segment"
    line: int
    text: str
    skip: str | None = None

    @property
    def where(self) -> str:
        return f"README.md:{self.line}"


def blocks(lines: list[str]) -> Iterator[Block]:
    section, i = "", 0
    while i < len(lines):
        if lines[i].startswith("## "):
            section = lines[i][3:].strip()
        opened = FENCE.match(lines[i])
        if not opened:
            i += 1
            continue
        end = next(
            (j for j in range(i + 1, len(lines)) if lines[j].startswith(opened["fence"])),
            len(lines),
        )
        yield Block(i + 2, opened["info"], "\n".join(lines[i + 1 : end]), section, _skip(lines, i))
        i = end + 1


def _skip(lines: list[str], fence: int) -> str | None:
    before = fence - 1
    while before >= 0 and not lines[before].strip():
        before -= 1
    found = SKIP.search(lines[before]) if before >= 0 else None
    return found["reason"] if found else None


def commands(block: Block) -> Iterator[tuple[int, str]]:
    """Whole shell commands: backslash continuations and quotes spanning lines joined."""
    buffer: list[str] = []
    start = 0
    for offset, line in enumerate(block.text.splitlines()):
        if not buffer:
            start = block.line + offset
        buffer.append(line)
        joined = "\n".join(buffer)
        if line.endswith("\\"):
            continue
        try:
            shlex.split(joined, comments=True)
        except ValueError:  # an open quote: the command goes on
            continue
        yield start, joined.replace("\\\n", " ")
        buffer = []
    if buffer:
        yield start, "\n".join(buffer)


def examples() -> list[Example]:
    found: list[Example] = []
    for block in blocks(README.read_text(encoding="utf-8").splitlines()):
        if block.info == "text" and block.section == "Segments":
            found.append(Example("segment", block.line, block.text, block.skip))
        if block.info not in SHELLS:
            continue
        for line, command in commands(block):
            words = shlex.split(command, comments=True) if command.strip() else []
            if words[:1] == ["curl"]:
                found.append(Example("curl", line, command, block.skip))
            elif words[:3] in (["unison", "segments", "create"], ["unison", "segments", "preview"]):
                text = words[words.index("--text") + 1] if "--text" in words else None
                if text is not None:
                    found.append(Example("segment", line, text, block.skip))
    return found


EXAMPLES = examples()


@dataclass(frozen=True)
class World:
    demo: LoadedDemo
    client: TestClient
    placeholders: dict[str, str]
    settings: Settings
    sessions: sessionmaker[Session]


@pytest.fixture(scope="module")
def world(engine: Engine, database_url: str) -> Iterator[World]:
    with loaded_demo(engine, database_url) as demo:
        settings = demo_settings(database_url)
        with TestClient(create_app(settings), raise_server_exceptions=False) as client:
            placeholders = _placeholders(demo, client, engine)
            yield World(demo, client, placeholders, settings, make_session_factory(engine))


def _placeholders(demo: LoadedDemo, client: TestClient, engine: Engine) -> dict[str, str]:
    with make_session_factory(engine)() as session:
        buyer = session.execute(
            select(Profile.id).where(Profile.order_count > 1).order_by(Profile.id).limit(1)
        ).scalar_one()
    first = next(e for e in EXAMPLES if e.kind == "segment")
    created = client.post(
        "/api/segments",
        json={"name": "readme example", "text": first.text},
        headers={"Authorization": f"Bearer {demo.admin_token}"},
    )
    assert created.status_code == 201, f"{first.where}: {created.text}"
    return {
        "$TOKEN": demo.admin_token,
        "uat_...": demo.admin_token,
        "$WRITE_KEY": demo.write_key,
        "uwk_...": demo.write_key,
        "$PROFILE_ID": str(buyer),
        "$SEGMENT_ID": str(created.json()["segment"]["id"]),
    }


@dataclass
class Request:
    method: str = ""
    url: str = ""
    body: str | None = None
    headers: dict[str, str] | None = None


def parse_curl(command: str, where: str) -> Request:
    request, words = Request(headers={}), shlex.split(command, comments=True)[1:]
    assert request.headers is not None
    options_with_values = {"-X", "--request", "-H", "--header", "-d", "--data", "--data-raw"}
    options_with_values |= {"-u", "--user"}
    i = 0
    while i < len(words):
        word = words[i]
        if word in options_with_values:
            value = words[i + 1]
            i += 2
            if word in {"-X", "--request"}:
                request.method = value
            elif word in {"-H", "--header"}:
                name, _, content = value.partition(":")
                request.headers[name.strip()] = content.strip()
            elif word in {"-u", "--user"}:
                token = base64.b64encode(value.encode()).decode()
                request.headers["Authorization"] = f"Basic {token}"
            else:
                request.body = value
        elif word.startswith("http"):
            request.url, i = word, i + 1
        else:
            pytest.fail(f"{where}: the test does not understand curl option {word!r}")
    request.method = request.method or ("POST" if request.body is not None else "GET")
    assert request.url, f"{where}: no URL in the curl command"
    return request


def substitute(text: str, placeholders: dict[str, str], where: str) -> str:
    for name, value in placeholders.items():
        text = text.replace(name, value)
    unknown = re.findall(r"\$\{?[A-Z_]+\}?", text)
    assert not unknown, (
        f"{where}: unknown placeholder(s) {unknown}; use one of {sorted(placeholders)} "
        "(tests/test_readme.py) or mark the block <!-- readme-test: skip (reason) -->"
    )
    return text


def _ids(example: Example) -> str:
    return f"{example.kind}@README.md:{example.line}"


def test_the_readme_has_curl_and_segment_examples() -> None:
    kinds = {e.kind for e in EXAMPLES}
    assert kinds == {"curl", "segment"}, EXAMPLES


@pytest.mark.parametrize("example", [e for e in EXAMPLES if e.kind == "curl"], ids=_ids)
def test_a_curl_example_answers_2xx_on_the_demo(world: World, example: Example) -> None:
    if example.skip is not None:
        pytest.skip(f"{example.where}: {example.skip}")
    command = substitute(example.text, world.placeholders, example.where)
    request = parse_curl(command, example.where)
    url = urlsplit(request.url)
    target = url.path + (f"?{url.query}" if url.query else "")
    response = world.client.request(
        request.method,
        target,
        headers=request.headers,
        content=request.body.encode() if request.body is not None else None,
    )
    assert 200 <= response.status_code < 300, (
        f"{example.where}: {request.method} {url.path} answered {response.status_code}: "
        f"{response.text[:500]}"
    )


@pytest.mark.parametrize("example", [e for e in EXAMPLES if e.kind == "segment"], ids=_ids)
def test_a_segment_example_selects_demo_customers(world: World, example: Example) -> None:
    if example.skip is not None:
        pytest.skip(f"{example.where}: {example.skip}")
    with world.sessions() as session:
        try:
            condition = segments.read_definition(None, example.text)
        except SegmentDefinitionInvalid as exc:
            pytest.fail(f"{example.where}: the segment example does not parse: {exc}")
        count, _ = segments.preview(session, world.settings, condition, DEFAULT_END, 0)
    assert count >= 1, f"{example.where}: {example.text!r} selects no demo profile"


def test_a_skip_marker_right_before_a_block_skips_it_with_its_reason() -> None:
    text = [
        "## Segments",
        "<!-- readme-test: skip (starts a server) -->",
        "",
        "```sh",
        "curl http://127.0.0.1:8000/health",
        "```",
        "```sh",
        "curl http://127.0.0.1:8000/health",
        "```",
    ]
    found = list(blocks(text))
    assert [(b.line, b.skip) for b in found] == [(5, "starts a server"), (8, None)]
