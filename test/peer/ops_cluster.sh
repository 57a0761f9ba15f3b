#!/usr/bin/env bash
# Operations against real servers, on the database in PG* (Online Retail
# loaded and registered, as test/run_tests.sh sets it up):
#   1. scoring while retraining: pgbench, 8 clients calling insight_recommend (40/s in all, so the retraining gets CPU)
#      during CALL insight_retrain(); zero errors, and every result is exactly
#      what the model active in that statement's snapshot gives; a second
#      concurrent retraining of the task fails cleanly (55P03)
#   2. pg_dump, restored into a fresh cluster (CREATE EXTENSION, then the
#      data): every score identical
#   3. a physical standby made with pg_basebackup serves the scoring
#      functions and views read-only with the primary's results
# The extra clusters run as the cluster owner (see test/lib.sh) on sockets in
# a temporary directory, and are stopped on exit.  Bounded: pgbench runs a
# fixed time, every wait has a limit.
set -euo pipefail
cd "$(dirname "$0")/../.."
. test/lib.sh
: "${PGHOST:?}" "${PGDATABASE:?}"
primary_host=$PGHOST
primary_port=${PGPORT:-5432}

work=$(mktemp -d /tmp/insight-ops.XXXXXX)
chmod 755 "$work"
[[ $(id -u) -eq 0 ]] && chown postgres: "$work"
stop_extra() {
    local d
    for d in "$work"/standby "$work"/restore; do
        [[ -f $d/postmaster.pid ]] && run_as_owner "$PG_BIN/pg_ctl" -D "$d" -m immediate -w stop >/dev/null 2>&1 || true
    done
    rm -rf "$work"
}
trap stop_extra EXIT

q() { psql -X -At -v ON_ERROR_STOP=1 "$@"; }
rc=0
check() { if [[ $2 == "$3" ]]; then echo "ok   $1 ($2)"; else echo "FAIL $1 ($2, expected $3)"; rc=1; fi; }

# The customers scored everywhere, and one digest of all their top-5 lists.
customers="SELECT customer_id::text AS c FROM (SELECT DISTINCT customer_id FROM insight_sales ORDER BY 1 LIMIT 200) x"
digest_recommend="SELECT md5(string_agg(c || ':' || (SELECT string_agg(item_id || '=' || round(score::numeric, 9), ',' ORDER BY rank)
                                                      FROM insight_recommend(c, 5)), ';' ORDER BY c)) FROM ($customers) cs"
digest_views="SELECT md5(string_agg(f::text, ';' ORDER BY f.customer_id)) FROM (
                SELECT customer_id, recency_days::numeric(20,6), frequency, monetary::numeric(20,6), orders
                  FROM insight_customer_features('2011-10-01 00:00+00')) f"
digest_registry="SELECT md5(string_agg(model_id || task || status || md5(weights), ',' ORDER BY model_id)) FROM insight_models"

# --- 1. scoring while retraining --------------------------------------------
# The model in service: item-kNN (bm25) on purchases before 2011-11-01, stored
# as a model trained elsewhere (no evaluation in its metrics), so the
# retraining on all purchases is activated when it beats the popularity
# baseline (NDCG@10 0.0766 vs 0.0397 on Online Retail, see README).
log "ops: item-kNN fitted on purchases before 2011-11-01, then CALL insight_retrain() under pgbench"
q -q -c "SELECT insight_activate(insight_store_model('recommender', 'itemknn',
            insight_itemknn_fit('SELECT customer_id, item_id, value FROM insight_interactions(''2011-11-01 00:00+00'')', 100, 'bm25'),
            '{\"neighbors\": 100, \"similarity\": \"bm25\", \"measure\": \"orders\"}'))" >/dev/null
q -q <<'SQL'
CREATE TABLE ops_bench_log (model_id bigint, customer text, items text);
CREATE TABLE ops_bench_customers AS
    SELECT (row_number() OVER (ORDER BY customer_id) - 1)::int AS i, customer_id::text AS c
      FROM (SELECT DISTINCT customer_id FROM insight_sales ORDER BY 1 LIMIT 200) x;
