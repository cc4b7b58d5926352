#!/usr/bin/env python3
"""`picup-api import` (#18) against the raw speed of copying the same bytes to the same store,
side by side in one run, on embedded defaults (SQLite, the embedded S3) and on PostgreSQL + Redis
+ an S3 that checks signatures (LocalStack's).

The files are the shared corpus's photos and videos (`../shared/corpus`), COPIES times over, each
copy made distinct by random bytes after the file's end (decoders ignore them), so nothing is a
duplicate. For each backend, on a fresh database and store:
  raw     every file PUT to the store with boto3, JOBS at once (no hashing, no database);
  import  `picup-api import --jobs JOBS` of the same folder: scan, SHA-256 of every file, the
          quota, then reserve / PUT / complete for each, as the web does.
It prints files/s and MB/s of each, the import's time over the raw copy's, and the import's peak
RSS (from /usr/bin/time). Thumbnails are not part of it: no thumbnailer runs during the import.

    api/bench/import-speed.py     (BIN=target/release/picup-api COPIES=4 JOBS=4;
                                   PG_URL=postgres://postgres@127.0.0.1:5432 REDIS_URL=redis://127.0.0.1:6379;
                                   S3_ENDPOINT=http://127.0.0.1:PORT of a running LocalStack, else one is started)
"""

import concurrent.futures
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from benchlib import MIB, REPO, Server, binary, free_port, shown

CORPUS = REPO.parent / "shared" / "corpus"
MEDIA = {".jpg", ".jpeg", ".heic", ".png", ".webp", ".mp4", ".mov", ".gif", ".avif"}
COPIES = int(os.environ.get("COPIES", "4"))
JOBS = int(os.environ.get("JOBS", "4"))
PG_URL = os.environ.get("PG_URL", "postgres://postgres@127.0.0.1:5432")
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379")
EMAIL = "bench@family.test"


def boto3():
    """boto3 for the raw copy, installed into a private virtualenv the first time."""
    try:
        import boto3 as module
        return module
    except ImportError:
        venv = Path(tempfile.gettempdir()) / "picup-bench-venv"
        if not (venv / "bin" / "python").exists():
            subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
            subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "boto3"], check=True)
        site = next((venv / "lib").glob("python3*/site-packages"))
        sys.path.insert(0, str(site))
        import boto3 as module
        return module


def make_files(into):
    files = [path for path in sorted(CORPUS.rglob("*")) if path.is_file() and path.suffix.lower() in MEDIA]
    if not files:
        sys.exit(f"needs the shared corpus: {CORPUS}")
    made = []
    for copy in range(COPIES):
        folder = into / f"copy-{copy}"
        folder.mkdir(parents=True)
        for n, path in enumerate(files):
            target = folder / f"{copy}-{n:03}-{path.name}"
            target.write_bytes(path.read_bytes() + os.urandom(64))
            made.append(target)
    return made


def raw_copy(files, endpoint, bucket, key_id, secret):
    s3 = boto3().client("s3", endpoint_url=endpoint, aws_access_key_id=key_id, aws_secret_access_key=secret,
                        region_name="us-east-1")
    try:
        s3.create_bucket(Bucket=bucket)
    except s3.exceptions.ClientError as err:
        if "BucketAlready" not in str(err):
            raise

    def put(path):
        s3.put_object(Bucket=bucket, Key=f"raw/{uuid.uuid4()}", Body=path.read_bytes())

    started = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(JOBS) as pool:
        list(pool.map(put, files))
    return time.perf_counter() - started


def run_import(env, folder, log):
    started = time.perf_counter()
    done = subprocess.run(["/usr/bin/time", "-v", binary(), "import", "--user", EMAIL, "--jobs", str(JOBS),
                           "--report", str(log.with_suffix(".report")), str(folder)],
                          env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    log.write_text(done.stdout + done.stderr)
    if done.returncode != 0 or "0 failed" not in done.stdout:
        sys.exit(f"the import failed; see {log}")
    peak = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr).group(1))
    imported = int(re.search(r"^imported (\d+) files", done.stdout, re.M).group(1))
    return seconds, peak, imported


