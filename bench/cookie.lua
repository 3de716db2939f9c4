-- wrk script: send the session cookie of bench/run (DTZ_BENCH_COOKIE), as a signed-in browser would.
wrk.headers["Cookie"] = os.getenv("DTZ_BENCH_COOKIE")
