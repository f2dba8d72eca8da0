#!/usr/bin/env bash
# Whole commands side by side with their peers, on the same data, in one run (issue 7): one table
# with each command's median wall time, throughput where data moves, peak resident set size, and
# for each peer the ratio of its time to vde's (1.00 = as fast as the peer, higher is better for
# vde).
#
#   src/bench/peers.sh [SIZE_MIB] [RUNS]     (defaults: 1024 MiB, 3 runs; `peers.sh 64 1` is a smoke test)
#
# Needs the launcher target/vde (mvn -B -q -DskipTests package); the two fixtures below run from
# the test classes (src/bench/lib.sh: bench_classpath). Installs qemu-utils, xdelta3 and time
# (GNU time) with apt-get when they are missing; a peer that cannot be installed gets its rows
# marked skipped. Files go to $VDE_BENCH_DIR (default /var/tmp, a disk: on tmpfs the sync rows
# would measure nothing) and are removed at exit. The machine is shared and noisy: compare ratios
# from one run, not seconds across runs.
#
# The data: old.raw is SIZE_MIB of random bytes. new.raw is old.raw with 1 % of it (at least one
# piece) replaced by new random bytes in 64 KiB pieces at distinct random 64 KiB-aligned offsets,
# also kept as one file a piece. Every command below reads these same files; every result is
# checked against them (vde cat, qemu-img compare, cmp) before the table is printed.
#
# What "comparable" means, scenario by scenario:
#  1 Sequential write of old.raw into a fresh container each run: vde write into a newly
#    formatted image (one transaction, fdatasync at commit), dd bs=1M to a new file, qemu-io
#    'write -s old.raw 0 SIZE' (the data of the file, one request) into a new qcow2. Durability
#    differs by flag, so each peer runs three ways: page cache only (dd; qemu-io -t unsafe, which
#    never flushes), synced at the end (dd conv=fsync; qemu-io's default cache=writethrough,
#    which flushes after the write), and O_DIRECT (dd oflag=direct; qemu-io -t none, which also
#    flushes). vde has no unsynced mode: its row is comparable to the synced ones.
#    Reading it back: vde cat into a pipe next to cat.
#  2 1 % scattered overwrites after a snapshot: the image of 1 (old.raw in file f) with snapshot
#    `base`, and the qcow2 of 1 (old.raw) with internal snapshot `base` (qemu-img snapshot -c),
#    each copied afresh before every run; then every piece of new.raw at its offset, in the same
#    random order, each written from its piece file (qemu-io 'write -s PIECE OFF 64k'). vde has
#    no multi-range write: a user runs `vde write IMG f --input PIECE --offset OFF` once a
#    piece, a JVM and a commit each, while a qemu-io user can pass every write to one process.
#    So 2a sets vde's way against qemu-io's per piece (process for process) and in one process
#    (one flush at exit, -t writeback: the fastest a qemu-io user gets); 2b sets the same
#    pieces written by vde's engine in one JVM, one commit (fdatasync) a piece
#    (dev.vde.bench.DeltaFixture: not a command; what a multi-range write would cost) against one
#    qemu-io with cache=writethrough, one flush a write.
#  3 Snapshot create (and delete) on data in many extents: old.raw in a vde file of one 64 KiB
#    extent per 64 KiB, none touching on disk (dev.vde.bench.ExtentFixture), and in a qcow2 of
#    64 KiB clusters (qemu-img convert): one extent per cluster. Snapshot N of RUNS is taken with
#    N-1 present, on both.
#  4 Incremental delta of the change in 2: vde diff from `base` to `next` reads metadata and the
#    changed extents; xdelta3 -e and qemu-img compare must read both whole files (old.raw and
#    new.raw). qemu-img compare stops at the first difference, so it runs on new.raw and a
#    byte-equal copy, where it reads both to the end: the least a tool that does not know what
#    changed must do. Sizes: vde's delta against xdelta3's (xdelta3 compresses; random data does
#    not compress).
#  5 Apply: the incremental delta of 4 onto a replica holding `base` (copied afresh each run),
#    next to xdelta3 -d, which rebuilds new.raw from old.raw; the full delta of `base` (all of
#    old.raw) into an empty image, next to the raw writes of the same bytes in 1.
#  6 fsck against qemu-img check: the images of 2 (old.raw, the overwrites, snapshots base and
#    next on both) and of 3 (RUNS snapshots on both).
# Peak RSS is GNU time's maximum resident set size of each command, the largest of its runs
# (of its processes, for a row of many). vde works on its image through a memory map, so the
# image pages a command touches count too: a write of 1 GiB shows about 1.1 GiB, nearly all of it
# page cache (RssFile), not heap.
set -Eeuo pipefail
export LC_ALL=C
me=peers.sh
usage() { echo "usage: src/bench/peers.sh [SIZE_MIB (1 to 2047)] [RUNS (1 or more)]" >&2; exit 2; }
size_mib=${1:-1024}
runs=${2:-3}
[[ $size_mib =~ ^[1-9][0-9]*$ ]] && [ "$size_mib" -le 2047 ] || usage # qemu-io writes old.raw in one request: under 2 GiB
[[ $runs =~ ^[1-9][0-9]*$ ]] || usage
root=$(cd "$(dirname "$0")/../.." && pwd)
. "$root/src/bench/lib.sh"
vde=$root/target/vde
[ -x "$vde" ] || { echo "$me: no launcher $vde: build it first (mvn -B -q -DskipTests package)" >&2; exit 2; }
java=${JAVA:-${JAVA_HOME:+$JAVA_HOME/bin/java}}
java=${java:-java}

