# Writes bench/RESULTS.md from the R_<backend>_<key> figures that bench/run measured.
# Sourced by bench/run; the "## Notes" section of the previous RESULTS.md is kept.

# "met" or "**missed**" for `value < target`.
verdict() { awk -v v="$1" -v t="$2" 'BEGIN { print (v + 0 < t + 0) ? "met" : "**missed**" }'; }

# "met" or "**missed**" for `value >= target`.
verdict_ge() { awk -v v="$1" -v t="$2" 'BEGIN { print (v + 0 >= t + 0) ? "met" : "**missed**" }'; }

# Field $2 (1-based) of the space-separated figures in $1.
nth() { awk -v i="$2" '{ print $i }' <<<"$1"; }

thousands() { sed ':a;s/\B[0-9]\{3\}\>/,&/;ta' <<<"$1"; }

# "12,345 req/s; p50 1.20 ms; p99 5.00 ms" (+ errors) from load()'s figures.
load_text() {
  local f=$1 errors
  errors=$(nth "$f" 6)
  printf '%s req/s; p50 %s ms; p99 %s ms' "$(thousands "$(nth "$f" 1)")" "$(nth "$f" 2)" "$(nth "$f" 3)"
  [ "${errors:-0}" != 0 ] && printf '; **%s errors or non-2xx answers**' "$errors"
  return 0
}

get() { local v="R_$1_$2"; echo "${!v-}"; }