def line(label, count, size, seconds):
    return f"  {label:<7} {count:5} files {size / MIB:7.1f} MiB in {seconds:6.2f} s: " \
           f"{count / seconds:7.1f} files/s {size / MIB / seconds:7.1f} MiB/s"


def backend(name, env, files, folder, work, store):
    """`store(server_or_none)` gives the raw copy's endpoint, bucket and keys."""
    data = work / name
    data.mkdir()
    env = {**os.environ, "RUST_LOG": "error", "PICUP_DATA_DIR": str(data / "data"), **env}
    server = Server(env, data / "api.log")
    try:
        server.first_person(EMAIL)
        raw_seconds = raw_copy(files, *store(data / "data"))
    finally:
        server.stop()
    size = sum(path.stat().st_size for path in files)
    import_seconds, peak, imported = run_import(env, folder, data / "import.log")
    assert imported == len(files), f"{imported} of {len(files)} imported"
    print(f"{name}:")
    print(line("raw", len(files), size, raw_seconds))
    print(line("import", imported, size, import_seconds))
    print(f"  import / raw: {import_seconds / raw_seconds:.2f}x the time; import peak RSS {peak / 1024:.1f} MiB")


def localstack(work):
    endpoint = os.environ.get("S3_ENDPOINT")
    if endpoint:
        return endpoint, None
    port = free_port()
    start = REPO.parent / "shared" / "tools" / "localstack" / "start"
    pid = subprocess.run([str(start), str(port), str(work / "localstack")], capture_output=True, text=True,
                         check=True).stdout.split()[-1]
    return f"http://127.0.0.1:{port}", int(pid)


def main():
    work = Path(tempfile.mkdtemp(prefix="picup-import-bench-"))
    localstack_pid = None
    try:
        folder = work / "photos"
        files = make_files(folder)
        for path in files:  # The page cache warm for both: each reads the same bytes from memory.
            path.read_bytes()
        size = sum(path.stat().st_size for path in files)
        print(f"{len(files)} files, {size / MIB:.1f} MiB ({COPIES} copies of the corpus's photos and videos); "
              f"{JOBS} at once; {shown(binary())}")

        def embedded_store(data_dir):
            key_id, secret = (data_dir / "embedded-s3-credentials").read_text().strip().split(":", 1)
            return embedded_endpoint, "picup", key_id, secret

        embedded_port = free_port()
        embedded_endpoint = f"http://127.0.0.1:{embedded_port}"
        backend("embedded (SQLite, embedded S3)", {"PICUP_EMBEDDED_S3_ADDR": f"127.0.0.1:{embedded_port}"},
                files, folder, work, embedded_store)

        endpoint, localstack_pid = localstack(work)
        database = f"picup_import_bench_{os.getpid()}"
        subprocess.run(["psql", PG_URL + "/postgres", "-qc", f"CREATE DATABASE {database}"], check=True)
        bucket = f"picup-import-bench-{os.getpid()}"
        try:
            backend("PostgreSQL + Redis + LocalStack S3",
                    {"DATABASE_URL": f"{PG_URL}/{database}", "REDIS_URL": REDIS_URL,
                     "PICUP_REDIS_PREFIX": database, "PICUP_S3_BUCKET": bucket, "PICUP_S3_ENDPOINT": endpoint,
                     "PICUP_S3_FORCE_PATH_STYLE": "true", "PICUP_S3_ACCESS_KEY_ID": "test",
                     "PICUP_S3_SECRET_ACCESS_KEY": "test"},
                    files, folder, work, lambda _: (endpoint, bucket, "test", "test"))
        finally:
            subprocess.run(["psql", PG_URL + "/postgres", "-qc", f"DROP DATABASE IF EXISTS {database}"])
    finally:
        if localstack_pid:
            os.kill(localstack_pid, 15)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