have_qemu=
if have qemu-img qemu-utils && have qemu-io qemu-utils; then have_qemu=1; fi
have_xdelta=
if have xdelta3 xdelta3; then have_xdelta=1; fi
gnu_time=
if have time time; then gnu_time=$(type -P time); fi
cp=$(bench_classpath)

base_dir=${VDE_BENCH_DIR:-/var/tmp}
dir=$(mktemp -d "$base_dir/vde-peers.XXXXXX")
trap 'rm -rf "$dir"' EXIT
trap 'exit 130' INT TERM
# Names the line that failed, with the standard error of the last command whose stderr was kept
# aside (vde diff and apply print statistics there).
failed() {
  [ "$BASH_SUBSHELL" = 0 ] || return 0 # the main shell reports it when the subshell's status reaches it
  echo "$me: line $1 failed: $2" >&2
  [ ! -s "$dir/err" ] || sed 's/^/  last stderr: /' "$dir/err" >&2
}
trap 'failed $LINENO "$BASH_COMMAND"' ERR
[[ $dir != *[[:space:]]* ]] || { echo "$me: $dir has a blank, which qemu-io's commands cannot take" >&2; exit 2; }
fs=$(stat -f -c %T "$dir")
rss_log=$dir/rss.log
fail() { echo "$me: $*" >&2; exit 1; }
# A copy that is on disk before the timed part starts: a later fdatasync (of vde's commit or of
# qemu's flush) would otherwise pay for writing the copy back.
fresh() { rm -f "$2"; cp --sparse=always "$1" "$2"; sync "$2"; }
same() { cmp -s "$1" "$2" || fail "$3"; }

bytes=$((size_mib << 20))
piece=65536
chunks=$((bytes / piece))
pieces=$(((chunks + 50) / 100)) # 1 %, rounded, as DeltaFixture.pieces
[ "$pieces" -ge 1 ] || pieces=1
changed=$((pieces * piece))
old=$dir/old.raw
new=$dir/new.raw
pdir=$dir/pieces
head -c "$bytes" /dev/urandom > "$old"
cp "$old" "$new"
mkdir "$pdir"
mapfile -t idx < <(shuf -i "0-$((chunks - 1))" -n "$pieces")
for i in "${idx[@]}"; do
  head -c "$piece" /dev/urandom > "$pdir/$i"
  dd if="$pdir/$i" of="$new" bs="$piece" seek="$i" conv=notrunc status=none
