-- wrk script: send the API token of bench/run (DTZ_BENCH_TOKEN) as a Bearer token.
wrk.headers["Authorization"] = "Bearer " .. os.getenv("DTZ_BENCH_TOKEN")
