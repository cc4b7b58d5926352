#!/usr/bin/env python3
"""Latency of the upload path and the media list against a running picup-api (embedded defaults).

Usage: start `picup-api` with a fresh PICUP_DATA_DIR, then `python3 api/bench/latency.py http://127.0.0.1:8080 [N]`.
Measures, over N small files, one at a time on one keep-alive connection: reserve, PUT to the
presigned URL, complete; then list pages of 50. Prints p50/p95/max in ms.
"""
import http.client, json, statistics, sys, time, urllib.parse

base = urllib.parse.urlparse(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8080")
count = int(sys.argv[2]) if len(sys.argv) > 2 else 200
api = http.client.HTTPConnection(base.hostname, base.port)

def call(method, path, body=None, token=None):
    headers = {"content-type": "application/json"}
    if token:
        headers["authorization"] = f"Bearer {token}"
    api.request(method, "/api/v1" + path, json.dumps(body) if body is not None else None, headers)
    response = api.getresponse()
    data = response.read()
    return response.status, (json.loads(data) if data else None)

call("POST", "/auth/register", {"email": "bench@family.test", "password": "bench password", "display_name": "Bench"})
_, login = call("POST", "/auth/login", {"email": "bench@family.test", "password": "bench password"})
token = login["token"]
_, album = call("POST", "/albums", {"title": "Bench"}, token)
body = b"x" * 2048
timings = {"reserve": [], "put": [], "complete": [], "list": []}
store = None
for i in range(count):
    started = time.perf_counter()
    status, reservation = call("POST", f"/albums/{album['id']}/uploads", {"filename": f"{i}.jpg", "size": len(body), "content_type": "image/jpeg"}, token)
    assert status == 201, reservation
    timings["reserve"].append(time.perf_counter() - started)
    url = urllib.parse.urlparse(reservation["url"])
    if store is None:
        store = http.client.HTTPConnection(url.hostname, url.port)
    started = time.perf_counter()
    store.request("PUT", url.path + "?" + url.query, body, reservation["headers"])
    response = store.getresponse(); response.read()
    assert response.status == 200
    timings["put"].append(time.perf_counter() - started)
    started = time.perf_counter()
    status, done = call("POST", f"/uploads/{reservation['id']}/complete", {}, token)
    assert status == 201, done
    timings["complete"].append(time.perf_counter() - started)
for _ in range(50):
    started = time.perf_counter()
    status, page = call("GET", f"/albums/{album['id']}/media?limit=50", None, token)
    assert status == 200
    timings["list"].append(time.perf_counter() - started)

print(f"{'step':<10} {'n':>5} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
for step, values in timings.items():
    ms = sorted(v * 1000 for v in values)
    print(f"{step:<10} {len(ms):>5} {statistics.median(ms):>8.2f} {ms[int(len(ms) * 0.95) - 1]:>8.2f} {ms[-1]:>8.2f}")