table() {
  local be=$1 healthz idle peak f i entry ratio
  healthz=$(get "$be" healthz)
  idle=$(get "$be" idle_kb)
  peak=$(nth "$healthz" 4)
  for i in "${!ENDPOINTS[@]}"; do
    f=$(get "$be" "ep$i")
    [ "$(nth "$f" 4)" -gt "$peak" ] && peak=$(nth "$f" 4)
  done
  local intake_peak
  intake_peak=$(nth "$(get "$be" intake_http)" 7)
  [ "${intake_peak:-0}" -gt "$peak" ] && peak=$intake_peak
  echo
  echo "### $be"
  echo
  echo "| measure | figure | target (issue 8) | |"
  echo "|---|---|---|---|"
  echo "| \`dtz demo --scale $SCALE\`, whole command (demo with its Argon2 hashes, then the generator; ${#BACKENDS[@]} databases generated at once, sharing the cores) | $(get "$be" demo_s) s | | |"
  echo "| of which the generator (its own report) | $(get "$be" demo_line | sed 's/^Generated //') | | |"
  echo "| its steps | $(get "$be" demo_steps) | | |"
  echo "| rows in the database afterwards | $(get "$be" counts | sed 's/ *$//; s/ /, /g; s/=/: /g') | issue 8 at scale 100: 1M values, 500,000 activities, 100,000 cases with referrals and follow-ups, 200 organisations | |"
  echo "| cold start to the first 200 on \`/healthz\`, median of $COLD_RUNS | $(get "$be" cold_ms) ms (runs: $(get "$be" cold_runs)) | < 200 ms | $(verdict "$(get "$be" cold_ms)" 200) |"
  local parts split=""
  parts=$(get "$be" idle_parts)
  [ -n "$parts" ] && split=" (dtz's own, RssAnon: $(mb "$(nth "$parts" 1)") MB; mapped from files, RssFile — the binary's code and the libraries, shared with the page cache: $(mb "$(nth "$parts" 2)") MB)"
  echo "| resident memory, idle 2 s after start | $(mb "$idle") MB$split | < 30 MB | $(verdict "$(mb "$idle")" 30) |"
  echo "| \`/healthz\`, $CONNECTIONS connections — the ceiling | $(load_text "$healthz") | | |"
  for i in "${!ENDPOINTS[@]}"; do
    entry=${ENDPOINTS[$i]}
    f=$(get "$be" "ep$i")
    ratio=$(awk -v a="$(nth "$f" 1)" -v b="$(nth "$healthz" 1)" 'BEGIN { printf "%.2f", (b > 0) ? a / b : 0 }')
    local label=${entry#*|}
    label=${label#*|}
    local limit=""
    case "$label" in
      "results page of the generated"*) limit=300 ;;
      "case list"*) label="$label, $(thousands "$(get "$be" cases)") cases in the database"; limit=50 ;;
    esac
    local queue=""
    [ -n "$limit" ] && queue=" (saturated: $CONNECTIONS ÷ throughput = $(awk -v c="$CONNECTIONS" -v r="$(nth "$f" 1)" 'BEGIN { printf "%.0f", (r > 0) ? 1000 * c / r : 0 }') ms of queue)"
    echo "| $label, $CONNECTIONS connections; statements per request: $(nth "$f" 7); first request after the start: $(nth "$f" 8) ms | $(load_text "$f")$queue; **$ratio** of \`/healthz\`; server's resident memory at its peak so far $(mb "$(nth "$f" 4)") MB | | |"
    local lat
    lat=$(get "$be" "lat$i")
    if [ -n "$limit" ] && [ -n "$lat" ]; then
      echo "| the same at $LATENCY_CONNECTIONS connections (a busy hour's requests in flight at once) | $(load_text "$lat") | p99 < $limit ms | $(verdict "$(nth "$lat" 3)" "$limit") |"
    fi
  done
  local rollup floor
  rollup=$(get "$be" rollup)
  floor=$(get "$be" floor)
  if [ -n "$rollup" ]; then
    local x
    x=$(awk -v a="$(nth "$rollup" 2)" -v b="$(nth "$floor" 2)" 'BEGIN { printf "%.3f", (b > 0) ? a / b : 0 }')
    echo "| rollup of SCALE in process (alliance × period × part, approved), $ROLLUP_RUNS runs: $(nth "$rollup" 3) figures | p50 $(nth "$rollup" 1) ms; p99 $(nth "$rollup" 2) ms | p99 < 50 ms at scale 100 | $(verdict "$(nth "$rollup" 2)" 50) |"
    echo "| the same rollup computed (its first run, which fills the memo) | $(get "$be" rollup_cold) ms | | |"
    echo "| after an approval: \`dtz serve\` computes the most asked answers ahead (period; country × period; period × part), nobody waiting | $(get "$be" rollup_warm) ms | | |"
    echo "| the first request for the rollup after an approval, once they are computed ahead | $(get "$be" rollup_after_warm) ms | p99 < 50 ms | $(verdict "$(get "$be" rollup_after_warm)" 50) |"
    echo "| its floor: the same sums as one raw SQL query, $ROLLUP_RUNS runs: $(nth "$floor" 3) rows | p50 $(nth "$floor" 1) ms; p99 $(nth "$floor" 2) ms; rollup p99 ÷ floor p99 = **$x** | ≤ 3 | $(verdict "$x" 3.0001) |"
  fi
  local prog iati
  for prog in DTZ SCALE; do
    iati=$(get "$be" "iati_$prog")
    [ -n "$iati" ] || continue
    local t="" m=""
    [ "$prog" = DTZ ] && { t="< 1 s"; m=$(verdict "$(nth "$iati" 1)" 1); }
    echo "| \`dtz export iati --programme $prog\` (whole programme, $(thousands "$(nth "$iati" 3)") bytes), whole command | $(nth "$iati" 1) s; peak memory $(mb "$(nth "$iati" 2)") MB | $t | $m |"
  done
  intake_rows "$be"
  local imp
  imp=$(get "$be" import)
  if [ -n "$imp" ]; then
    local rps
    rps=$(awk -v n="$(nth "$imp" 1)" -v s="$(nth "$imp" 2)" 'BEGIN { printf "%.0f", (s > 0) ? n / s : 0 }')
    echo "| \`dtz import values\` of a $(thousands "$(nth "$imp" 1)")-row CSV (whole command, all or nothing, one transaction) | $(nth "$imp" 2) s: **$(thousands "$rps") rows/s**; peak memory $(mb "$(nth "$imp" 3)") MB | ≥ 50,000 rows/s | $(verdict_ge "$rps" 50000) |"
  fi
  echo "| resident memory under $CONNECTIONS connections (peak, sampled every 0.2 s) | $(mb "$peak") MB | < 150 MB | $(verdict "$(mb "$peak")" 150) |"
  echo "| resident memory after the load | $(mb "$(get "$be" after_kb)") MB | | |"
}

# Key=value figure $2 of the intake's in-process parts of backend $1.
part() { tr ' ' '\n' <<<"$(get "$1" intake_parts)" | awk -F= -v k="$2" '$1 == k { print $2 }'; }

