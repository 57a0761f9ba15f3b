# Shared set-up for ./run: Debian packages, build and install, a throwaway
# PostgreSQL cluster.  Sourced, not executed.

PG_MAJOR=15
# INSIGHT_PG_ROOT: a private copy of the server (for developers running several
# checkouts at once; see test/private_server.sh); by default Debian's, in /usr.
PG_ROOT=${INSIGHT_PG_ROOT:-/usr}
PG_BIN=$PG_ROOT/lib/postgresql/$PG_MAJOR/bin
PG_CONFIG=$PG_BIN/pg_config
export PATH="$PG_BIN:$PATH"

# Packages the extension needs to build and run, and those only the tests need.
RUNTIME_PACKAGES=(make gcc gzip postgresql-$PG_MAJOR postgresql-server-dev-$PG_MAJOR
                  libopenblas-dev liblapacke-dev libxgboost-dev)
TEST_PACKAGES=(clang libclang-rt-14-dev python3 python3-numpy python3-scipy python3-sklearn python3-xgboost python3-torch python3-psycopg2
               postgresql-$PG_MAJOR-cron chromium tidy fonts-wqy-zenhei
               # to build Citus from test/citus/ (the cluster tests)
               liblz4-dev libzstd-dev libkrb5-dev libssl-dev libicu-dev)
# Only the benchmarks need these (perf: where the MLP's training time goes).
BENCH_PACKAGES=(linux-perf)

# Extra server options of the throwaway cluster of ./run test (@socket_dir@ is
# replaced by its socket directory).  None today: test/peer/ops_cron.sh runs
# pg_cron on a stock Debian cluster of its own, as docs/operations.md says.
TEST_SERVER_OPTIONS=()

log() { printf '\n==> %s  [%(%T)T]\n' "$*" -1 >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Run a command as root (directly, or through sudo).
as_root() {
    if [[ $(id -u) -eq 0 ]]; then "$@"
    elif command -v sudo >/dev/null; then sudo "$@"
    else die "need root (or sudo) for: $*"; fi
}

# install_packages NAME...: apt-get the ones not installed yet.
install_packages() {
    local missing=() p
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
    done
    [[ ${#missing[@]} -eq 0 ]] && return 0
    log "installing Debian packages: ${missing[*]}"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# build_install [extra CFLAGS]: build the extension and install it.
build_install() {
    log "building insight ${1:+with $1}"
    make -s PG_CONFIG="$PG_CONFIG" COPT="${1:-}" >/dev/null
    as_root make -s PG_CONFIG="$PG_CONFIG" install >/dev/null
}

# The cluster's owner: initdb refuses root, so root runs it as 'postgres'
# (created by Debian's postgresql package); anyone else runs it as themselves.
run_as_owner() {
    if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

PG_TMPDIR=
stop_cluster() {
    if [[ -n $PG_TMPDIR && -d $PG_TMPDIR ]]; then
        run_as_owner "$PG_BIN/pg_ctl" -D "$PG_TMPDIR/data" -m fast -w stop >/dev/null 2>&1 || true
        rm -rf "$PG_TMPDIR"
        PG_TMPDIR=
    fi
}

# start_cluster [postgres -c options...]: use the server named by PGHOST /
# PGDATABASE when set, otherwise start a throwaway cluster on a Unix socket
# in a temporary directory, stopped again when the script exits.
start_cluster() {
    if [[ -n ${PGHOST:-} || -n ${PGDATABASE:-} ]]; then
        log "using the existing server (PGHOST=${PGHOST:-} PGDATABASE=${PGDATABASE:-})"
        psql -X -q -c 'SELECT 1' >/dev/null || die "cannot connect to the server given by PGHOST/PGDATABASE"
        return 0
    fi
    PG_TMPDIR=$(mktemp -d /tmp/insight-pg.XXXXXX)
    chmod 755 "$PG_TMPDIR"
    trap stop_cluster EXIT
    [[ $(id -u) -eq 0 ]] && chown postgres: "$PG_TMPDIR"
    log "starting a throwaway PostgreSQL $PG_MAJOR cluster in $PG_TMPDIR"
    run_as_owner "$PG_BIN/initdb" -D "$PG_TMPDIR/data" -U insight -A trust -E UTF8 --no-locale >"$PG_TMPDIR/initdb.log" 2>&1 \
        || { cat "$PG_TMPDIR/initdb.log" >&2; die "initdb failed"; }
    local opts="-c listen_addresses='' -c unix_socket_directories='$PG_TMPDIR' -c port=5432"
    opts+=" -c max_parallel_workers_per_gather=2 -c fsync=off -c shared_buffers=256MB -c work_mem=64MB"
    local extra
    for extra in "$@"; do opts+=" -c ${extra//@socket_dir@/$PG_TMPDIR}"; done
    run_as_owner "$PG_BIN/pg_ctl" -D "$PG_TMPDIR/data" -l "$PG_TMPDIR/server.log" -o "$opts" -w start >/dev/null \
        || { cat "$PG_TMPDIR/server.log" >&2; die "the server did not start"; }
    export PGHOST=$PG_TMPDIR PGPORT=5432 PGUSER=insight PGDATABASE=insight
    createdb insight
}
