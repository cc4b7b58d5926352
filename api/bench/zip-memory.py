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

import os
import shutil
import sys
import tempfile
import threading
import time
import urllib.request
import zipfile
from pathlib import Path

from benchlib import MIB, REPO, Server, binary, rss_kib, shown

PHOTO = REPO.parent / "shared" / "corpus" / "jpeg" / "42_IndexError.jpg"
FILE_MB = int(os.environ.get("FILE_MB", "10"))
SMALL_MB = int(os.environ.get("SMALL_MB", "50"))
BIG_MB = int(os.environ.get("BIG_MB", "500"))


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
    server = Server({"PICUP_DATA_DIR": str(data / "data")}, data / "api.log")
    try:
        api = server.first_person()

        started = time.time()
        small, small_count = album_of(api, "Small", SMALL_MB, photo)
        big, big_count = album_of(api, "Big", BIG_MB, photo)
        print(f"uploaded and thumbnailed {small_count + big_count} photos of {FILE_MB} MB in {time.time() - started:.0f} s")
        time.sleep(2)
        idle = rss_kib(server.process.pid)
        print(f"picup-api ({shown(binary())}), RSS idle: {idle / 1024:.1f} MiB")
        for title, album, count in (("small", small, small_count), ("big", big, big_count)):
            into = data / f"{title}.zip"
            started = time.time()
            peak, received = download(api, server.process.pid, album, into)
            seconds = time.time() - started
            with zipfile.ZipFile(into) as archive:
                assert archive.testzip() is None, "a bad CRC"
                assert len(archive.namelist()) == count, archive.namelist()
            into.unlink()
            print(f"album of {count:3} photos: ZIP {received / MIB:6.1f} MiB in {seconds:5.1f} s,"
                  f" api peak RSS {peak / 1024:6.1f} MiB ({(peak - idle) / 1024:+.1f} MiB over idle)")
    finally:
        server.stop()
        shutil.rmtree(data)


if __name__ == "__main__":
    main()
