#!/usr/bin/env bash
# A Citus cluster on this machine for the cluster tests of insight: a
# coordinator and two workers.  Sourced by test/citus/run_citus_tests.sh (and
# usable by hand: `. test/lib.sh; . test/citus/cluster.sh; citus_build;
# citus_start`), after test/lib.sh.
#
#   citus_build   build Citus from citus-12.1.12.tar.gz (the unmodified source
#                 kept here as a test fixture) and install it into the server
#                 that $PG_CONFIG describes; does nothing when that version is
#                 installed already (about 3 minutes with 2 jobs otherwise)
#   citus_start   initdb and start three servers (as the cluster's owner, see
#                 run_as_owner in test/lib.sh) on free TCP ports of 127.0.0.1,
#                 create citus and insight in database insight_citus on each,
#                 and join the workers to the coordinator; stopped and removed
#                 again when the calling script exits (citus_stop)
#   CITUS_PORTS   the ports: coordinator, worker 1, worker 2
#
# Citus is never linked into insight: it is a separate extension of the same
# server, loaded by shared_preload_libraries of these three servers only.

CITUS_VERSION=12.1.12
CITUS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CITUS_TMP=
CITUS_PORTS=()

citus_installed() {
    local ext
    ext=$("$PG_CONFIG" --sharedir)/extension
    [[ -f $("$PG_CONFIG" --pkglibdir)/citus.so && -f $ext/citus.control ]] \
        && grep -q "^default_version = '12.1-1'" "$ext/citus.control"
}

citus_build() {
    if citus_installed; then
        log "Citus $CITUS_VERSION is installed in $("$PG_CONFIG" --pkglibdir)"
        return 0
    fi
    local src
    src=$(mktemp -d /tmp/insight-citus-build.XXXXXX)
    log "building Citus $CITUS_VERSION from test/citus/citus-$CITUS_VERSION.tar.gz in $src (about 3 minutes)"
    tar xzf "$CITUS_DIR/citus-$CITUS_VERSION.tar.gz" -C "$src"
    (
        cd "$src/citus-$CITUS_VERSION"
        PG_CONFIG=$PG_CONFIG ./configure --without-libcurl >"$src/configure.log" 2>&1 \
            || { tail -30 "$src/configure.log" >&2; exit 1; }
        # (with_llvm=no: no JIT bitcode, which would double the build time)
        make -j2 with_llvm=no >"$src/make.log" 2>&1 || { tail -30 "$src/make.log" >&2; exit 1; }
        as_root make PG_CONFIG="$PG_CONFIG" with_llvm=no install >"$src/install.log" 2>&1 \
            || { tail -30 "$src/install.log" >&2; exit 1; }
    ) || { rm -rf "$src"; die "building Citus failed"; }
    rm -rf "$src"
    citus_installed || die "Citus was built but is not found in $("$PG_CONFIG" --pkglibdir)"
}

# free_port N: a TCP port of 127.0.0.1 that nothing listens on, from N up.
free_port() {
    local p=$1
    while (echo >"/dev/tcp/127.0.0.1/$p") 2>/dev/null || [[ " ${CITUS_PORTS[*]} " == *" $p "* ]]; do
        p=$((p + 1))
    done
    echo "$p"
}

citus_stop() {
    [[ -n $CITUS_TMP && -d $CITUS_TMP ]] || return 0
    local n
    for n in coordinator worker1 worker2; do
        [[ -d $CITUS_TMP/$n ]] && run_as_owner "$PG_BIN/pg_ctl" -D "$CITUS_TMP/$n" -m immediate -w stop >/dev/null 2>&1
    done
    rm -rf "$CITUS_TMP"
    CITUS_TMP=
}

# citus_psql PORT [psql args...]: psql on database insight_citus of one node.
citus_psql() {
    local port=$1
    shift
    psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U insight -d insight_citus "$@"
}

citus_start() {
    CITUS_TMP=$(mktemp -d /tmp/insight-citus.XXXXXX)
    chmod 755 "$CITUS_TMP"
    [[ $(id -u) -eq 0 ]] && chown postgres: "$CITUS_TMP"
    # (CITUS_KEEP_CLUSTER=1: left running, for development; stop it with pg_ctl;
    # the servers do not inherit ./run's lock, fd 9, so later runs go on)
    [[ -n ${CITUS_KEEP_CLUSTER:-} ]] || trap citus_stop EXIT
    local n port i=0
    CITUS_PORTS=()
    for n in coordinator worker1 worker2; do
        port=$(free_port $((9700 + i * 10)))
        CITUS_PORTS+=("$port")
        i=$((i + 1))
        run_as_owner "$PG_BIN/initdb" -D "$CITUS_TMP/$n" -U insight -A trust -E UTF8 --no-locale >"$CITUS_TMP/initdb-$n.log" 2>&1 \
            || { cat "$CITUS_TMP/initdb-$n.log" >&2; die "initdb of the Citus $n failed"; }
        run_as_owner "$PG_BIN/pg_ctl" -D "$CITUS_TMP/$n" -l "$CITUS_TMP/$n.log" -w start -o \
            "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories='$CITUS_TMP' -c shared_preload_libraries=citus -c fsync=off -c shared_buffers=128MB -c work_mem=64MB -c max_connections=60 -c max_worker_processes=16" >/dev/null 9>&- \
            || { cat "$CITUS_TMP/$n.log" >&2; die "the Citus $n did not start"; }
        psql -X -q -h 127.0.0.1 -p "$port" -U insight -d postgres -c 'CREATE DATABASE insight_citus' >/dev/null
        citus_psql "$port" -c 'SET client_min_messages = warning' -c 'CREATE EXTENSION citus' >/dev/null
    done
    log "Citus coordinator on port ${CITUS_PORTS[0]}, workers on ${CITUS_PORTS[1]} and ${CITUS_PORTS[2]} ($CITUS_TMP)"
    citus_psql "${CITUS_PORTS[0]}" -c "SELECT citus_set_coordinator_host('127.0.0.1', ${CITUS_PORTS[0]})" \
        -c "SELECT citus_add_node('127.0.0.1', ${CITUS_PORTS[1]})" \
        -c "SELECT citus_add_node('127.0.0.1', ${CITUS_PORTS[2]})" >/dev/null
    # insight on the coordinator; Citus propagates CREATE EXTENSION to the workers
    citus_psql "${CITUS_PORTS[0]}" -c 'SET client_min_messages = warning' -c 'CREATE EXTENSION insight' >/dev/null
}
