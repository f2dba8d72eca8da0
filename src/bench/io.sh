#!/usr/bin/env bash
# Whole-command throughput of vde write/cat next to cp/cat/dd on the same data, in one run.
#
#   src/bench/io.sh [SIZE_MIB] [RUNS]      (defaults: 1024 MiB, 3 runs; needs target/vde, the launcher)
#
# Every command runs RUNS times on hot page cache; the table shows the median time, the
# throughput and the ratio of the peer's time to vde's (1.0 = as fast as the peer, higher is
# better for vde). The machine is shared and noisy: compare ratios from one run, not seconds
# across runs.
set -euo pipefail
size_mib=${1:-1024}
runs=${2:-3}
root=$(cd "$(dirname "$0")/../.." && pwd)
launcher="$root/target/vde"
. "$root/src/bench/lib.sh"
[ -x "$launcher" ] || { echo "build first: mvn -B -q -DskipTests package" >&2; exit 2; }
vde() { "$launcher" "$@"; }   # as a user runs vde: the launcher, with the class-data archive
dir=$(mktemp -d "${TMPDIR:-/tmp}/vde-bench.XXXXXX")
trap 'rm -rf "$dir"' EXIT
src="$dir/src.raw"
img="$dir/bench.vde"

head -c "$((size_mib << 20))" /dev/urandom > "$src"
cat "$src" > /dev/null
vde format "$img" --size "$((size_mib * 4 + 256))M" > /dev/null

rate() { echo "scale=2; $size_mib / 1024 / $1" | bc -l; }

echo "data: $size_mib MiB random, $runs runs each, median; $(nproc) cores, $(java -version 2>&1 | head -1)"
t_cp=$(median 'rm -f "$dir/cp.raw"' 'cp "$src" "$dir/cp.raw"')
t_dd=$(median 'rm -f "$dir/dd.raw"' 'dd if="$src" of="$dir/dd.raw" bs=1M status=none')
t_w=$(median 'vde rm "$img" f 2>/dev/null || true' 'vde write "$img" f --input "$src"')
t_wp=$(median 'vde rm "$img" f 2>/dev/null || true' 'cat "$src" | vde write "$img" f')
t_cat=$(median ':' 'cat "$src" > "$dir/out.raw"')
t_vcat=$(median ':' 'vde cat "$img" f > "$dir/out.raw"')
cmp -s "$src" "$dir/out.raw" || { echo "vde cat returned different bytes" >&2; exit 1; }
t_catp=$(median ':' 'cat "$src" | cat > /dev/null')
t_vcatp=$(median ':' 'vde cat "$img" f | cat > /dev/null')

printf '\n%-44s %8s %8s %10s\n' "command" "seconds" "GB/s" "peer/vde"
row() { printf '%-44s %8.3f %8s %10s\n' "$1" "$2" "$(rate "$2")" "${3:-}"; }
row "cp SRC DST" "$t_cp"
row "dd if=SRC of=DST bs=1M" "$t_dd"
row "vde write IMG f --input SRC" "$t_w" "$(ratio "$t_cp" "$t_w") (cp)"
row "cat SRC | vde write IMG f" "$t_wp" "$(ratio "$t_cp" "$t_wp") (cp)"
row "cat SRC > FILE" "$t_cat"
row "vde cat IMG f > FILE" "$t_vcat" "$(ratio "$t_cat" "$t_vcat") (cat)"
row "cat SRC | cat > /dev/null" "$t_catp"
row "vde cat IMG f | cat > /dev/null" "$t_vcatp" "$(ratio "$t_catp" "$t_vcatp") (cat)"
echo
echo "vde times include JVM start-up (about 0.3 s here) and, for write, fdatasync of the data at commit."
