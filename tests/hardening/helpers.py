"""Helpers for the hardening tier: raw RESP sockets, server memory, certificates, counters.

Everything here talks to servers over loopback (or the host's own non-loopback address for the
protected-mode test) with bounded timeouts. `FIGURES` collects the numbers the README quotes
(connections held, bad inputs tried, values verified, bytes lost, RSS); `record()` adds to it and
the session fixture in conftest.py prints and saves the totals.
"""

from __future__ import annotations

import datetime
import ipaddress
import json
import os
import socket
import tempfile
import time
from collections import Counter
from pathlib import Path

import hiredis

from scripts.rawclient import encode
from tests.conftest import ServerProc, start_ours

FIGURES: Counter[str] = Counter()   # name -> value, summed over the run
FIGURES_ENV = "HARDENING_FIGURES"    # where to write the figures; default: a new temporary folder


def record(name: str, value: int, mode: str = "add") -> None:
    """Add `value` to a figure ("add") or keep the largest seen ("max")."""
    if mode == "max":
        FIGURES[name] = max(FIGURES[name], value)
    else:
        FIGURES[name] += value


def save_figures() -> Path:
    """Write the figures as JSON to $HARDENING_FIGURES, else into a folder of this run's own."""
    path = Path(os.environ.get(FIGURES_ENV) or
                Path(tempfile.mkdtemp(prefix="resp-hardening-")) / "figures.json")
    path.write_text(json.dumps(dict(sorted(FIGURES.items())), indent=1))
    return path


# --- raw RESP -------------------------------------------------------------------------------

cmd = encode   # one request as a RESP multibulk (scripts/rawclient.py)


class Raw:
    """A blocking socket that reads whole RESP replies (hiredis reader, errors as values)."""

    def __init__(self, port: int, host: str = "127.0.0.1", timeout: float = 10.0) -> None:
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.reader = hiredis.Reader(replyError=ReplyError)

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def reply(self) -> object:
        """Next reply; EOFError when the server closed the connection first."""
        while True:
            got = self.reader.gets()
            if got is not False:
                return got
            data = self.sock.recv(1 << 20)
            if not data:
                raise EOFError("connection closed by server")
            self.reader.feed(data)

    def call(self, *args: bytes | str | int) -> object:
        self.send(cmd(*args))
        return self.reply()

    def read_until_closed(self, limit: int = 1 << 20) -> bytes:
        """Raw bytes the server sends until it closes (at most `limit`, within the timeout)."""
        out = b""
        while len(out) < limit:
            data = self.sock.recv(65536)
            if not data:
                break
            out += data
        return out

    def closed_by_peer(self, wait: float = 3.0) -> bool:
        """True if the server closes this connection within `wait` seconds (data is drained)."""
        self.sock.settimeout(wait)
        try:
            while self.sock.recv(65536):
                pass
            return True
        except ConnectionResetError:
            return True
        except TimeoutError:
            return False

    def close(self) -> None:
        self.sock.close()

    def __enter__(self) -> Raw:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class ReplyError(Exception):
    """An error reply (hiredis builds it with the text after '-')."""


def info(sp: ServerProc, section: str = "memory") -> dict[str, str]:
    with Raw(sp.port) as r:
        text = r.call("INFO", section)
    assert isinstance(text, bytes), text
    out = {}
    for line in text.decode().splitlines():
        if ":" in line and not line.startswith("#"):
            k, _, v = line.partition(":")
            out[k] = v
    return out


def chunks_used(sp: ServerProc) -> int:
    """Slab chunks in use over all classes (INFO slabs)."""
    total = 0
    for v in info(sp, "slabs").values():
        fields = dict(kv.split("=") for kv in v.split(","))
        total += int(fields["chunks_used"])
    return total


# --- our server with its log in a file --------------------------------------------------------

class LoggedServer(ServerProc):
    """Our server with stderr in a file (a pipe could fill up and block a chatty server)."""

    log_path: str = ""

    def log(self) -> str:
        with open(self.log_path, errors="replace") as f:
            return f.read()

    def assert_clean_log(self) -> None:
        text = self.log()
        for bad in ("Traceback", "AssertionError", "internal error", "error running",
                    "Fatal error", "Exception"):
            assert bad not in text, f"server log has {bad!r}:\n{text[-4000:]}"


def start_logged(*args: str) -> LoggedServer:
    fd, path = tempfile.mkstemp(prefix="resp-hardening-", suffix=".log")
    try:
        sp = start_ours(*args, stderr=fd, kind=LoggedServer)
    finally:
        os.close(fd)
    sp.log_path = path
    return sp


# --- process memory -------------------------------------------------------------------------

def rss_bytes(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS")


def wait_for(pred, timeout: float = 5.0, step: float = 0.02) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(step)
    return pred()


# --- addresses ------------------------------------------------------------------------------

def non_loopback_ipv4() -> str | None:
    """An IPv4 address of this host that is not loopback (the route to a public address)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("192.0.2.1", 9))    # TEST-NET-1; UDP connect sends nothing
            ip = s.getsockname()[0]
        except OSError:
            ip = ""
    if ip and not ipaddress.ip_address(ip).is_loopback and ip != "0.0.0.0":
        return ip
    try:
        for cand in socket.gethostbyname_ex(socket.gethostname())[2]:
            if not ipaddress.ip_address(cand).is_loopback:
                return cand
    except OSError:
        pass
    return None


# --- certificates ---------------------------------------------------------------------------

def make_certs(d: Path) -> dict[str, str]:
    """A CA, a server certificate for 127.0.0.1/localhost and a client certificate, as PEM files
    in d; returns their paths (ca, server_cert, server_key, client_cert, client_key)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = datetime.datetime.now(datetime.UTC)

    def name(cn: str) -> x509.Name:
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])

    def write_key(key, path: Path) -> None:
        path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (x509.CertificateBuilder().subject_name(name("resp-test-ca")).issuer_name(name("resp-test-ca"))
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(now - datetime.timedelta(minutes=5))
          .not_valid_after(now + datetime.timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                       content_commitment=False, key_encipherment=False,
                                       data_encipherment=False, key_agreement=False,
                                       encipher_only=False, decipher_only=False), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
          .sign(ca_key, hashes.SHA256()))

    def leaf(cn: str, usage, san: list | None):
        key = ec.generate_private_key(ec.SECP256R1())
        b = (x509.CertificateBuilder().subject_name(name(cn)).issuer_name(ca.subject)
             .public_key(key.public_key()).serial_number(x509.random_serial_number())
             .not_valid_before(now - datetime.timedelta(minutes=5))
             .not_valid_after(now + datetime.timedelta(days=1))
             .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
             .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
             .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
                            critical=False))
        if san:
            b = b.add_extension(x509.SubjectAlternativeName(san), critical=False)
        return key, b.sign(ca_key, hashes.SHA256())

    skey, scert = leaf("localhost", ExtendedKeyUsageOID.SERVER_AUTH,
                       [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))])
    ckey, ccert = leaf("resp-test-client", ExtendedKeyUsageOID.CLIENT_AUTH, None)
    paths = {k: str(d / f"{k}.pem") for k in
             ("ca", "server_cert", "server_key", "client_cert", "client_key")}
    Path(paths["ca"]).write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    Path(paths["server_cert"]).write_bytes(scert.public_bytes(serialization.Encoding.PEM))
    Path(paths["client_cert"]).write_bytes(ccert.public_bytes(serialization.Encoding.PEM))
    write_key(skey, Path(paths["server_key"]))
    write_key(ckey, Path(paths["client_key"]))
    return paths
