#!/usr/bin/env python3
"""Goal 1 of #19: the bytes of one page of 50 photos on the wire, side by side in one run: as
sent before (no compression asked: `Accept-Encoding: identity`), gzip, and brotli (what Chromium
asks for). Also the months list and a jump to a month, and the page's items whole (as pages were
before they listed tiles).

An album of PHOTOS (120, as the issue measured) real corpus JPEGs made distinct, uploaded as a
browser does and thumbnailed, on a picup-api with embedded defaults in a temporary folder.

    api/bench/page-bytes.py       (BIN=target/release/picup-api PHOTOS=120)
"""

import gzip
import json
import os
import shutil
import tempfile
from pathlib import Path

from benchlib import REPO, Server, binary, shown

PHOTO = REPO.parent / "shared" / "corpus" / "jpeg" / "42_IndexError.jpg"
PHOTOS = int(os.environ.get("PHOTOS", "120"))


def wire_bytes(api, path, encoding):
    with api.request("GET", path, headers=[("accept-encoding", encoding)]) as response:
        body = response.read()
        return len(body), response.headers.get("content-encoding") or "none"


def main():
    photo = PHOTO.read_bytes()
    data = Path(tempfile.mkdtemp(prefix="picup-page-bench-"))
    server = Server({"PICUP_DATA_DIR": str(data / "data")}, data / "api.log")
    try:
        api = server.first_person()
        album = api.call("POST", "/albums", {"title": "Bench"})["id"]
        for n in range(PHOTOS):
            api.upload(album, f"IMG_{n:04}.jpg", photo + os.urandom(32))
        api.settle(album, PHOTOS)
        print(f"an album of {PHOTOS} photos, thumbnailed; {shown(binary())}")
        for label, path in (("page of 50", f"/albums/{album}/media?limit=50"),
                            ("months", f"/albums/{album}/months"),
                            ("month jump", f"/albums/{album}/media?limit=50&month=2999-01")):
            sizes = [wire_bytes(api, path, encoding) for encoding in ("identity", "gzip", "br, gzip")]
            before = sizes[0][0]
            shown_sizes = "  ".join(f"{encoding:>4} {size:6} B ({size / before:4.0%})" for size, encoding in sizes)
            print(f"  {label:<11} {shown_sizes}")
        # The same 50 items whole, as pages carried them before tiles (#19): each item's own answer,
        # joined into one page here and gzipped at level 1 as the api does (no brotli in Python).
        tiles = api.call("GET", f"/albums/{album}/media?limit=50")["items"]
        whole = json.dumps({"items": [api.call("GET", f"/media/{tile['id']}") for tile in tiles]},
                           separators=(",", ":")).encode()
        print(f"  {'as whole':<11} none {len(whole):6} B           gzip {len(gzip.compress(whole, 1)):6} B   "
              "(the same items as their own pages give them)")
    finally:
        server.stop()
        shutil.rmtree(data)


if __name__ == "__main__":
    main()
