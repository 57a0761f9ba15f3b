#!/usr/bin/env bash
# For developers: a private copy of Debian's PostgreSQL server under DIR, so
# that several checkouts can build, install and test at the same time
# ('make install' writes the server's extension directories).  Then:
#   INSIGHT_PG_ROOT=DIR ./run test
# The server finds its share and lib directories relative to its binaries.
set -euo pipefail
dir=${1:?usage: test/private_server.sh DIR}
major=15
mkdir -p "$dir/lib/postgresql" "$dir/share/postgresql" "$dir/include"
cp -a "/usr/lib/postgresql/$major" "$dir/lib/postgresql/"
cp -a "/usr/share/postgresql/$major" "$dir/share/postgresql/"
ln -sfn /usr/include/postgresql "$dir/include/postgresql"
"$dir/lib/postgresql/$major/bin/pg_config" --sharedir --pkglibdir