intake_rows() {
  local be=$1 http bound ratio hash_all before when="after the load"
  http=$(get "$be" intake_http)
  bound=$(part "$be" bound)
  hash_all=$(part "$be" hash_all)
  # Measured before and after the load: the higher bound (faster hashes) is taken.
  before=$(get "$be" bound_before)
  if [ -n "$(nth "$before" 1)" ]; then
    when="before the load $(nth "$before" 1), after it $bound reports/s: the higher taken"
    if awk -v a="$(nth "$before" 1)" -v b="$bound" 'BEGIN { exit !(a > b) }'; then
      bound=$(nth "$before" 1)
      hash_all=$(nth "$before" 2)
    fi
  fi
  [ -n "$http" ] || return 0
  ratio=$(awk -v a="$(nth "$http" 3)" -v b="$bound" 'BEGIN { printf "%.2f", (b > 0) ? a / b : 0 }')
  local failed=""
  [ "$(nth "$http" 6)" != 0 ] && failed="; **$(nth "$http" 6) not acknowledged**"
  echo "| public reports through HTTP (form with its one-time token, then the report), $CONNECTIONS clients, each report from its own address | $(nth "$http" 1) acknowledged in $(nth "$http" 2) s: **$(nth "$http" 3) reports/s**; POST p50 $(nth "$http" 4) ms, p99 $(nth "$http" 5) ms$failed; server's resident memory at its peak $(mb "$(nth "$http" 7)") MB | | |"
  echo "| its bound: receipts hashed per second with all $(nproc) cores hashing at once (Argon2id, production cost; $(part "$be" hash) ms one alone, median of 9; $hash_all ms each when all cores hash; $when) | $bound reports/s; reports/s ÷ bound = **$ratio** | ≥ 0.90 | $(verdict_ge "$ratio" 0.9) |"
  local server_cpu client_cpu db_cpu
  server_cpu=$(nth "$http" 8)
  client_cpu=$(nth "$http" 9)
  db_cpu=$(nth "$http" 10)
  [ "$be" = postgres ] || db_cpu=0
  if [ -n "$client_cpu" ]; then
    local cores hash_share adjusted others="client" db_text=""
    cores=$(awk -v s="$server_cpu" -v t="$(nth "$http" 2)" 'BEGIN { printf "%.2f", (t > 0) ? s / t : 0 }')
    hash_share=$(awk -v n="$(nth "$http" 1)" -v h="$hash_all" -v s="$server_cpu" 'BEGIN { printf "%.0f", (s > 0) ? 100 * n * h / 1000 / s : 0 }')
    adjusted=$(awk -v r="$(nth "$http" 3)" -v h="$hash_all" -v c="$client_cpu" -v d="${db_cpu:-0}" -v t="$(nth "$http" 2)" -v n="$(nproc)" 'BEGIN { b = (n - (c + d) / t) * 1000 / h; printf "%.2f", (b > 0) ? r / b : 0 }')
    if [ "$be" = postgres ] && [ -n "$db_cpu" ]; then
      others="client and PostgreSQL"
      db_text="; PostgreSQL's processes (same machine) $db_cpu CPU s"
    fi
    echo "| where the cores went during it: the server, the load client (\`dtz bench intake-http\`, same machine) | server $server_cpu CPU s in $(nth "$http" 2) s ($cores cores), of which about $hash_share % hashing receipts (reports × hash time); client $client_cpu CPU s$db_text; reports/s ÷ the bound on the cores the $others left = **$adjusted** | | |"
  fi
  local w=writeN
  local grouped=""
  [ -n "$(part "$be" writeN_per_commit)" ] && grouped="; SQLite's group commit: $(part "$be" writeN_per_commit) transactions per commit (fsync) from $(part "$be" clients) clients, $(part "$be" write1_per_commit) from 1"
  echo "| the write path alone (data key, sealed report, token, signal, audit event; each its own durable transaction, hash done before), in process, $INTAKE_REPORTS reports | 1 client: $(thousands "$(part "$be" write1)")/s; $(part "$be" clients) clients: **$(thousands "$(part "$be" $w)")/s**$grouped | ≥ 1,000 reports/s on SQLite | $([ "$be" = sqlite ] && verdict_ge "$(part "$be" $w)" 1000) |"
  echo "| raw inserts of the same signal rows, same durability, one transaction each | 1 client: $(thousands "$(part "$be" raw1)")/s; $(part "$be" clients) clients: $(thousands "$(part "$be" rawN)")/s; write path ÷ raw = **$(awk -v a="$(part "$be" $w)" -v b="$(part "$be" rawN)" 'BEGIN { printf "%.2f", (b > 0) ? a / b : 0 }')** | | |"
}