done
sync "$old" "$new" "$pdir"/*
image_size=$((size_mib * 2 + 256))M
empty=$dir/empty.vde
"$vde" format "$empty" --size "$image_size" > /dev/null

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
echo "$me: measuring ($runs runs of each row) in $dir" >&2

# ---- 1: sequential write, and reading it back ----
img=$dir/write.vde
measure vde_write 'fresh "$empty" "$img"' 'run "$vde" write "$img" f --input "$old"'
"$vde" cat "$img" f | cmp -s - "$old" || fail "vde cat after vde write returned other bytes than old.raw"
out=$dir/dd.raw
measure dd 'rm -f "$out"' 'run dd if="$old" of="$out" bs=1M status=none'
measure dd_fsync 'rm -f "$out"' 'run dd if="$old" of="$out" bs=1M conv=fsync status=none'
measure dd_direct 'rm -f "$out"' 'run dd if="$old" of="$out" bs=1M oflag=direct status=none'
same "$out" "$old" "dd wrote other bytes than old.raw"
rm -f "$out"
qcow=$dir/write.qcow2
if [ -n "$have_qemu" ]; then
  new_qcow='rm -f "$qcow"; qemu-img create -q -f qcow2 "$qcow" "$bytes"'
  qio_write() { run qemu-io "$@" -f qcow2 -c "write -q -s $old 0 $bytes" "$qcow"; }
  for mode in unsafe writethrough none; do
    measure "qio_$mode" "$new_qcow" "qio_write -t $mode"
    qemu-img compare -q -f qcow2 -F raw "$qcow" "$old" || fail "qemu-io -t $mode wrote other bytes than old.raw"
  done
fi
measure cat ':' 'run cat "$old" | run cat > /dev/null'
measure vde_cat ':' 'run "$vde" cat "$img" f | run cat > /dev/null'
measure java ':' 'run "$java" -version 2> /dev/null'
measure vde_info ':' 'run "$vde" info "$img" > /dev/null'
[ -z "$have_qemu" ] || measure qemu_info ':' 'run qemu-img info "$qcow" > /dev/null'

# ---- 2: 1 % scattered overwrites after a snapshot ----
"$vde" snapshot create "$img" base
over=$dir/over.vde
over_jvm=$dir/over-jvm.vde
vde_pieces() { for i in "${idx[@]}"; do run "$vde" write "$over" f --input "$pdir/$i" --offset $((i * piece)); done; }
measure over_vde 'fresh "$img" "$over"' 'vde_pieces'
measure over_jvm 'fresh "$img" "$over_jvm"' \
  'run "$java" -cp "$cp" dev.vde.bench.DeltaFixture "$over_jvm" f "$new" $((piece >> 10)) "${idx[@]}"'
for image in "$over" "$over_jvm"; do
  "$vde" cat "$image" f | cmp -s - "$new" || fail "vde cat after the overwrites of $image returned other bytes than new.raw"
  "$vde" cat "$image" f --snapshot base | cmp -s - "$old" || fail "snapshot base of $image no longer holds old.raw"
done
rm "$over_jvm"
"$vde" snapshot create "$over" next
qover=$dir/over.qcow2
if [ -n "$have_qemu" ]; then
  qemu-img snapshot -c base "$qcow"
  qcmds=()
  writes=()
  for i in "${idx[@]}"; do
    qcmds+=("write -q -s $pdir/$i $((i * piece)) $piece")
    writes+=(-c "${qcmds[-1]}")
  done
  qio_pieces() { for c in "${qcmds[@]}"; do run qemu-io -f qcow2 -c "$c" "$qover"; done; }
  for row in 'qio_each:qio_pieces' 'qio_wb:run qemu-io -t writeback -f qcow2 "${writes[@]}" "$qover"' \
    'qio_wt:run qemu-io -f qcow2 "${writes[@]}" "$qover"'; do
    measure "${row%%:*}" 'fresh "$qcow" "$qover"' "${row#*:}"
    qemu-img compare -q -f qcow2 -F raw "$qover" "$new" || fail "${row%%:*}: the qcow2 differs from new.raw"
  done
  qemu-img snapshot -c next "$qover"
fi

# ---- 3: snapshot create and delete on many extents ----
ext=$dir/extents.vde
qext=$dir/extents.qcow2
"$vde" format "$ext" --size "$image_size" > /dev/null
"$java" -cp "$cp" dev.vde.bench.ExtentFixture "$ext" f "$old" $((piece >> 10))
"$vde" cat "$ext" f | cmp -s - "$old" || fail "vde cat of the many-extent fixture returned other bytes than old.raw"
"$vde" fsck "$ext" > /dev/null || fail "the many-extent fixture is not clean"
extents=$("$vde" ls -l "$ext" | awk '$NF == "f" { print $3 }')
sync "$ext"
i=0
measure snap_vde 'i=$((i + 1))' 'run "$vde" snapshot create "$ext" "s$i"'
[ "$("$vde" snapshot list "$ext" | grep -c ' s[0-9]')" = "$runs" ] || fail "vde made no $runs snapshots"
if [ -n "$have_qemu" ]; then
  qemu-img convert -f raw -O qcow2 "$old" "$qext"
  sync "$qext"
  clusters=$((bytes / $(qemu-img info "$qext" | awk '/^cluster_size:/ { print $2 }')))
  i=0
  measure snap_qemu 'i=$((i + 1))' 'run qemu-img snapshot -c "s$i" "$qext"'
  [ "$(qemu-img snapshot -l "$qext" | grep -c ' s[0-9]')" = "$runs" ] || fail "qemu-img made no $runs snapshots"
fi

# ---- 6: fsck and qemu-img check (here, while 3's snapshots exist) ----
measure fsck_over ':' 'run "$vde" fsck "$over" > /dev/null'
measure fsck_ext ':' 'run "$vde" fsck "$ext" > /dev/null'
if [ -n "$have_qemu" ]; then
  measure check_over ':' 'run qemu-img check "$qover" > /dev/null'
  measure check_ext ':' 'run qemu-img check "$qext" > /dev/null'
fi

i=0
measure del_vde 'i=$((i + 1))' 'run "$vde" snapshot delete "$ext" "s$i"'
"$vde" fsck "$ext" > /dev/null || fail "vde fsck fails after the snapshot deletes"
if [ -n "$have_qemu" ]; then
  i=0
  measure del_qemu 'i=$((i + 1))' 'run qemu-img snapshot -d "s$i" "$qext"'
fi
rm -f "$ext" "$qext"

# ---- 4: incremental delta ----
delta=$dir/next.rdlt
"$vde" diff "$over" --from base --to next -o "$delta" --json > "$dir/diff.json"
shipped=$(grep -o '"dataBytes" *: *[0-9]*' "$dir/diff.json" | grep -o '[0-9]*$')
[ "$shipped" = "$changed" ] || fail "the delta ships $shipped data bytes; $changed were overwritten"
measure diff 'rm -f "$delta"' 'run "$vde" diff "$over" --from base --to next -o "$delta" 2> "$dir/err"'
new2=$dir/new2.raw
xd=$dir/out.xd
if [ -n "$have_xdelta" ]; then
  measure xd_e 'rm -f "$xd"' 'run xdelta3 -e -s "$old" "$new" "$xd"'
  measure xd_d 'rm -f "$new2"' 'run xdelta3 -d -s "$old" "$xd" "$new2"'
  same "$new2" "$new" "xdelta3 -d returned other bytes than new.raw"
else
  cp "$new" "$new2"
fi
[ -z "$have_qemu" ] || measure compare ':' 'run qemu-img compare -f raw -F raw "$new" "$new2" > /dev/null'

# ---- 5: apply ----
full=$dir/base.rdlt
replica0=$dir/replica0.vde
replica=$dir/replica.vde
"$vde" diff "$over" --to base -o "$full" 2> "$dir/err"
fresh "$empty" "$replica0"
"$vde" apply "$replica0" "$full" 2> "$dir/err"
sync "$replica0"
measure apply 'fresh "$replica0" "$replica"' 'run "$vde" apply "$replica" "$delta" 2> "$dir/err"'
"$vde" cat "$replica" f | cmp -s - "$new" || fail "the replica's f differs from new.raw after vde apply"
"$vde" snapshot list "$replica" | grep -q ' next ' || fail "the replica has no snapshot next after vde apply"
"$vde" fsck "$replica" > /dev/null || fail "vde fsck fails on the replica"
rm -f "$replica0"
measure apply_full 'fresh "$empty" "$replica"' 'run "$vde" apply "$replica" "$full" 2> "$dir/err"'
"$vde" cat "$replica" f | cmp -s - "$old" || fail "the replica's f differs from old.raw after vde apply of the full delta"
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

# ---- the table ----
declare -A why=()
for key in qio_unsafe qio_writethrough qio_none qemu_info qio_each qio_wb qio_wt snap_qemu check_over check_ext \
  del_qemu compare; do why[$key]="no qemu-utils"; done
why[xd_e]="no xdelta3"
why[xd_d]="no xdelta3"
heading() { printf '\n%s\n' "$1"; }
# row KEY LABEL [BYTES [VDE_KEY]]: BYTES moved gives the throughput; VDE_KEY names the vde row
# this peer is set against, and gives the ratio.
row() {
  local key=$1 label=$2 moved=${3:-} vs=${4:-} rate='' mem='-' r=''
  if [ -z "${secs[$key]:-}" ]; then
    printf '  %-58s skipped: %s\n' "$label" "${why[$key]:-not measured}"
    return
  fi
  [ -z "$moved" ] || rate=$(awk -v b="$moved" -v s="${secs[$key]}" 'BEGIN {
    r = b / 1048576 / s; f = r >= 100 ? "%.0f" : r >= 10 ? "%.1f" : "%.2f"; printf f, r }')
  [ -z "${peak[$key]:-}" ] || mem=$(awk -v k="${peak[$key]}" 'BEGIN { printf "%.0f", k / 1024 }')
  [ -z "$vs" ] || [ -z "${secs[$vs]:-}" ] || r=$(ratio "${secs[$key]}" "${secs[$vs]}")
  printf '  %-58s %8.3f %7s %8s %8s\n' "$label" "${secs[$key]}" "$rate" "$mem" "$r"
}
size_row() { # LABEL BYTES [VDE_BYTES]
  printf '  %-58s %8s %7s %8s %8s\n' "$1 ($2 bytes)" '' '' '' "${3:+$(ratio "$2" "$3")}"
}
jv=$("$java" -version 2>&1 | head -1)
echo "data: $size_mib MiB random; $pieces pieces of 64 KiB overwritten ($changed bytes, $(awk -v c="$changed" -v b="$bytes" 'BEGIN { printf "%.2f", 100 * c / b }') %)"
echo "files in $base_dir ($fs); $runs runs each, median; $(nproc) cores; $jv"
echo "peers: $([ -z "$have_qemu" ] || qemu-img --version | head -1)${have_xdelta:+, $(xdelta3 -V 2>&1 | head -1 | cut -d, -f1)}"
echo "load average before: $load_before, after: $load_after"
printf '\n  %-58s %8s %7s %8s %8s\n' "command" "seconds" "MiB/s" "RSS MiB" "peer/vde"
heading "0 start-up (reference)"
row java "java -version"
row vde_info "vde info IMG"
row qemu_info "qemu-img info IMG.qcow2" '' vde_info
heading "1 sequential write of $size_mib MiB (old.raw), and reading it back"
row vde_write "vde write IMG f --input old.raw (fdatasync at commit)" "$bytes"
row dd "dd bs=1M (page cache only)" "$bytes" vde_write
row dd_fsync "dd bs=1M conv=fsync (synced at the end)" "$bytes" vde_write
row dd_direct "dd bs=1M oflag=direct (O_DIRECT)" "$bytes" vde_write
row qio_unsafe "qemu-io -t unsafe 'write -s old.raw' (page cache)" "$bytes" vde_write
row qio_writethrough "qemu-io 'write -s old.raw' (writethrough: flush)" "$bytes" vde_write
row qio_none "qemu-io -t none 'write -s old.raw' (O_DIRECT, flush)" "$bytes" vde_write
row vde_cat "vde cat IMG f | cat > /dev/null" "$bytes"
row cat "cat old.raw | cat > /dev/null" "$bytes" vde_cat
heading "2a $pieces overwrites of 64 KiB after a snapshot, as each tool's user runs them"
row over_vde "vde write --offset, a process and a commit per piece" "$changed"
row qio_each "qemu-io, a process per piece (flush at exit)" "$changed" over_vde
row qio_wb "qemu-io -t writeback, all in one process, one flush" "$changed" over_vde
heading "2b the same in one process, flushed after every piece"
row over_jvm "vde engine, one JVM, a commit per piece (fixture)" "$changed"
row qio_wt "qemu-io, all in one process, writethrough" "$changed" over_jvm
heading "3 snapshot create and delete: $size_mib MiB in ${extents:-?} vde extents, ${clusters:-?} qcow2 clusters"
row snap_vde "vde snapshot create IMG sN"
row snap_qemu "qemu-img snapshot -c sN IMG.qcow2" '' snap_vde
row del_vde "vde snapshot delete IMG sN"
row del_qemu "qemu-img snapshot -d sN IMG.qcow2" '' del_vde
heading "4 incremental delta of the overwrites (1 %)"
row diff "vde diff IMG --from base --to next -o D"
row xd_e "xdelta3 -e -s old.raw new.raw out.xd" '' diff
row compare "qemu-img compare new.raw new2.raw (reads both)" '' diff
size_row "vde delta D" "$(stat -c %s "$delta")"
[ -z "$have_xdelta" ] || size_row "xdelta3 out.xd" "$(stat -c %s "$xd")" "$(stat -c %s "$delta")"
heading "5 apply"
row apply "vde apply REPLICA D (incremental)" "$changed"
row xd_d "xdelta3 -d -s old.raw out.xd new2.raw" "$changed" apply
row apply_full "vde apply EMPTY FULL (full delta of base)" "$bytes"
row dd_fsync "dd bs=1M conv=fsync, as in 1" "$bytes" apply_full
row vde_write "vde write --input old.raw, as in 1" "$bytes" apply_full
heading "6 fsck against qemu-img check"
row fsck_over "vde fsck IMG (image of 2: two snapshots)"
row check_over "qemu-img check IMG.qcow2 (qcow2 of 2)" '' fsck_over
row fsck_ext "vde fsck IMG (image of 3, with its snapshots)"
row check_ext "qemu-img check IMG.qcow2 (qcow2 of 3, with its snapshots)" '' fsck_ext

echo
echo "peer/vde: the peer's seconds over vde's (for sizes, bytes over bytes); above 1.00 vde is ahead."
echo "vde rows include JVM start-up (see 0). Throughput: bytes of data written or read over seconds."

# Issue 5's targets for delta replication, from the rows above.
if [ -n "$have_xdelta" ]; then
  verdict() { if awk "BEGIN { exit !($1) }"; then echo PASS; else echo MISS; fi; }
  d_bytes=$(stat -c %s "$delta")
  bound=$(awk -v c="$changed" 'BEGIN { printf "%.0f", c * 1.01 + 65536 }')
  echo
  echo "issue 5's targets (set for 1024 MiB)"
  printf '  %-62s %s\n' "diff:  xdelta3 -e / vde diff = $(ratio "${secs[xd_e]}" "${secs[diff]}") (>= 20)" \
    "$(verdict "${secs[xd_e]} / ${secs[diff]} >= 20")"
  printf '  %-62s %s\n' "size:  delta $d_bytes <= 1.01 x changed + 64 KiB = $bound" "$(verdict "$d_bytes <= $bound")"
  printf '  %-62s %s\n' "apply: xdelta3 -d / vde apply = $(ratio "${secs[xd_d]}" "${secs[apply]}") (>= 1)" \
    "$(verdict "${secs[xd_d]} / ${secs[apply]} >= 1")"
fi
