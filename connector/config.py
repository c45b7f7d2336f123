"""Client configuration: a frozen dataclass parsed from a redis-py style URL.

    redis://[[username]:[password]@]host[:port][/db][?option=value...]
    rediss://...            TLS (options ssl_cert_reqs=none|optional|required, ssl_ca_certs=path,
                            ssl_certfile, ssl_keyfile, ssl_check_hostname=false)
    unix://[[username]:[password]@]/path/to.sock[?db=N]

As in redis-py: user and password are percent-decoded, `?db=` wins over the path, `?password=`
and `?username=` are accepted, a bare `redis://` means 127.0.0.1:6379. Timeouts are in seconds.
Keyword overrides given to the client win over the URL.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from urllib.parse import parse_qs, unquote, urlparse

DEFAULT_PORT = 6379
DEFAULT_SOCKET_TIMEOUT = 30.0  # s; one 32 MiB value under load stays far below this
DEFAULT_CONNECT_TIMEOUT = 5.0  # s
DEFAULT_MAX_CONNECTIONS = 16  # per client; LMCache's redis:// uses up to 150, we need few
SERDES = ("naive", "lz4")


@dataclass(frozen=True, slots=True)
class ClientConfig:
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    unix_path: str | None = None
    username: str | None = None
    password: str | None = None
    db: int = 0
    tls: bool = False
    ssl_cert_reqs: str = "required"
    ssl_ca_certs: str | None = None
    ssl_certfile: str | None = None
    ssl_keyfile: str | None = None
    ssl_check_hostname: bool = True
    socket_timeout: float | None = DEFAULT_SOCKET_TIMEOUT
    connect_timeout: float | None = DEFAULT_CONNECT_TIMEOUT
    max_connections: int = DEFAULT_MAX_CONNECTIONS
    protocol: int = 2  # RESP2 works with every server; 3 sends HELLO 3
    serde: str = "naive"
    namespace: str = ""
    client_name: str | None = None

    def __post_init__(self) -> None:
        if self.protocol not in (2, 3):
            raise ValueError(f"protocol must be 2 or 3, got {self.protocol}")
        if self.serde not in SERDES:
            raise ValueError(f"serde must be one of {SERDES}, got {self.serde!r}")
        if self.max_connections < 1:
            raise ValueError("max_connections must be >= 1")
        if self.db < 0:
            raise ValueError("db must be >= 0")
        if self.ssl_cert_reqs not in ("none", "optional", "required"):
            raise ValueError(f"bad ssl_cert_reqs {self.ssl_cert_reqs!r}")

    def describe(self) -> str:
        where = self.unix_path or f"{self.host}:{self.port}"
        return f"{'rediss' if self.tls else 'redis'}://{where}/{self.db}"


_BOOL = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}
_CONVERT = {
    "db": int, "port": int, "max_connections": int, "protocol": int,
    "socket_timeout": float, "connect_timeout": float, "socket_connect_timeout": float,
    "ssl_check_hostname": lambda v: _BOOL[v.lower()],
}
_NAMES = {f.name for f in fields(ClientConfig)}


def parse_url(url: str, **overrides: object) -> ClientConfig:
    """A `ClientConfig` from `url`; keyword `overrides` (non-None) replace URL values."""
    parsed = urlparse(url)
    kw: dict[str, object] = {}
    if parsed.scheme in ("redis", "rediss"):
        kw["host"] = parsed.hostname or "127.0.0.1"
        kw["port"] = parsed.port or DEFAULT_PORT
        kw["tls"] = parsed.scheme == "rediss"
        path = parsed.path.lstrip("/")
        if path:
            kw["db"] = int(path)
    elif parsed.scheme == "unix":
        if not parsed.path:
            raise ValueError(f"unix:// URL needs a socket path: {url!r}")
        kw["unix_path"] = unquote(parsed.path)
    else:
        raise ValueError(f"URL scheme must be redis://, rediss:// or unix://, got {url!r}")
    if parsed.username:
        kw["username"] = unquote(parsed.username)
    if parsed.password:
        kw["password"] = unquote(parsed.password)
    for name, values in parse_qs(parsed.query).items():
        kw.update(_query_option(name, values[0]))
    kw.update({k: v for k, v in overrides.items() if v is not None})
    unknown = set(kw) - _NAMES
    if unknown:
        raise ValueError(f"unknown client options {sorted(unknown)}")
    return ClientConfig(**kw)  # type: ignore[arg-type]


def _query_option(name: str, value: str) -> dict[str, object]:
    conv = _CONVERT.get(name, str)
    if name == "socket_connect_timeout":
        name = "connect_timeout"
    if name not in _NAMES:
        return {}  # like redis-py: unknown query options are ignored
    return {name: conv(value)}


def with_overrides(cfg: ClientConfig, **changes: object) -> ClientConfig:
    return replace(cfg, **{k: v for k, v in changes.items() if v is not None})