CREATE FUNCTION ops_bench_score(customer text) RETURNS void LANGUAGE sql AS $$
    -- one statement, one snapshot: the active model and the recommendations
    -- are read together
    INSERT INTO ops_bench_log
    SELECT (SELECT model_id FROM insight_models WHERE task = 'recommender' AND status = 'active'), customer,
           (SELECT string_agg(item_id, ',' ORDER BY rank) FROM insight_recommend(customer, 5))
$$;
SQL
first_model=$(q -c "SELECT model_id FROM insight_models WHERE task = 'recommender' AND status = 'active'")
cat >"$work/score.sql" <<'SQL'
\set i random(0, 199)
SELECT ops_bench_score((SELECT c FROM ops_bench_customers WHERE i = :i));
SQL
chmod 644 "$work/score.sql"

pgbench -n -c 8 -j 2 -R 40 -T 60 -f "$work/score.sql" >"$work/pgbench.log" 2>&1 &
bench=$!
sleep 3
q -c "SET application_name = 'ops_retrain_1'" -c "CALL insight_retrain('recommender')" >"$work/retrain1.log" 2>&1 &
retrain=$!
# the second retraining starts once the first one's run is visible as running
for _ in $(seq 1 100); do
    [[ $(q -c "SELECT count(*) FROM insight_training_runs WHERE task = 'recommender' AND status = 'running'") -gt 0 ]] && break
    sleep 0.1
done
second=$(q -c "CALL insight_retrain('recommender')" 2>&1 || true)
wait $retrain && retrain_rc=0 || retrain_rc=$?
wait $bench && bench_rc=0 || bench_rc=$?

check "pgbench exit status" "$bench_rc" 0
check "pgbench errors" "$(grep -c -i 'error\|abort' "$work/pgbench.log" || true)" 0
grep -E 'number of transactions actually processed|number of failed' "$work/pgbench.log" || true
check "first retraining" "$retrain_rc" 0
check "second concurrent retraining refused" "$(grep -o 'task "recommender" is being retrained by another session' <<<"$second" | head -1)" \
      'task "recommender" is being retrained by another session'
check "runs of the two CALLs" "$(q -c "SELECT string_agg(status || coalesce(' ' || sqlstate, ''), ', ' ORDER BY run_id) FROM insight_training_runs WHERE task = 'recommender'")" \
      "succeeded, failed 55P03"
new_model=$(q -c "SELECT model_id FROM insight_models WHERE task = 'recommender' AND status = 'active'")
check "a new model is active" "$([[ $new_model -ne $first_model ]] && echo yes)" yes
check "recommender models activated once each" \
      "$(q -c "SELECT count(*) FROM insight_model_activations WHERE task = 'recommender' AND model_id IN ($first_model, $new_model)")" 2
# every logged result is what its model gives (computed again from the stored weights)
mismatch=$(q -c "WITH expected AS MATERIALIZED (
                    SELECT p.model_id, p.customer,
                           (SELECT string_agg(r.item_key, ',' ORDER BY r.rank)
                              FROM insight_recommend_from(m.weights, p.customer, 5) r) AS items
                      FROM (SELECT DISTINCT model_id, customer FROM ops_bench_log) p
                      JOIN insight_models m USING (model_id))
                  SELECT count(*) FROM ops_bench_log l JOIN expected e USING (model_id, customer)
                   WHERE l.items IS DISTINCT FROM e.items")
served=$(q -c "SELECT string_agg(n::text, ' ' ORDER BY model_id) FROM (SELECT model_id, count(*) n FROM ops_bench_log GROUP BY 1) s")
echo "     scores per model (old new): $served"
check "scores logged" "$([[ $(q -c "SELECT count(*) FROM ops_bench_log") -gt 100 ]] && echo yes)" yes
check "each score from exactly the model active in its snapshot" "$mismatch" 0
check "both models served" "$(q -c "SELECT count(DISTINCT model_id) FROM ops_bench_log WHERE model_id IN ($first_model, $new_model)")" 2
check "the two models recommend differently" \
      "$(q -c "SELECT count(*) > 0 FROM ops_bench_log a JOIN ops_bench_log b USING (customer) WHERE a.model_id = $first_model AND b.model_id = $new_model AND a.items <> b.items")" t
