#!/usr/bin/python3
"""SQL fuzzer: every function and aggregate of the extension, hostile values.

Enumerates the extension's functions, aggregates and procedures from the
catalogue (pg_depend on the extension, so objects added later come under it
without a change here) and calls each with values drawn from a seeded pool
of hostile values: NULLs, NaN, +-Infinity, huge and negative numbers, empty,
2-D and NULL-holding arrays, models from the registry with bytes flipped and
the checksum recomputed (layout in src/core/model_core.h: CRC-32C over bytes
0-43 and the payload, stored at 44; also those of a table
public.insight_fuzz_models(m bytea) when it exists, for algorithms no task
stores yet), states that earlier calls returned
(mutated the same way), 1 MB texts, far and infinite timestamps, hostile
identifiers and queries.  Aggregates run over a few rows of such values, and
also as a user's aggregate (CREATE AGGREGATE in pg_temp) over the
extension's transition and final functions with a crafted initial state.

Each call runs in serial, forced-parallel (force_parallel_mode = on,
parallel_setup_cost = parallel_tuple_cost = 0) or window plans, under
statement_timeout, in a transaction that is rolled back, so calls that train
or register change nothing for the calls after them.  The arguments come from
a VALUES list joined to generate_series(1, 2), so constant folding cannot
take the call out of the worker and each backend calls twice (caches).

A finding, and exit status 1:
  crash      the connection was lost or the postmaster restarted
  XX000      an internal error reached the user
  nonfinite  NaN or +-Infinity in the result of a call whose arguments are
             all finite (an error is fine where there is no finite value);
             not for the decoders of packed rows (PASS_THROUGH), which give
             back the doubles a bytea holds: the packing keeps NaN and
             Infinity by design (the trainers refuse them), so a crafted
             value may hold them too
  overtime   a statement outlived statement_timeout by more than 1 s
Counts per class go to stdout (and --report FILE as JSON).

Excluded, with the reason:
  procedures (prokind 'p', insight_retrain): they COMMIT between tasks, so
  they cannot run inside the rolled-back transaction and would change the
  registry for every call after them; the trainers they run are fuzzed
  directly as functions.

Usage (PG* environment, a database with Online Retail loaded and every task
trained; the fuzzer changes nothing in it):
  /usr/bin/python3 test/fuzz/sql_fuzz.py --seed 1 --seconds 90 --timeout 1
"""
import argparse
import collections
import json
import random
import re
import sys
import time

import psycopg2

# ---------------------------------------------------------------------------
# CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), as PostgreSQL's
# pg_crc32c: initial value and final XOR 0xFFFFFFFF.
_CRC_TABLE = []
for _i in range(256):
    _c = _i
    for _ in range(8):
        _c = (_c >> 1) ^ 0x82F63B78 if _c & 1 else _c >> 1
    _CRC_TABLE.append(_c)


