#!/usr/bin/env bash
# Redis bytes per session (used_memory delta, 1 session per user) of the library's storage format and of variants
# of it, on a private redis-server started here on a free port (stopped on exit).
# Usage: bash bench/scale/memory-variants.sh [sessions=100000] [flags...]   (flags: see memory-variants.lua;
# "" = the library's format). Without flags, runs the set reported in bench/README.md.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
N=${1:-100000}; shift || true
variants=("$@")
if [ ${#variants[@]} -eq 0 ]; then
  variants=("" "shortkey" "sec" "sec,noi,nol" "noindexttl" "sec,noindexttl" "sec,noi,nol,noindexttl"
    "shortkey,sec,noi,nol,noindexttl" "shortkey,sec,noi,nol,v16,noz,noindexttl" "noindex,userinsession")
fi
P=$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
dir=$(mktemp -d)
redis-server --port "$P" --bind 127.0.0.1 --save '' --appendonly no --dir "$dir" > "$dir/log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$dir"' EXIT
for _ in $(seq 50); do redis-cli -p "$P" ping > /dev/null 2>&1 && break; sleep 0.1; done
SHA=$(redis-cli -p "$P" script load "$(cat "$here/memory-variants.lua")")
um() { redis-cli -p "$P" info memory | tr -d '\r' | sed -n 's/^used_memory://p'; }
sample() { redis-cli -p "$P" eval "for _,k in ipairs(redis.call('SCAN','0','COUNT','200')[2]) do if redis.call('$1',k,'$2') == $3 then return k end end" 0; }
printf '%-42s %10s %8s %8s\n' flags 'B/session' session index
for F in "${variants[@]}"; do
  redis-cli -p "$P" flushall sync > /dev/null; sleep 0.3
  M0=$(um)
  for ((i = 0; i < N; i += 10000)); do redis-cli -p "$P" evalsha "$SHA" 0 $i $((i + 10000 < N ? i + 10000 : N)) "$F" > /dev/null; done
  sleep 0.5; M1=$(um)
  SK=$(sample HEXISTS d 1); IK=$(sample HEXISTS @ 1)
  printf '%-42s %10.1f %8s %8s\n' "${F:-library format}" "$(echo "($M1 - $M0) / $N" | bc -l)" \
    "$(redis-cli -p "$P" memory usage "$SK" samples 0)" "$([ -n "$IK" ] && redis-cli -p "$P" memory usage "$IK" samples 0 || echo -)"
done
