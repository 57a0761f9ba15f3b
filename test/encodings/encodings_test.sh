#!/usr/bin/env bash
# CREATE EXTENSION insight in databases of other server encodings, against
# the server in the PG* environment (run by test/run_tests.sh):
#   1. the extension installs in UTF8, EUC_CN and LATIN1 databases
#      (LC_COLLATE and LC_CTYPE C, from template0): its scripts are ASCII
#      (the Makefile checks it) and the report's Chinese texts are decoded
#      into the database's encoding (insight_unicode_text);
#   2. a text model trained in EUC_CN on Chinese reviews is the same model,
#      byte for byte, as in UTF8, and scores a Chinese review the same (the
#      tokeniser reads the text through PostgreSQL's conversion to UTF-8);
#      likewise in LATIN1 for accented Latin text;
#   3. the report's Chinese messages exist in EUC_CN as in UTF8; in LATIN1,
#      which cannot hold them, there are none and lang zh is a clear error.
# The client speaks UTF-8 (PGCLIENTENCODING); PostgreSQL converts.
# Prints one ok / FAIL line per check and exits non-zero when any fails.
set -euo pipefail
cd "$(dirname "$0")/../.."
export PGCLIENTENCODING=UTF8

status=0
ok() { echo "ok   $*"; }
fail() { echo "FAIL $*"; status=1; }

dbs=(insight_enc_utf8 insight_enc_euc_cn insight_enc_latin1)
encs=(UTF8 EUC_CN LATIN1)
cleanup() { local db; for db in "${dbs[@]}"; do dropdb --if-exists "$db" >/dev/null 2>&1 || true; done; }
trap cleanup EXIT

q() { psql -X -q -A -t -v ON_ERROR_STOP=1 -d "$1" -c "$2"; }

# the same labelled reviews in every database that holds them: Chinese ones
# (UTF8, EUC_CN) and accented French ones (UTF8, LATIN1), each with its model
zh_rows="('这个手机很好用，屏幕清晰', true), ('质量很差，用了一天就坏了', false), ('物流很快，包装完好，满意', true),
         ('客服态度差，不推荐购买', false), ('性价比高，非常喜欢', true), ('假货，退货了', false)"
fr_rows="('très bon produit, livré à l''heure', true), ('cassé à la livraison, déçu', false),
         ('qualité supérieure, je recommande', true), ('très mauvais, remboursé', false)"

for i in "${!dbs[@]}"; do
    db=${dbs[$i]} enc=${encs[$i]}
    dropdb --if-exists "$db" >/dev/null 2>&1
    createdb -E "$enc" --lc-collate=C --lc-ctype=C -T template0 "$db"
    if out=$(q "$db" 'CREATE EXTENSION insight' 2>&1); then
        ok "CREATE EXTENSION insight in a $enc database"
    else
        fail "CREATE EXTENSION insight in a $enc database: $out"
        continue
    fi
    if [[ $enc != LATIN1 ]]; then
        q "$db" "CREATE TABLE zh (review text, positive boolean); INSERT INTO zh VALUES $zh_rows;
                 CREATE TABLE m_zh AS SELECT insight_text_fit('SELECT review, positive FROM zh', buckets => 4096) AS model"
    fi
    if [[ $enc != EUC_CN ]]; then
        q "$db" "CREATE TABLE fr (review text, positive boolean); INSERT INTO fr VALUES $fr_rows;
                 CREATE TABLE m_fr AS SELECT insight_text_fit('SELECT review, positive FROM fr', buckets => 4096) AS model"
    fi
done

score() {  # score DB TABLE TEXT: the score and the model's md5
    q "$1" "SELECT insight_text_predict(model, \$t\$$3\$t\$)::text || ' ' || md5(model) FROM $2"
}
same_score() {  # same_score DB TABLE TEXT WHAT
    local a b
    a=$(score insight_enc_utf8 "$2" "$3") b=$(score "$1" "$2" "$3")
    if [[ -n $a && $a == "$b" ]]; then ok "$4: $b"; else fail "$4: UTF8 gives '$a', $1 '$b'"; fi
}
if [[ $(q insight_enc_euc_cn 'SELECT 1' 2>/dev/null) == 1 ]]; then
    same_score insight_enc_euc_cn m_zh '屏幕很清晰，物流也快，很满意' "EUC_CN: the same model and score of a Chinese review as UTF8"
    # the report's Chinese messages, decoded into EUC_CN, read back the same
    # (compared as the client receives them, in UTF-8)
    a=$(q insight_enc_utf8 "SELECT key || '=' || message FROM insight_report_messages WHERE lang = 'zh' ORDER BY key" | md5sum)
    b=$(q insight_enc_euc_cn "SELECT key || '=' || message FROM insight_report_messages WHERE lang = 'zh' ORDER BY key" | md5sum)
    n=$(q insight_enc_euc_cn "SELECT count(*) FROM insight_report_messages WHERE lang = 'zh'")
    if [[ $a == "$b" && $n -gt 100 ]]; then ok "EUC_CN: the report's $n Chinese messages as in UTF8"; else fail "EUC_CN messages ($n): UTF8 ${a%% *}, EUC_CN ${b%% *}"; fi
    a=$(q insight_enc_utf8 "SELECT insight_report_date('2011-12-09 12:00+00', 'zh') || ' ' || insight_report_num(8326000, 0, 'zh')")
    b=$(q insight_enc_euc_cn "SELECT insight_report_date('2011-12-09 12:00+00', 'zh') || ' ' || insight_report_num(8326000, 0, 'zh')")
    if [[ $a == "$b" && $a == '2011年12月9日 832.6万' ]]; then ok "EUC_CN: Chinese dates and numbers ($b)"; else fail "EUC_CN dates: UTF8 '$a', EUC_CN '$b'"; fi
fi
if [[ $(q insight_enc_latin1 'SELECT 1' 2>/dev/null) == 1 ]]; then
    same_score insight_enc_latin1 m_fr 'livré cassé, très déçu' "LATIN1: the same model and score of an accented review as UTF8"
    # only the "Chinese" messages without a Chinese character (zh-Hans, AUC, ...)
    a=$(q insight_enc_utf8 "SELECT string_agg(key, ',' ORDER BY key) FILTER (WHERE lang = 'zh' AND message !~ '[^\x01-\x7f]')
                                   || ' ' || count(*) FILTER (WHERE lang = 'en') FROM insight_report_messages")
    b=$(q insight_enc_latin1 "SELECT string_agg(key, ',' ORDER BY key) FILTER (WHERE lang = 'zh') || ' ' || count(*) FILTER (WHERE lang = 'en')
                                FROM insight_report_messages")
    if [[ $a == "$b" ]]; then ok "LATIN1: every English message, no Chinese one but the ASCII ones ($b)"; else fail "LATIN1 messages: UTF8 '$a', LATIN1 '$b'"; fi
    err=$(q insight_enc_latin1 "SELECT insight_report_msg('zh', 'title')" 2>&1 || true)
    if [[ $err == *'the report in Chinese cannot be written in database encoding LATIN1'* ]]; then
        ok "LATIN1: lang zh is a clear error"
    else
        fail "LATIN1: lang zh gave: $err"
    fi
    en=$(q insight_enc_latin1 "SELECT insight_svg_fit_text('a rather long label for a chart', 60, 12)")
    if [[ $en == *... ]]; then ok "LATIN1: a label cut with three dots ($en)"; else fail "LATIN1 label: $en"; fi
fi
exit $status