write_results() {
  local cpu mem commit dirty="" be
  cpu=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo)
  mem=$(awk '/^MemTotal:/ { printf "%.1f GB", $2 * 1024 / 1e9 }' /proc/meminfo)
  commit=$(git rev-parse --short HEAD)
  git diff --quiet HEAD -- crates Cargo.toml Cargo.lock || dirty=" (with uncommitted changes to the code)"
  cat <<EOF
# Benchmark results

Written by \`bench/run\`; see \`bench/README.md\`. Figures from one run on a shared machine:
compare rows within a run (both databases were measured in it, one after the other), not
with runs on other days.

- **machine:** $(nproc) cores, $cpu, $mem memory; $(uname -sr); load average $LOAD_BEFORE
  before the run and $(cut -d' ' -f1-3 /proc/loadavg) after it (other work on the machine)
- **date:** $(date -u '+%Y-%m-%d %H:%M UTC')
- **run time:** ${RUN_S:-?} s in all, of which ${GEN_S:-?} s generating the databases (both at once); the release build excluded
- **commit:** $commit$dirty
- **load tool:** $(wrk -v 2>&1 | head -n 1 | awk '{ print $1, $2 }'), on the same machine as the server, sharing its cores
- **PostgreSQL:** $(psql -At "$PGADMIN/postgres" -c 'SHOW server_version' 2>/dev/null || echo 'not reached'), local, default settings

## Commands

\`\`\`sh
bench/run --scale $SCALE --duration $DURATION --connections $CONNECTIONS --latency-connections $LATENCY_CONNECTIONS --import-rows $IMPORT_ROWS --intake-reports $INTAKE_REPORTS
# which runs, for each database (DTZ_DATABASE_URL=sqlite://… or postgres://…/$PGDB, DTZ_LOG=warn):
cargo build --release --bin dtz
dtz demo --scale $SCALE
dtz token create --email admin@demo.example.org --name bench       # and alliance.lead@…
dtz programme dump SCALE | sed 's/^code = "SCALE"/code = "IMPORT"/' > import.toml; dtz programme load import.toml
python3 bench/values_csv.py dtz.db $IMPORT_ROWS values.csv    # whole reports of SCALE (from the SQLite run)
dtz import values --programme IMPORT values.csv
dtz bench rollup SCALE --runs $ROLLUP_RUNS     # hidden subcommand: the rollup and its SQL floor, in process
dtz bench intake --reports $INTAKE_REPORTS --clients $CONNECTIONS     # Argon2 hash time, write path alone, raw inserts
dtz serve --addr 127.0.0.1:PORT     # $COLD_RUNS times: curl /healthz in a tight loop until 200, then stop
DTZ_COUNT_QUERIES=1 dtz serve --addr 127.0.0.1:PORT     # once more, for the figures below
curl -c COOKIES --data-urlencode email=alliance.lead@… --data-urlencode password=… http://127.0.0.1:PORT/login
dtz export iati --programme DTZ -o FILE     # and SCALE, under /usr/bin/time -f '%e %M'
wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency http://127.0.0.1:PORT/healthz
dtz bench intake-http 127.0.0.1:PORT COUNTRY --clients $CONNECTIONS --seconds SECONDS     # public reports, under /usr/bin/time
EOF
  local entry
  for entry in "${ENDPOINTS[@]}"; do
    local rest=${entry#*|} script=auth.lua var=DTZ_BENCH_TOKEN
    case "${rest%%|*}" in page|supervisor) script=cookie.lua; var=DTZ_BENCH_COOKIE ;; esac
    echo "$var=… wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency -s bench/$script 'http://127.0.0.1:PORT${entry%%|*}'"
    has_latency_target "$entry" && echo "$var=… wrk -t$THREADS -c$LATENCY_CONNECTIONS -d$DURATION --latency -s bench/$script 'http://127.0.0.1:PORT${entry%%|*}'"
  done
  echo '```'
  echo
  echo "## Figures at scale $SCALE"
  for be in "${BACKENDS[@]}"; do table "$be"; done
  echo
  if [ -f "$ROOT/bench/RESULTS.md" ] && grep -q '^## Notes' "$ROOT/bench/RESULTS.md"; then
    sed -n '/^## Notes/,$p' "$ROOT/bench/RESULTS.md"
  else
    echo "## Notes"
    echo
    echo "(Why a target is missed, and what was tried, goes here; bench/run keeps this section.)"
  fi
}
