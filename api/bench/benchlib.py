"""What picup's benchmark scripts share: a picup-api process on a free port, signed in as the
first person of the family, spoken to as a browser does."""

import json
import os
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
MIB = 1024 * 1024
# Benchmarks measure picup, not its slow-down of one busy client.
NO_RATE_LIMITS = {"PICUP_RATE_USER_PER_SECOND": "100000", "PICUP_RATE_USER_BURST": "100000",
                  "PICUP_RATE_IP_PER_SECOND": "100000", "PICUP_RATE_IP_BURST": "100000"}


def binary():
    return os.environ.get("BIN", str(REPO / "target" / "debug" / "picup-api"))


def shown(path):
    path = Path(path)
    return str(path.relative_to(REPO)) if path.is_relative_to(REPO) else str(path)


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS")


class Api:
    def __init__(self, base, token=None):
        self.base, self.token = base, token

    def request(self, method, path, body=None, headers=()):
        request = urllib.request.Request(f"{self.base}/api/v1{path}", method=method,
                                         data=None if body is None else json.dumps(body).encode())
        request.add_header("content-type", "application/json")
        for name, value in headers:
            request.add_header(name, value)
        if self.token:
            request.add_header("authorization", f"Bearer {self.token}")
        return urllib.request.urlopen(request)

    def call(self, method, path, body=None):
        with self.request(method, path, body) as response:
            text = response.read()
            return json.loads(text) if text else None

    def upload(self, album, name, data, content_type="image/jpeg"):
        reservation = self.call("POST", f"/albums/{album}/uploads",
                                {"filename": name, "size": len(data), "content_type": content_type})
        put = urllib.request.Request(reservation["url"], method="PUT", data=data)
        for header, value in reservation["headers"].items():
            put.add_header(header, value)
        urllib.request.urlopen(put).read()
        self.call("POST", f"/uploads/{reservation['id']}/complete", {})

    def settle(self, album, count):
        for _ in range(3000):
            items = self.call("GET", f"/albums/{album}/media?limit=200")["items"]
            if len(items) >= min(count, 200) and all(item["status"] != "processing" for item in items):
                assert all(item["status"] == "ready" for item in items), items
                return
            time.sleep(0.2)
        raise RuntimeError("the thumbnailer did not finish")


class Server:
    """`picup-api serve` with `env`, on a free port, until stopped."""

    def __init__(self, env, log_path):
        self.port = free_port()
        self.base = f"http://localhost:{self.port}"
        env = {**os.environ, "RUST_LOG": "error", **NO_RATE_LIMITS, **env, "PICUP_HTTP_ADDR": f"127.0.0.1:{self.port}"}
        env.setdefault("PICUP_EMBEDDED_S3_ADDR", f"127.0.0.1:{free_port()}")
        self.log = open(log_path, "ab")
        self.process = subprocess.Popen([binary(), "serve"], env=env, stdout=self.log, stderr=self.log)
        for _ in range(600):
            try:
                urllib.request.urlopen(f"{self.base}/healthz").read()
                return
            except OSError:
                if self.process.poll() is not None:
                    raise RuntimeError(f"picup-api stopped; see {log_path}")
                time.sleep(0.1)
        raise RuntimeError(f"picup-api did not start; see {log_path}")

    def first_person(self, email="bench@family.test"):
        """Signs up the family's first person (the admin) and returns an Api signed in as them."""
        api = Api(self.base)
        account = {"email": email, "password": "a long family password", "display_name": "Bench"}
        api.call("POST", "/auth/register", account)
        api.token = api.call("POST", "/auth/login", {"email": email, "password": account["password"]})["token"]
        return api

    def stop(self):
        self.process.terminate()
        self.process.wait()
        self.log.close()