q -q -c "DROP FUNCTION ops_bench_score(text)" -c "DROP TABLE ops_bench_log, ops_bench_customers"

rec_primary=$(q -c "$digest_recommend")
views_primary=$(q -c "$digest_views")
registry_primary=$(q -c "$digest_registry")
runs_primary=$(q -c "SELECT count(*) FROM insight_training_runs")

# --- 2. pg_dump into a fresh cluster ------------------------------------------
log "ops: pg_dump, restored into a fresh cluster"
run_as_owner "$PG_BIN/initdb" -D "$work/restore" -U insight -A trust -E UTF8 --no-locale >"$work/initdb.log" 2>&1
run_as_owner "$PG_BIN/pg_ctl" -D "$work/restore" -l "$work/restore.log" -w start \
    -o "-c listen_addresses='' -c unix_socket_directories='$work' -c port=5434 -c fsync=off" >/dev/null
pg_dump -Fc -f "$work/dump" "$PGDATABASE"
createdb -h "$work" -p 5434 insight_restored
pg_restore -h "$work" -p 5434 -d insight_restored --exit-on-error "$work/dump"
R=(-h "$work" -p 5434 -d insight_restored)
check "restored: registry (ids, status, weights)" "$(q "${R[@]}" -c "$digest_registry")" "$registry_primary"
check "restored: training runs" "$(q "${R[@]}" -c "SELECT count(*) FROM insight_training_runs")" "$runs_primary"
check "restored: recommendations identical" "$(q "${R[@]}" -c "$digest_recommend")" "$rec_primary"
check "restored: features identical" "$(q "${R[@]}" -c "$digest_views")" "$views_primary"
check "restored: built-in trainers once" "$(q "${R[@]}" -c "SELECT count(*) FROM insight_trainers WHERE task = 'recommender'")" 1
check "restored: retraining works" "$(q -q "${R[@]}" -c "SET client_min_messages = warning" -c "CALL insight_retrain('recommender')" \
      -c "SELECT status FROM insight_training_runs ORDER BY run_id DESC LIMIT 1")" "succeeded"
run_as_owner "$PG_BIN/pg_ctl" -D "$work/restore" -m fast -w stop >/dev/null

# --- 3. a physical standby --------------------------------------------------------
log "ops: a standby made with pg_basebackup"
run_as_owner "$PG_BIN/pg_basebackup" -h "$primary_host" -p "$primary_port" -U insight -D "$work/standby" -R -X stream -c fast
run_as_owner "$PG_BIN/pg_ctl" -D "$work/standby" -l "$work/standby.log" -w start \
    -o "-c listen_addresses='' -c unix_socket_directories='$work' -c port=5433 -c shared_preload_libraries='' -c hot_standby=on" >/dev/null
S=(-h "$work" -p 5433 -d "$PGDATABASE")
# a change made after the base backup reaches the standby through streaming
q -q -c "CREATE TABLE ops_marker AS SELECT 1 AS x"
lsn=$(q -c "SELECT pg_current_wal_lsn()")
for _ in $(seq 1 300); do
    [[ $(q "${S[@]}" -c "SELECT pg_last_wal_replay_lsn() >= '$lsn'::pg_lsn") == t ]] && break
    sleep 0.1
done
check "standby in recovery" "$(q "${S[@]}" -c "SELECT pg_is_in_recovery()")" t
check "standby caught up" "$(q "${S[@]}" -c "SELECT count(*) FROM ops_marker")" 1
q -q -c "DROP TABLE ops_marker"
check "standby: registry" "$(q "${S[@]}" -c "$digest_registry")" "$registry_primary"
check "standby: recommendations identical" "$(q "${S[@]}" -c "$digest_recommend")" "$rec_primary"
check "standby: features identical" "$(q "${S[@]}" -c "$digest_views")" "$views_primary"
check "standby: run log readable" "$(q "${S[@]}" -c "SELECT count(*) FROM insight_training_runs")" "$runs_primary"
check "standby: retraining refused (read-only)" \
      "$(q "${S[@]}" -c "CALL insight_retrain('recommender')" 2>&1 | grep -o 'read-only transaction' | head -1)" "read-only transaction"
exit $rc
