#!/usr/bin/env bash
# Whole-command snapshot create and delete: vde next to qemu-img on a qcow2 of the same data.
#
#   src/bench/snapshot.sh [SIZE_MIB] [RUNS] [EXTENT_KIB]    (defaults: 1024 MiB, 5 runs, 64 KiB)
#
# The vde image holds SIZE_MIB of random data in one file of many extents, EXTENT_KIB each and
# none touching on disk (built in one transaction by dev.vde.bench.ExtentFixture, then checked:
# `vde cat` returns the data and `vde fsck` is clean). The qcow2 holds the same data
# (`qemu-img convert -O qcow2`, 64 KiB clusters, so by default one vde extent per qcow2 cluster).
# Each command runs RUNS times, with a fresh snapshot name each time (create s1..sRUNS, then
# delete them in that order), and the table shows the median time and the ratio of the peer's
# time to vde's (1.0 = as fast as the peer, higher is better for vde). `java -version` and
# `vde info` show how much of a vde command is JVM start-up and opening the image.
# Installs qemu-utils with apt-get if qemu-img is missing and builds the launcher target/vde if
# absent.
# The machine is shared and noisy: compare ratios from one run, not seconds across runs.
set -euo pipefail
size_mib=${1:-1024}
runs=${2:-5}
extent_kib=${3:-64}
root=$(cd "$(dirname "$0")/../.." && pwd)
. "$root/src/bench/lib.sh"
launcher="$root/target/vde"

if ! command -v qemu-img > /dev/null; then
  echo "snapshot.sh: installing qemu-utils" >&2
  apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq qemu-utils >&2
fi
[ -x "$launcher" ] || (cd "$root" && mvn -B -q -Dstyle.color=never -DskipTests package >&2)
cp=$(bench_classpath)
vde() { "$launcher" "$@"; }   # as a user runs vde: the launcher, with the class-data archive
dir=$(mktemp -d "${TMPDIR:-/tmp}/vde-snapbench.XXXXXX")
trap 'rm -rf "$dir"' EXIT
src="$dir/src.raw"
img="$dir/bench.vde"
qcow="$dir/bench.qcow2"

head -c "$((size_mib << 20))" /dev/urandom > "$src"
vde format "$img" --size "$((size_mib * 2 + 256))M" > /dev/null
java --add-exports=java.base/sun.nio.ch=ALL-UNNAMED -cp "$cp" dev.vde.bench.ExtentFixture "$img" f "$src" "$extent_kib"
vde cat "$img" f | cmp -s - "$src" || { echo "vde cat returned different bytes" >&2; exit 1; }
vde fsck "$img" > /dev/null || { echo "the fixture image is not clean" >&2; vde fsck "$img" >&2; exit 1; }
extents=$(vde ls -l "$img" | awk '$NF == "f" { print $3 }')
qemu-img convert -O qcow2 "$src" "$qcow"
cluster=$(qemu-img info "$qcow" | awk '/^cluster_size:/ { print $2 }')

echo "data: $size_mib MiB random; vde: 1 file of $extents extents; qcow2: $((size_mib * 1048576 / cluster)) clusters of $((cluster >> 10)) KiB"
echo "$runs runs each, median; $(nproc) cores, $(java -version 2>&1 | head -1), $(qemu-img --version | head -1)"
t_java=$(median ':' 'java -version 2> /dev/null')
t_info=$(median ':' 'vde info "$img" > /dev/null')
i=0
t_qc=$(median 'i=$((i + 1))' 'qemu-img snapshot -c "s$i" "$qcow"')
t_vc=$(median 'i=$((i + 1))' 'vde snapshot create "$img" "s$i"')
[ "$(qemu-img snapshot -l "$qcow" | grep -c ' s[0-9]')" = "$runs" ] || { echo "qemu-img made no $runs snapshots" >&2; exit 1; }
[ "$(vde snapshot list "$img" | grep -c 's[0-9]')" = "$runs" ] || { echo "vde made no $runs snapshots" >&2; exit 1; }
t_qd=$(median 'i=$((i + 1))' 'qemu-img snapshot -d "s$i" "$qcow"')
t_vd=$(median 'i=$((i + 1))' 'vde snapshot delete "$img" "s$i"')
vde fsck "$img" > /dev/null || { echo "vde fsck fails after the deletes" >&2; exit 1; }

printf '\n%-44s %8s %10s\n' "command" "seconds" "peer/vde"
row() { printf '%-44s %8.3f %10s\n' "$1" "$2" "${3:-}"; }
row "java -version" "$t_java"
row "vde info IMG" "$t_info"
row "qemu-img snapshot -c sN IMG.qcow2" "$t_qc"
row "vde snapshot create IMG sN" "$t_vc" "$(ratio "$t_qc" "$t_vc")"
row "qemu-img snapshot -d sN IMG.qcow2" "$t_qd"
row "vde snapshot delete IMG sN" "$t_vd" "$(ratio "$t_qd" "$t_vd")"
echo
echo "snapshot N of RUNS is taken with N-1 others present; deletes go oldest first. vde times include JVM start-up."
