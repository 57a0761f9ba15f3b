#!/usr/bin/env bash
# coordinator_bytes.sh PID PORT...: what the Citus coordinator's backend PID
# has received and sent on its open TCP connections to the servers on PORT...
# (the workers), summed over those connections from the kernel's counters
# (tcp_info bytes_received and bytes_sent, as `ss -ti` shows them): every
# byte of the protocol, query results, partial aggregate states and COPY
# data.  A connection's counters go with it, so the session must keep its
# connections open until this runs (citus.max_cached_conns_per_worker at
# least the connections it opens: test/bench/bench_scale.sh sets 64).
# Prints "connections N received BYTES sent BYTES".  Run as root (ss -p
# names another user's processes only for root).
set -euo pipefail
pid=${1:?usage: coordinator_bytes.sh PID PORT...}
shift
filter=""
for p in "$@"; do filter+="${filter:+ or }dport = :$p"; done
ss -tinpH state established "( $filter )" | awk -v me="pid=$pid," '
    /users:/ { mine = index($0, me) > 0; next }
    mine {
        for (i = 1; i <= NF; i++) {
            split($i, kv, ":")
            if (kv[1] == "bytes_received") received += kv[2]
            if (kv[1] == "bytes_sent") sent += kv[2]
        }
        n++
        mine = 0
    }
    END { printf "connections %d received %d sent %d\n", n, received, sent }'
