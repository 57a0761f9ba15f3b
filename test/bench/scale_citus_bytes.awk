# The rows and bytes that reached the Citus coordinator during one stage of
# test/bench/bench_scale.sh, from its auto_explain log (log_analyze, nested
# statements, every plan sent to the client as a NOTICE).  Variables: name
# (the stage), rc (its exit status), coordinator (the coordinator's port).
#
# Every Custom Scan (Citus ...) node of every plan logged is counted (its
# actual rows, and its "Tuple data received from nodes", as Citus rounds it),
# with two corrections:
#  * a distributed subplan (a part of a query Citus runs first, its result
#    stored as an intermediate result) is executed once for the query, and
#    logged then as a plan of its own; EXPLAIN ANALYZE of the query that
#    contains it (auto_explain's log_analyze) executes it a second time to show
#    it under "Distributed Subplan" (Citus 12.1, multi_explain.c,
#    ExplainSubPlans calls ExplainOnePlan), and that second execution is
#    logged as a plan of its own too.  So the scans shown under a
#    "Distributed Subplan" are subtracted once: what is left is the query's
#    own execution, not the measurement's;
#  * a scan with one task on the coordinator itself (the query over an
#    intermediate result, which Citus runs through a connection to the
#    coordinator) moves rows within the coordinator: counted apart, as
#    "local".
# Prints: name, scans, rows and bytes from the workers, rows and bytes of the
# local scans, bytes of the intermediate results written by the subplans
# (counted once), and a note.
function indent(s) { match(s, /^ */); return RLENGTH }
function tobytes(v, u) { return v * (u == "kB" ? 1024 : u == "MB" ? 1048576 : u == "GB" ? 1073741824 : 1) }
# the scan the field lines that follow belong to: inside a subplan its last
# scan, else the plan's last top-level scan (whose Task Count and tuple data
# come after its subplans)
function current() { return (sublevel >= 0) ? cur_nested : cur_top }
/^NOTICE:  duration: / { sublevel = -1; cur_top = 0; cur_nested = 0; next }
/Distributed Subplan/ { sublevel = indent($0); cur_nested = 0; next }
sublevel >= 0 && $0 !~ /^ *$/ && indent($0) <= sublevel { sublevel = -1 }
/Intermediate Data Size: / && sublevel >= 0 {
    n = $0; sub(/.*Size: /, "", n); split(n, a, " "); ibytes += tobytes(a[1], a[2])
}
/Custom Scan \(Citus/ {
    k = ++nscans
    nested[k] = (sublevel >= 0)
    if (match($0, /actual rows=[0-9]+/)) rows[k] = substr($0, RSTART + 12, RLENGTH - 12) + 0
    if (sublevel >= 0) cur_nested = k; else cur_top = k
    next
}
/Task Count: / { k = current(); if (k && !(k in tasks)) { n = $0; sub(/.*Task Count: /, "", n); tasks[k] = n + 0 } }
/Tuple data received from nodes: / {
    k = current(); if (k && !(k in bytes)) { n = $0; sub(/.*nodes: /, "", n); split(n, a, " "); bytes[k] = tobytes(a[1], a[2]) }
}
/Node: host=/ { k = current(); if (k && !(k in port)) { n = $0; sub(/.*port=/, "", n); sub(/ .*/, "", n); port[k] = n } }
END {
    for (k = 1; k <= nscans; k++) {
        sign = nested[k] ? -1 : 1
        if (tasks[k] == 1 && port[k] == coordinator) { lrows += sign * rows[k]; lbytes += sign * bytes[k] }
        else { wscans += sign; wrows += sign * rows[k]; wbytes += sign * bytes[k] }
    }
    printf "%s\t%d\t%d\t%d\t%d\t%d\t%d\t%s\n", name, wscans, wrows, wbytes, lrows, lbytes, ibytes, rc == 0 ? "" : "error (see log)"
}