def crc32c(data):
    crc = 0xFFFFFFFF
    for b in data:
        crc = _CRC_TABLE[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def reseal(model):
    """Recompute the checksum of a model (header bytes 0-43 + payload)."""
    if len(model) < 48 or model[:4] != b"INSM":
        return model
    crc = crc32c(model[:44] + model[48:])
    return model[:44] + crc.to_bytes(4, "little") + model[48:]


# ---------------------------------------------------------------------------
# Values: (SQL expression, finite?) -- finite is False when the value holds
# NaN or an infinity, so a NaN result is not blamed on the function.

def lit(text, typ, finite=True):
    # a text that spells NaN or Infinity may come back in the result
    finite = finite and not re.search("nan|inf", text, re.I)
    return ("'" + text.replace("'", "''") + "'::" + typ, finite)


FLOATS = ["0", "-0", "1", "-1", "0.5", "2", "3", "39", "52", "1e-300", "-1e-300", "5e-324",
          "1e300", "-1e300", "1.7976931348623157e308", "-1.7976931348623157e308",
          "9007199254740992", "1e15", "1e7", "100000000", "0.9999999999", "1.0000000001",
          "4545", "10000", "1e6", "3e-7", "3.3e6", "12347"]
NONFINITE = ["NaN", "Infinity", "-Infinity"]
# decoders that give back the values packed in their bytea argument
PASS_THROUGH = {"insight_rows_unpack", "insight_interactions_unpack"}
INTS = ["0", "1", "-1", "2", "3", "5", "10", "100", "100000", "100001", "1000000", "10000000",
        "2147483647", "-2147483648", "12347", "12360"]
BIGINTS = INTS + ["9223372036854775807", "-9223372036854775808", "100000000", "10000000000"]
TIMES = ["2010-12-01 08:26+00", "2011-12-10 00:00+00", "2011-06-01 00:00+00", "2011-12-09 12:50+00",
         "1970-01-01 00:00+00", "2200-01-01 00:00+00", "4713-01-01 00:00+00 BC",
         "294276-12-31 23:59:59+00", "2000-01-01 00:00+00"]
INTERVALS = ["7 days", "1 day", "P1Y", "1 month", "0", "-1 day", "1 microsecond",
             "178000000 years", "-178000000 years", "90 days", "100 years", "1 hour"]
TEXTS = ["", "a", "churn", "clv", "clv_spend", "segments", "recommender", "kmeans", "logreg",
         "bgnbd", "pnbd", "gammagamma", "als", "itemknn", "customer_id", "order_lines",
         "insight_sales", "insight_models", "public", "\"weird\"\"name\"", "a;b", "x'); DROP TABLE insight_models; --",
         "SELECT ARRAY[1,2]::float8[]", "SELECT ARRAY[1,2]::float8[] FROM generate_series(1, 3)",
         "SELECT ARRAY['NaN']::float8[]", "SELECT NULL::float8[]", "SELECT 1",
         "SELECT features FROM nowhere", "SELECT ARRAY[random()] FROM generate_series(1, 100000000)",
         "SELECT customer_id, item_id, 1.0 FROM insight_sales", "P1Y", "7 days", "ünïcødé ✓",
         "e" * 200, "YYYY"]
JSONS = ["{}", "[]", "null", "1", "\"x\"", '{"k": 1e308}', '{"k": -1}', '{"k": "a"}',
         '{"k": 100000000}', '{"k": 3}', '{"k": null}', '{"as_of": "infinity"}', '{"period": "-1 day"}',
         '{"factors": 100000000, "iterations": 1000000000}', '{"factors": 4, "iterations": 2}',
         '{"holdout": "P1Y"}', '{"neighbours": -5}', "[" * 500 + "]" * 500]
NAMES = ["public", "insight_models", "", "x" * 63, "weird \"name\"", "pg_catalog", "order_lines", "customer_id"]
REGCLASSES = ["insight_models", "pg_class", "order_lines", "insight_sales", "pg_proc"]
REGTYPES = ["int4", "text", "float8[]", "bytea", "timestamptz", "uuid", "jsonb"]


class Pool:
    """Seeded value pools by type; states and models learned as calls return them."""

    def __init__(self, rng, models, big_models):
        self.rng = rng
        self.byteas = list(models)          # raw bytes, at most BIG bytes each
        self.big = list(big_models)         # SQL expressions of larger registry models
        self.seen = collections.deque(maxlen=300)

    def learn(self, raw):
        if raw is not None and len(raw) <= BIG:
            self.seen.append(bytes(raw))

    def big_model(self):
        """A large model by reference, maybe with a byte overwritten or cut
        server-side: a literal of megabytes would time the SQL parser, which
        does not check for interrupts, not the extension."""
        rng = self.rng
        expr = rng.choice(self.big)
        r = rng.random()
        if r < 0.4:
            expr = (f"overlay({expr} placing '\\x{rng.randrange(256):02x}'::bytea "
                    f"from {rng.choice([1, 5, 7, 9, 17, 33, 45, 49, 60, 100, 1000, 100000])})")
        elif r < 0.6:
            expr = f"substring({expr} from 1 for {rng.choice([0, 47, 48, 100, 4096, 100000])})"
        return (expr, True)

    def mutate(self, raw):
        rng = self.rng
        b = bytearray(raw)
        how = rng.random()
        if how < 0.55 and b:
            for _ in range(rng.choice([1, 1, 2, 4, 16])):
                i = rng.randrange(len(b))
                b[i] = rng.choice([0, 0xFF, 0x7F, 0x80, b[i] ^ (1 << rng.randrange(8)), rng.randrange(256)])
            # doubles in the payload: write NaN, Inf, huge, zero, negative
            if rng.random() < 0.5 and len(b) >= 56:
                i = rng.randrange(48, len(b) - 7)
                b[i:i + 8] = rng.choice([b"\x00\x00\x00\x00\x00\x00\xf8\x7f", b"\x00\x00\x00\x00\x00\x00\xf0\x7f",
                                         b"\xff\xff\xff\xff\xff\xff\xef\x7f", b"\x00" * 8,
                                         b"\x00\x00\x00\x00\x00\x00\xf0\xbf", b"\xff\xff\xff\xff\xff\xff\xff\x7f"])
        elif how < 0.7 and b:
            b = b[:rng.randrange(len(b))]
        elif how < 0.8:
            b += bytes(rng.randrange(256) for _ in range(rng.choice([1, 8, 64])))
        elif how < 0.9 and len(b) >= 48:
            # counts and payload length in the header
            i = rng.choice([16, 20, 24, 28, 32])
            b[i:i + 4] = rng.choice([b"\xff\xff\xff\x7f", b"\x00\x00\x00\x00", b"\x00\x00\x01\x00", b"\x01\x00\x00\x00"])
        return reseal(bytes(b)) if rng.random() < 0.9 else bytes(b)

    def bytea(self):
        rng = self.rng
        r = rng.random()
        if self.big and r < 0.1:
            return self.big_model()
        r = rng.random()
        if r < 0.08:
            raw = rng.choice([b"", b"\x00", b"INSM", b"\x00" * 48, bytes(rng.randrange(256) for _ in range(64))])
        else:
            src = self.byteas + list(self.seen)
            raw = rng.choice(src) if src else b""
            if r < 0.65:
                raw = self.mutate(raw)
        return ("'\\x" + raw.hex() + "'::bytea", True)

    def float8(self, typ="float8"):
        rng = self.rng
        r = rng.random()
        if r < 0.12:
            return lit(rng.choice(NONFINITE), typ, False)
        if r < 0.8:
            v = rng.choice(FLOATS)
            if rng.random() < 0.3 and not v.startswith("-"):
                v = "-" + v
            return (v + "::" + typ, True)
        return (repr(rng.choice([rng.uniform(-10, 100), rng.lognormvariate(0, 8), rng.randrange(0, 60)])) + "::" + typ, True)

    def array(self, elem, typ):
        rng = self.rng
        r = rng.random()
        if r < 0.1:
            return ("'{}'::" + typ, True)
        if r < 0.2:
            return ("'{NULL}'::" + typ, True)
        n = rng.choice([1, 2, 3, 3, 4, 13, 100])
        vals = [elem() for _ in range(n)]
        inner = ", ".join(v for v, _ in vals)
        finite = all(f for _, f in vals)
        if r < 0.3:  # 2-D
            m = n // 2 or 1
            vals = vals[:2 * m]
            return ("ARRAY[ARRAY[" + ", ".join(v for v, _ in vals[:m]) + "], ARRAY[" +
                    ", ".join(v for v, _ in vals[m:2 * m]) + "]]::" + typ, all(f for _, f in vals))
        if r < 0.35:
            return ("ARRAY(SELECT g::float8 FROM generate_series(1, 100000) g)::" + typ, True)
        if r < 0.4:  # lower bound not 1
            return ("'[5:5]={1}'::" + typ, True)
        return ("ARRAY[" + inner + "]::" + typ, finite)

    def value(self, typ):
        """An SQL expression of type typ, and whether it is finite."""
        rng = self.rng
        if rng.random() < 0.08:
            return ("NULL::" + ("text" if typ in ('"any"', "anyelement") else typ), True)
        if typ in ("double precision", "real", "numeric"):
            return self.float8({"double precision": "float8", "real": "float4"}.get(typ, typ))
        if typ == "integer":
            return (rng.choice(INTS) + "::int4", True)
        if typ in ("bigint", "smallint"):
            return ("(" + rng.choice(BIGINTS if typ == "bigint" else ["0", "1", "-1", "32767"]) + ")::" + typ, True)
        if typ == "boolean":
            return (rng.choice(["true", "false"]), True)
        if typ == "bytea":
            return self.bytea()
        if typ == "text":
            if rng.random() < 0.03:
                return ("repeat('x', 1048576)", True)
            return lit(rng.choice(TEXTS), "text")
        if typ == "name":
            return lit(rng.choice(NAMES), "name")
        if typ == "timestamp with time zone":
            r = rng.random()
            if r < 0.1:
                return lit(rng.choice(["infinity", "-infinity"]), "timestamptz", False)
            if r < 0.15:
                return ("now()", True)
            return lit(rng.choice(TIMES), "timestamptz")
        if typ == "interval":
            return lit(rng.choice(INTERVALS), "interval")
        if typ == "jsonb":
            return lit(rng.choice(JSONS), "jsonb")
        if typ == "double precision[]":
            return self.array(self.float8, "float8[]")
        if typ == "text[]":
            return self.array(lambda: lit(rng.choice(TEXTS[:20]), "text"), "text[]")
        if typ == "regclass":
            return lit(rng.choice(REGCLASSES), "regclass")
        if typ == "regtype":
            return lit(rng.choice(REGTYPES), "regtype")
        if typ == "regprocedure":
            return lit(rng.choice(["now()", "abs(integer)", "random()"]), "regprocedure")
        if typ in ('"any"', "anyelement"):
            return rng.choice([(rng.choice(INTS) + "::int4", True), lit(rng.choice(["12347", "", "x"]), "text"),
                               ("(" + rng.choice(BIGINTS) + ")::bigint", True), self.float8(),
                               ("'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid", True)])
        return ("NULL::" + typ, True)


# ---------------------------------------------------------------------------

CATALOGUE = """
SELECT p.oid, p.proname, p.prokind, p.proretset, p.pronargs, p.pronargdefaults,
       p.proargtypes::regtype[]::text[], p.proparallel, format_type(p.prorettype, NULL),
       a.aggtransfn::oid::regprocedure::text, a.aggfinalfn::oid::regprocedure::text,
       a.aggtranstype::regtype::text, p.oid::regprocedure::text
  FROM pg_proc p
  JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
  JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'insight'
  LEFT JOIN pg_aggregate a ON a.aggfnoid = p.oid
 ORDER BY p.oid
"""

BIG = 65536                 # bytes: larger models are passed by reference
NONFINITE_RE = re.compile(r"(?<![A-Za-z_])-?(NaN|Infinity|infinity)(?![A-Za-z_])")


class Fuzzer:
    def __init__(self, args):
        self.args = args
        self.rng = random.Random(args.seed)
        self.conn = None
        self.counts = collections.Counter()
        self.errors = collections.Counter()
        self.findings = []
        self.per_mode = collections.Counter()
        self.connect()
        self.start_time = self.scalar("SELECT pg_postmaster_start_time()")
        cur = self.conn.cursor()
        cur.execute(CATALOGUE)
        self.objects = cur.fetchall()
        cur.execute(f"SELECT weights FROM insight_models WHERE length(weights) <= {BIG} UNION ALL "
                    f"SELECT preprocessing FROM insight_models WHERE length(preprocessing) <= {BIG}")
        models = [bytes(r[0]) for r in cur.fetchall()]
        # models of algorithms no task stores yet (run_sql_fuzz.sh: MLPs of each loss)
        cur.execute("SELECT to_regclass('public.insight_fuzz_models') IS NOT NULL")
        if cur.fetchone()[0]:
            cur.execute(f"SELECT m FROM public.insight_fuzz_models WHERE length(m) <= {BIG}")
            models += [bytes(r[0]) for r in cur.fetchall()]
        cur.execute(f"SELECT model_id FROM insight_models WHERE length(weights) > {BIG} ORDER BY 1")
        big = [f"(SELECT weights FROM public.insight_models WHERE model_id = {r[0]})" for r in cur.fetchall()]
        self.conn.rollback()
        self.pool = Pool(self.rng, models, big)
        self.excluded = [(o[12], "procedure: commits, cannot be rolled back") for o in self.objects if o[2] == "p"]
        self.targets = [o for o in self.objects if o[2] in ("f", "a") and re.search(args.only, o[1])]

    def connect(self):
        for _ in range(60):
            try:
                self.conn = psycopg2.connect(self.args.dsn or "")
                cur = self.conn.cursor()
                cur.execute("SET statement_timeout = %s", (f"{self.args.timeout}s",))
                cur.execute("SET client_min_messages = error")
                self.conn.commit()
                return
            except psycopg2.OperationalError:
                time.sleep(1)
        sys.exit("sql_fuzz: cannot connect")

    def scalar(self, sql):
        cur = self.conn.cursor()
        cur.execute(sql)
        v = cur.fetchone()[0]
        self.conn.rollback()
        return v

    def finding(self, kind, sql, detail):
        self.findings.append({"class": kind, "sql": sql[:2000], "detail": detail[:500]})
        print(f"FINDING {kind}: {detail[:200]}\n    {sql[:400]}", flush=True)

    # -- building one statement ------------------------------------------------
    def args_for(self, types):
        return [self.pool.value(t) for t in types]

    def statement(self, obj, mode):
        oid, name, kind, retset, nargs, ndefaults, types, parallel, rettype, transfn, finalfn, stype, sig = obj
        rng = self.rng
        prefix = []
        if mode == "parallel":
            prefix = ["SET LOCAL force_parallel_mode = on", "SET LOCAL parallel_setup_cost = 0",
                      "SET LOCAL parallel_tuple_cost = 0", "SET LOCAL max_parallel_workers_per_gather = 2"]
        ncall = nargs - (rng.randrange(ndefaults + 1) if ndefaults and rng.random() < 0.3 else 0)
        types = list(types)[:ncall]
        cols = [f"a{i}" for i in range(len(types))]
        if kind == "a":
            nrows = rng.choice([1, 2, 3, 5])
            rows = [self.args_for(types) for _ in range(nrows)]
            finite = all(f for row in rows for _, f in row)
            values = ", ".join("(" + ", ".join([str(i)] + [v for v, _ in row]) + ")" for i, row in enumerate(rows))
            src = f"(VALUES {values}) v(n{''.join(', ' + c for c in cols)})"
            call = f"public.{name}({', '.join('v.' + c for c in cols)})"
            if mode == "window":
                sql = f"SELECT ({call} OVER (ORDER BY v.n))::text FROM {src}"
            elif mode == "crafted" and stype == "bytea" and transfn and transfn != "-":
                init = self.pool.bytea()[0]
                init = init.split("'")[1] if init.startswith("'") else "\\x"
                tf = transfn.split("(")[0]
                ff = f", FINALFUNC = {finalfn.split('(')[0]}" if finalfn and finalfn != "-" else ""
                prefix = prefix + [f"CREATE AGGREGATE pg_temp.fz_agg({', '.join(types) or '*'}) "
                                   f"(SFUNC = {tf}, STYPE = bytea, INITCOND = '{init}'{ff})"]
                sql = f"SELECT pg_temp.fz_agg({', '.join('v.' + c for c in cols)})::text FROM {src}"
            else:
                sql = f"SELECT {call}::text FROM {src}"
            return prefix, sql, finite
        vals = self.args_for(types)
        finite = all(f for _, f in vals)
        src = (f"generate_series(1, 2) g, (VALUES ({', '.join(v for v, _ in vals)})) v({', '.join(cols)})"
               if vals else "generate_series(1, 2) g")
        call = f"public.{name}({', '.join('v.' + c for c in cols)})"
        if retset:
            sql = f"SELECT x::text FROM {src}, LATERAL {call} x LIMIT 100"
        elif mode == "window":
            sql = f"SELECT {call}::text, count(*) OVER () FROM {src}"
        else:
            sql = f"SELECT {call}::text FROM {src}"
        return prefix, sql, finite

    # -- running it ------------------------------------------------------------
    def run_one(self, obj, mode):
        prefix, sql, finite = self.statement(obj, mode)
        cur = self.conn.cursor()
        self.counts["calls"] += 1
        self.per_mode[mode] += 1
        t0 = time.monotonic()
        try:
            for p in prefix:
                cur.execute(p)
            cur.execute(sql)
            rows = cur.fetchall()
            took = time.monotonic() - t0
            self.counts["ok"] += 1
            for row in rows:
                v = row[0]
                if v is None:
                    continue
                if finite and obj[1] not in PASS_THROUGH and NONFINITE_RE.search(v):
                    self.finding("nonfinite", sql, f"{obj[12]} returned {v[:120]}")
                    break
                if obj[8] == "bytea" and v.startswith("\\x"):
                    try:
                        self.pool.learn(bytes.fromhex(v[2:]))
                    except ValueError:
                        pass
        except psycopg2.Error as e:
            took = time.monotonic() - t0
            code = e.pgcode or "connection"
            self.errors[code] += 1
            if code == "57014":
                self.counts["timeouts"] += 1
            if code == "XX000":
                self.finding("XX000", sql, f"{obj[12]}: {str(e).splitlines()[0]}")
            if self.conn.closed or e.pgcode is None:
                self.finding("crash", sql, f"{obj[12]}: connection lost: {str(e).splitlines()[0] if str(e) else ''}")
                self.connect()
                return
        if took > self.args.timeout + 1:
            self.finding("overtime", sql, f"{obj[12]} took {took:.1f} s with statement_timeout {self.args.timeout} s")
        for attempt in range(3):
            try:
                self.conn.rollback()
                return
            except psycopg2.Error as e:
                # a statement_timeout that fires as the statement ends cancels
                # the ROLLBACK after it (57014): the connection is fine, retry
                if not self.conn.closed:
                    continue
                self.finding("crash", sql, f"{obj[12]}: connection lost at rollback: {str(e).splitlines()[0] if str(e) else ''}")
                self.connect()
                return

    def run(self):
        deadline = time.monotonic() + self.args.seconds
        modes = ["serial", "serial", "parallel", "window", "crafted"]
        rounds = 0
        while time.monotonic() < deadline:
            order = list(self.targets)
            self.rng.shuffle(order)
            for obj in order:
                if time.monotonic() >= deadline:
                    break
                mode = self.rng.choice(modes)
                if mode == "crafted" and obj[2] != "a":
                    mode = "serial"
                self.run_one(obj, mode)
            rounds += 1
        self.rounds = rounds
        try:
            restarted = self.scalar("SELECT pg_postmaster_start_time()") != self.start_time
        except psycopg2.Error:
            restarted = True
        if restarted:
            self.finding("crash", "", "the postmaster restarted during the run")

    def summary(self):
        kinds = collections.Counter(f["class"] for f in self.findings)
        return {
            "seed": self.args.seed, "seconds": self.args.seconds, "statement_timeout_s": self.args.timeout,
            "objects": len(self.objects), "fuzzed": len(self.targets),
            "excluded": [{"object": o, "reason": r} for o, r in self.excluded],
            "rounds": self.rounds, "calls": self.counts["calls"], "answered": self.counts["ok"],
            "calls_by_plan": dict(self.per_mode), "errors_by_sqlstate": dict(sorted(self.errors.items())),
            "timeouts": self.counts["timeouts"],
            "findings": {k: kinds.get(k, 0) for k in ("crash", "XX000", "nonfinite", "overtime")},
            "finding_list": self.findings[:100],
        }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--seconds", type=float, default=90)
    ap.add_argument("--timeout", type=float, default=1, help="statement_timeout in seconds")
    ap.add_argument("--dsn", default="", help="libpq connection string (default: PG* environment)")
    ap.add_argument("--report", help="write the summary as JSON to this file")
    ap.add_argument("--only", default="", help="fuzz only the objects whose name matches this regex")
    args = ap.parse_args()
    fz = Fuzzer(args)
    if not fz.targets:
        sys.exit("sql_fuzz: nothing to fuzz")
    fz.run()
    s = fz.summary()
    print(f"sql_fuzz: seed {s['seed']}, {s['seconds']:.0f} s, statement_timeout {s['statement_timeout_s']} s: "
          f"{s['fuzzed']} of {s['objects']} objects, {s['rounds']} rounds, {s['calls']} calls "
          f"({', '.join(f'{k} {v}' for k, v in sorted(s['calls_by_plan'].items()))}), {s['answered']} answered")
    print("  errors by SQLSTATE: " + ", ".join(f"{k} {v}" for k, v in s["errors_by_sqlstate"].items()))
    print(f"  timeouts (57014): {s['timeouts']}")
    print("  findings: " + ", ".join(f"{k} {v}" for k, v in s["findings"].items()))
    for o in s["excluded"]:
        print(f"  excluded {o['object']}: {o['reason']}")
    if args.report:
        with open(args.report, "w") as f:
            json.dump(s, f, indent=1)
    sys.exit(1 if fz.findings else 0)


if __name__ == "__main__":
    main()
