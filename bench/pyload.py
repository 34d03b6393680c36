"""A small load generator for when wrk is missing: N keep-alive connections in threads, one process.

Run as `python -m bench.pyload URL list|create|send|get SECONDS CONNECTIONS [CONVERSATION_ID]` (`get` reads
that conversation); prints one JSON line.
"""

from __future__ import annotations

import http.client
import json
import sys
import threading
import time
from urllib.parse import urlsplit

from bench.load import USER_POOL, request_for
from bench.processes import DEMO_KEY


def main(url: str, endpoint: str, seconds: float, connections: int, conversation_id: str | None = None) -> dict:
    """Drive the endpoint for `seconds`; return req/s, p50, p99 and non-2xx count."""
    parts = urlsplit(url)
    latencies: list[float] = []
    bad = [0]
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds
    method, path, template = request_for(endpoint, conversation_id)
    bodies = [json.dumps({**(template or {}), "user_number": f"+1555{1_000_000 + n:07d}"}) for n in range(USER_POOL)]

    def worker() -> None:
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
        mine: list[float] = []
        sent = 0
        while time.perf_counter() < deadline:
            began = time.perf_counter()
            if template is None:
                connection.request(method, path, headers={"authorization": DEMO_KEY})
            else:
                headers = {"authorization": DEMO_KEY, "content-type": "application/json"}
                connection.request(method, path, body=bodies[sent % USER_POOL], headers=headers)
                sent += 1
            response = connection.getresponse()
            response.read()
            mine.append(time.perf_counter() - began)
            if response.status >= 300:
                with lock:
                    bad[0] += 1
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=worker) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    latencies.sort()
    return {
        "requests_per_second": len(latencies) / seconds,
        "p50_ms": latencies[len(latencies) // 2] * 1000,
        "p99_ms": latencies[int(len(latencies) * 0.99)] * 1000,
        "non_2xx": bad[0],
    }


if __name__ == "__main__":
    conversation = sys.argv[5] if len(sys.argv) > 5 else None
    print(json.dumps(main(sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4]), conversation)))
