"""Web load: 16 concurrent clients for 60 s against a real server, half JSON API, half pages.

Starts each server configuration in turn on a free loopback port over the same index, waits
until it answers, then runs the clients (threads with keep-alive connections, in this process)
for ``--seconds``, each asking for the next of 300 seeded title queries (query_latency.py's
recipe) alternately from ``/api/search`` and ``/``. Reports requests/s, p50/p95/max per kind,
errors (any status other than 200, or a failed connection) and the server processes' RSS.

    .venv/bin/python bench/web_load.py                               # bench/.cache/reuters-x1
    .venv/bin/python bench/web_load.py --servers gunicorn --seconds 20
    .venv/bin/python bench/web_load.py --baseline /tmp/old-checkout  # also serve an older checkout

Servers: ``serve`` is ``dateline serve --workers 2`` (gunicorn behind the command, as ``make
serve`` runs it), ``gunicorn`` is gunicorn run directly on ``web:create_app()``. ``--baseline DIR``
serves DIR's ``search``/``web`` packages with DIR's own ``dateline serve`` (waitress before this
change: ``pip install -e '.[bench]'``), for a same-run comparison. The machine has 2 cores: the clients share
them with the server, so the figures are what one box can do, not the server alone.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
sys.path.insert(0, str(BENCH_DIR))

from query_latency import (  # noqa: E402
    CORPUS,
    FUZZ_SEED,
    QUERY_SEED,
    machine_info,
    make_fuzz_queries,
    make_queries,
    summarize,
)

RESULTS = BENCH_DIR / "results" / "web_load.json"
BIN = Path(sys.executable).parent
TARGETS = {"api_p95_ms": 100.0, "page_p95_ms": 150.0}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_command(kind: str, index: Path, port: int, baseline: Path | None) -> tuple[list[str], dict]:
    env = {**os.environ, "DATELINE_INDEX": str(index)}
    if kind == "gunicorn":
        return [str(BIN / "gunicorn"), "--workers", "2", "--threads", "4", "--bind", f"127.0.0.1:{port}",
                "--log-level", "warning", "web:create_app()"], env
    code = "import sys; from search.cli import main; sys.exit(main())"
    if kind == "baseline":
        env["PYTHONPATH"] = str(baseline)
        code = f"import sys; sys.path.insert(0, {str(baseline)!r}); " + code
    workers = ["--workers", "2"] if kind == "serve" else []  # the baseline's serve had no --workers
    return [sys.executable, "-c", code, "serve", "--index", str(index), "--port", str(port), *workers], env


def _tree_rss_mb(pid: int) -> float:
    """RSS of a process and its children (gunicorn's workers)."""
    pids, total = [pid], 0
    for path in Path("/proc").iterdir():
        if path.name.isdigit():
            try:
                if int((path / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:  # "pid (name) state ppid"
                    pids.append(int(path.name))
            except (OSError, IndexError, ValueError):
                continue
    for one in pids:
        try:
            for line in Path(f"/proc/{one}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return round(total / 1024, 1)


def run(kind: str, index: Path, clients: int, seconds: float, queries: list[str], baseline: Path | None,
        fuzz: list[str], fuzz_clients: int, close: bool = False) -> dict:
    port = _free_port()
    command, env = server_command(kind, index, port, baseline)
    server = subprocess.Popen(command, env=env, cwd=str(ROOT), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                connection.request("GET", "/api/search?q=oil")
                if connection.getresponse().status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                raise RuntimeError(f"{kind} did not start: {server.stderr.read().decode()[-2000:]}")
            time.sleep(0.3)
        times: dict[str, list[float]] = {"api": [], "page": [], "fuzz": []}
        errors: list[str] = []
        stop = time.monotonic() + seconds
        lock = threading.Lock()

        def client(number: int) -> None:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            i = number * 37
            while time.monotonic() < stop:
                if number < fuzz_clients:  # a client typing fuzzed queries: wildcards, fuzzy, ranges...
                    kind_, path = "fuzz", "/api/search?" + urlencode({"q": fuzz[i % len(fuzz)]})
                else:
                    kind_ = "api" if i % 2 else "page"
                    path = ("/api/search?" if kind_ == "api" else "/?") + urlencode({"q": queries[i % len(queries)]})
                started = time.perf_counter()
                try:
                    if close:  # a new connection per request
                        connection.close()
                    connection.request("GET", path, headers={"Connection": "close"} if close else {})
                    response = connection.getresponse()
                    response.read()
                    status = response.status
                except OSError as error:
                    status = type(error).__name__
                    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                elapsed = (time.perf_counter() - started) * 1000
                with lock:
                    times[kind_].append(elapsed)
                    if status != 200 and not (kind_ == "fuzz" and status == 400):  # 400: refused with a reason
                        errors.append(f"{status} {path}")
                i += 1

        threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - started
        rss = _tree_rss_mb(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=30)
    total = len(times["api"]) + len(times["page"])  # the fuzz clients' requests are reported apart
    return {
        "server": " ".join(command[:6]) if kind != "baseline" else f"baseline {baseline} (waitress, 8 threads)",
        "requests": total,
        "requests_per_s": round(total / elapsed, 1),
        "api": summarize(times["api"]),
        "page": summarize(times["page"]),
        "fuzz": summarize(times["fuzz"]) if times["fuzz"] else None,
        "errors": len(errors),
        "first_errors": errors[:5],
        "server_rss_mb": rss,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index", type=Path, default=BENCH_DIR / ".cache" / "reuters-x1",
                        help="index folder (default: query_latency.py's 1x Reuters index)")
    parser.add_argument("--servers", default="serve,gunicorn",
                        help="comma-separated: serve (`dateline serve`), gunicorn (gunicorn run directly)")
    parser.add_argument("--baseline", type=Path, help="an older checkout to serve with waitress first")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--close", action="store_true", help="a new connection per request (no keep-alive): "
                        "waitress stalls some keep-alive clients for 30 s under this load")
    parser.add_argument("--out", type=Path, default=RESULTS, help=f"result file (default {RESULTS.relative_to(ROOT)})")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--fuzz-clients", type=int, default=0,
                        help="of the clients, how many send fuzzed queries (query_latency.py's g_fuzz) to the API")
    args = parser.parse_args(argv)
    if not (args.index / "CURRENT").is_file():
        print(f"No index at {args.index}: run bench/query_latency.py --sizes 1 first.", file=sys.stderr)
        return 2
    queries = make_queries(CORPUS, 300, QUERY_SEED)
    fuzz = make_fuzz_queries(CORPUS, 2000, FUZZ_SEED)
    kinds = (["baseline"] if args.baseline else []) + [k.strip() for k in args.servers.split(",") if k.strip()]
    unknown = set(kinds) - {"baseline", "serve", "gunicorn"}
    if unknown:
        parser.error(f"--servers: unknown {', '.join(sorted(unknown))} (choose serve, gunicorn)")
    report = {"machine": machine_info(), "parameters": {"index": str(args.index), "clients": args.clients,
              "seconds": args.seconds, "queries": 300, "mix": "alternately /api/search and / (the page)",
              "fuzz_clients": args.fuzz_clients, "keep_alive": not args.close,
              "targets": TARGETS}, "runs": {}}
    for kind in kinds:
        print(f"{kind}: {args.clients} clients for {args.seconds:.0f} s ...", file=sys.stderr)
        report["runs"][kind] = run(kind, args.index, args.clients, args.seconds, queries, args.baseline,
                                   fuzz, args.fuzz_clients, args.close)
    report["machine"]["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    print(f"{'server':<10} {'req/s':>7} {'api p50':>8} {'api p95':>8} {'api max':>8} {'page p50':>9} "
          f"{'page p95':>9} {'page max':>9} {'errors':>7} {'RSS MB':>7}")
    for kind, r in report["runs"].items():
        print(f"{kind:<10} {r['requests_per_s']:>7.1f} {r['api']['p50_ms']:>8.1f} {r['api']['p95_ms']:>8.1f} "
              f"{r['api']['max_ms']:>8.1f} {r['page']['p50_ms']:>9.1f} {r['page']['p95_ms']:>9.1f} "
              f"{r['page']['max_ms']:>9.1f} {r['errors']:>7} {r['server_rss_mb']:>7.0f}"
              + (f"   fuzz p95 {r['fuzz']['p95_ms']:.0f} max {r['fuzz']['max_ms']:.0f} ms" if r["fuzz"] else ""))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
