#!/usr/bin/env python3
"""The api's memory while it streams an album as one ZIP, side by side in one run: the same api
process, an album of SMALL_MB and then of BIG_MB (500 MB by default), each downloaded whole.
Prints the api's RSS idle, its peak RSS during each download (sampled every 20 ms from
/proc), and the bytes received, so "memory stays flat whatever the album's size" is a figure.

The photos are one real corpus JPEG made distinct (random bytes after its end, which decoders
ignore), uploaded as a browser does (reserve, PUT to the signed URL, complete) to a picup-api on
embedded defaults (SQLite, embedded S3) in a temporary directory, and thumbnailed by it.

    api/bench/zip-memory.py            (BIN=target/release/picup-api for the release figure;
                                        BIG_MB=500 SMALL_MB=50 FILE_MB=10)
"""

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
BIN = os.environ.get("BIN", str(REPO / "target" / "debug" / "picup-api"))
PHOTO = REPO.parent / "shared" / "corpus" / "jpeg" / "42_IndexError.jpg"
FILE_MB = int(os.environ.get("FILE_MB", "10"))
SMALL_MB = int(os.environ.get("SMALL_MB", "50"))
BIG_MB = int(os.environ.get("BIG_MB", "500"))
MIB = 1024 * 1024


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

    def call(self, method, path, body=None):
        request = urllib.request.Request(f"{self.base}/api/v1{path}", method=method,
                                         data=None if body is None else json.dumps(body).encode())
        request.add_header("content-type", "application/json")
        if self.token:
            request.add_header("authorization", f"Bearer {self.token}")
        with urllib.request.urlopen(request) as response:
            text = response.read()
            return json.loads(text) if text else None

    def upload(self, album, name, data):
        reservation = self.call("POST", f"/albums/{album}/uploads",
                                {"filename": name, "size": len(data), "content_type": "image/jpeg"})
        put = urllib.request.Request(reservation["url"], method="PUT", data=data)
        for header, value in reservation["headers"].items():
            put.add_header(header, value)
        urllib.request.urlopen(put).read()
        self.call("POST", f"/uploads/{reservation['id']}/complete", {})

    def settle(self, album, count):
        for _ in range(3000):
            items = self.call("GET", f"/albums/{album}/media?limit=200")["items"]
            if len(items) == count and all(item["status"] != "processing" for item in items):
                assert all(item["status"] == "ready" for item in items), items
                return
            time.sleep(0.2)
        raise RuntimeError("the thumbnailer did not finish")


def album_of(api, title, megabytes, photo):
    album = api.call("POST", "/albums", {"title": title})["id"]
    count = megabytes // FILE_MB
    for n in range(count):
        padding = os.urandom(FILE_MB * MIB - len(photo))
        api.upload(album, f"IMG_{n:04}.jpg", photo + padding)
    api.settle(album, count)
    return album, count


def download(api, pid, album, into):
    """Downloads the album's ZIP to `into` while sampling the api's RSS; the peak and the bytes."""
    peak, done = [rss_kib(pid)], threading.Event()

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], rss_kib(pid))
            time.sleep(0.02)

    sampler = threading.Thread(target=sample)
    sampler.start()
    request = urllib.request.Request(f"{api.base}/api/v1/albums/{album}/download")
    request.add_header("authorization", f"Bearer {api.token}")
    received = 0
    with urllib.request.urlopen(request) as response, open(into, "wb") as out:
        while chunk := response.read(MIB):
            received += len(chunk)
            out.write(chunk)
    done.set()
    sampler.join()
    return peak[0], received


def main():
    if not PHOTO.exists():
        sys.exit(f"needs the shared corpus: {PHOTO}")
    photo = PHOTO.read_bytes()
    data = Path(tempfile.mkdtemp(prefix="picup-zip-bench-"))
    port, s3_port = free_port(), free_port()
    env = dict(os.environ, PICUP_DATA_DIR=str(data / "data"), PICUP_HTTP_ADDR=f"127.0.0.1:{port}",
               PICUP_EMBEDDED_S3_ADDR=f"127.0.0.1:{s3_port}", RUST_LOG="error",
               PICUP_RATE_USER_PER_SECOND="100000", PICUP_RATE_USER_BURST="100000",
               PICUP_RATE_IP_PER_SECOND="100000", PICUP_RATE_IP_BURST="100000")
    log = open(data / "api.log", "wb")
    server = subprocess.Popen([BIN, "serve"], env=env, stdout=log, stderr=log)
    try:
        base = f"http://localhost:{port}"
        for _ in range(200):
            try:
                urllib.request.urlopen(f"{base}/healthz").read()
                break
            except OSError:
                time.sleep(0.1)
        api = Api(base)
        account = {"email": "zip@family.test", "password": "a long family password", "display_name": "Zip"}
        api.call("POST", "/auth/register", account)
        api.token = api.call("POST", "/auth/login", {"email": account["email"], "password": account["password"]})["token"]

        started = time.time()
        small, small_count = album_of(api, "Small", SMALL_MB, photo)
        big, big_count = album_of(api, "Big", BIG_MB, photo)
        print(f"uploaded and thumbnailed {small_count + big_count} photos of {FILE_MB} MB in {time.time() - started:.0f} s")
        time.sleep(2)
        idle = rss_kib(server.pid)
        print(f"picup-api ({Path(BIN).relative_to(REPO) if Path(BIN).is_relative_to(REPO) else BIN}), RSS idle: {idle / 1024:.1f} MiB")
        for title, album, count in (("small", small, small_count), ("big", big, big_count)):
            into = data / f"{title}.zip"
            started = time.time()
            peak, received = download(api, server.pid, album, into)
            seconds = time.time() - started
            with zipfile.ZipFile(into) as archive:
                assert archive.testzip() is None, "a bad CRC"
                assert len(archive.namelist()) == count, archive.namelist()
            into.unlink()
            print(f"album of {count:3} photos: ZIP {received / MIB:6.1f} MiB in {seconds:5.1f} s,"
                  f" api peak RSS {peak / 1024:6.1f} MiB ({(peak - idle) / 1024:+.1f} MiB over idle)")
    finally:
        server.terminate()
        server.wait()
        log.close()
        shutil.rmtree(data)


if __name__ == "__main__":
    main()
