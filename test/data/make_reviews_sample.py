#!/usr/bin/python3
"""Make test/data/reviews_zh_sample.csv.gz from the shipped Chinese reviews.

A stratified sample of online_shopping_10_cats.csv.gz (SophonPlus/ChineseNlpCorpus,
see ../shared/data/README.md): in each (category, label), the 250 reviews with the
smallest SHA-1 of their text (all of them when fewer), empty reviews left out; the
stray U+FEFF at the start of the first review is removed. Deterministic.

    /usr/bin/python3 test/data/make_reviews_sample.py ../shared/data/reviews/online_shopping_10_cats.csv.gz
"""
import csv
import gzip
import hashlib
import io
import sys

PER_GROUP = 250


def main(path):
    with gzip.open(path, "rt", encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))[1:]
    groups = {}
    for cat, label, review in rows:
        review = review.lstrip("\ufeff")
        if review.strip():
            groups.setdefault((cat, label), []).append(review)
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["cat", "label", "review"])
    for key in sorted(groups):
        chosen = sorted(groups[key], key=lambda r: hashlib.sha1(r.encode()).hexdigest())[:PER_GROUP]
        for review in chosen:
            w.writerow([key[0], key[1], review])
    with gzip.GzipFile("test/data/reviews_zh_sample.csv.gz", "wb", mtime=0) as g:
        g.write(out.getvalue().encode("utf-8"))


if __name__ == "__main__":
    main(sys.argv[1])
