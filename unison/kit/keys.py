"""The root secret and the keys derived from it (links, webhook secrets, provider secrets).

`UNISON_SECRET_KEY` is the root when set (required when several nodes must agree). Unset,
the key lives in a file created once with mode 0600 beside the SQLite database (or in
`./unison.key`): the embedded install keeps working across restarts without anyone having
to invent a key, and sealed links and encrypted secrets survive a restart.
"""

import base64
import hashlib
import hmac
import os
import secrets
from pathlib import Path

from cryptography.fernet import Fernet
from sqlalchemy.engine import make_url

from unison.kit.settings import Settings

_loaded: dict[Path, bytes] = {}


def key_file_path(settings: Settings) -> Path:
    if settings.secret_key_file is not None:
        return settings.secret_key_file
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return Path(url.database + ".key")
    return Path("unison.key")


def root_key(settings: Settings) -> bytes:
    if settings.secret_key is not None:
        return settings.secret_key.get_secret_value().encode()
    path = key_file_path(settings).resolve()
    if path not in _loaded:
        _loaded[path] = _read_or_create(path)
    return _loaded[path]


def _read_or_create(path: Path) -> bytes:
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_bytes().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_urlsafe(48))
    return path.read_bytes().strip()


def derived_key(settings: Settings, label: str) -> bytes:
    """A separate key per use, so a link key can never double as anything else."""
    return hmac.new(root_key(settings), f"unison:{label}".encode(), hashlib.sha256).digest()


def sealer(settings: Settings, label: str) -> Fernet:
    """Authenticated encryption (Fernet) under the key for `label`."""
    return Fernet(base64.urlsafe_b64encode(derived_key(settings, label)))
