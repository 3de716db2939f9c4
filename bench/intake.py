#!/usr/bin/env python3
"""Load on the public report form (bench/run, issue 8): CLIENTS threads, each in a loop
fetching the form of COUNTRY (GET /report/<country>, which carries a one-time form token)
and sending a report with it (POST /report), until SECONDS have passed. A report counts
when the answer is 200 with a receipt on it: dtz answers only after the report is
committed, so these are durable, acknowledged reports.

The public form is limited per source address (20 reports an hour), so each report comes
from its own address in 127.0.0.0/8, as if from many reporters; the loopback takes any.

Usage: intake.py HOST:PORT COUNTRY CLIENTS SECONDS
Prints: reports SECONDS RATE P50_MS P99_MS FAILED (latency of the POST alone)
"""
import http.client
import itertools
import re
import sys
import threading
import time
import urllib.parse

addr, country, clients, seconds = sys.argv[1], sys.argv[2].lower(), int(sys.argv[3]), float(sys.argv[4])
host, port = addr.rsplit(":", 1)
counter = itertools.count()
lock = threading.Lock()
latencies, failed = [], [0]
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def source(i):
    return "127.%d.%d.%d" % (1 + (i >> 16) % 250, (i >> 8) & 255, 1 + (i & 255) % 254)


def one(i):
    c = http.client.HTTPConnection(host, int(port), timeout=60, source_address=(source(i), 0))
    try:
        c.request("GET", "/report/" + country)
        r = c.getresponse()
        m = CSRF.search(r.read().decode("utf-8", "replace"))
        if r.status != 200 or not m:
            return None
        body = urllib.parse.urlencode({"csrf": m.group(1), "lang": "en", "country": country.upper(),
                                       "what": "A sample report sent by bench/intake.py (sample data)."})
        t = time.monotonic()
        c.request("POST", "/report", body, {"Content-Type": "application/x-www-form-urlencoded"})
        r = c.getresponse()
        text = r.read().decode("utf-8", "replace")
        ms = (time.monotonic() - t) * 1e3
        return ms if r.status == 200 and 'class="receipt"' in text else None
    finally:
        c.close()


def worker(deadline):
    while time.monotonic() < deadline:
        try:
            ms = one(next(counter))
        except OSError:
            ms = None
        with lock:
            if ms is None:
                failed[0] += 1
            else:
                latencies.append(ms)


start = time.monotonic()
threads = [threading.Thread(target=worker, args=(start + seconds,)) for _ in range(clients)]
for t in threads:
    t.start()
for t in threads:
    t.join()
elapsed = time.monotonic() - start
latencies.sort()
at = lambda q: latencies[round((len(latencies) - 1) * q)] if latencies else 0.0
print("%d %.1f %.1f %.1f %.1f %d" % (len(latencies), elapsed, len(latencies) / elapsed, at(0.5), at(0.99), failed[0]))
