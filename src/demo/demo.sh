#!/usr/bin/env bash
# A short tour of vde on a scratch image. Run from the repository root after
# `mvn -B -q -DskipTests package`: src/demo/demo.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
vde() { "$root/target/vde" "$@"; }   # the launcher: vde.jar with its class-data archive
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
img="$dir/demo.vde"

echo "\$ vde format demo.vde --size 1G"
vde format "$img" --size 1G
echo "\$ echo 'hello, vde' | vde write demo.vde greeting.txt"
echo 'hello, vde' | vde write "$img" greeting.txt
echo "\$ vde write demo.vde pom.xml --input pom.xml"
vde write "$img" pom.xml --input "$root/pom.xml"
echo "\$ printf 'tail' | vde write demo.vde sparse.bin --offset 1M   # leaves a 1 MiB hole"
printf 'tail' | vde write "$img" sparse.bin --offset 1M
echo "\$ vde ls -l demo.vde"
vde ls -l "$img"
echo "\$ vde cat demo.vde greeting.txt"
vde cat "$img" greeting.txt
echo "\$ vde cat demo.vde sparse.bin | wc -c"
vde cat "$img" sparse.bin | wc -c
echo "\$ vde mv demo.vde greeting.txt hello.txt && vde rm demo.vde sparse.bin && vde ls demo.vde"
vde mv "$img" greeting.txt hello.txt
vde rm "$img" sparse.bin
vde ls "$img"
echo "\$ vde snapshot create demo.vde monday   # freezes every file; no data is copied"
vde snapshot create "$img" monday
echo "\$ echo 'changed on tuesday' | vde write demo.vde hello.txt --truncate && vde rm demo.vde pom.xml"
echo 'changed on tuesday' | vde write "$img" hello.txt --truncate
vde rm "$img" pom.xml
echo "\$ vde cat demo.vde hello.txt --snapshot monday   # the snapshot still has the old bytes"
vde cat "$img" hello.txt --snapshot monday
echo "\$ vde snapshot list demo.vde"
vde snapshot list "$img"
echo "\$ vde snapshot rollback demo.vde monday && vde ls demo.vde && vde cat demo.vde hello.txt"
vde snapshot rollback "$img" monday
vde ls "$img"
vde cat "$img" hello.txt
echo "\$ vde diff demo.vde --to monday -o monday.rdlt && vde inspect monday.rdlt | tail -4   # a verified delta"
vde diff "$img" --to monday -o "$dir/monday.rdlt"
vde inspect "$dir/monday.rdlt" | tail -4
echo "\$ vde format replica.vde --size 64M && vde apply replica.vde monday.rdlt   # a replica receives monday"
vde format "$dir/replica.vde" --size 64M
vde apply "$dir/replica.vde" "$dir/monday.rdlt"
echo "\$ echo 'tuesday, replicated' | vde write demo.vde hello.txt --truncate && vde snapshot create demo.vde tuesday"
echo 'tuesday, replicated' | vde write "$img" hello.txt --truncate
vde snapshot create "$img" tuesday
echo "\$ vde diff demo.vde --from monday --to tuesday | head -c 2000 | vde apply replica.vde -   # a cut stream changes nothing"
vde diff "$img" --from monday --to tuesday 2>/dev/null | head -c 2000 | vde apply "$dir/replica.vde" - || echo "(exit status $?)"
echo "\$ vde diff demo.vde --from monday --to tuesday | vde apply replica.vde -   # only the change travels"
vde diff "$img" --from monday --to tuesday | vde apply "$dir/replica.vde" -
echo "\$ vde snapshot list replica.vde && vde cat replica.vde hello.txt"
vde snapshot list "$dir/replica.vde"
vde cat "$dir/replica.vde" hello.txt
echo "\$ vde info demo.vde"
vde info "$img"
echo "\$ vde fsck demo.vde   # checks every snapshot and every shared block's count too"
vde fsck "$img"

echo "\$ vde cat demo.vde missing.txt   # errors are one line with a documented status"
vde cat "$img" missing.txt || echo "(exit status $?)"
echo "\$ du -h demo.vde   # the 1 GiB image is sparse"
du -h "$img" | cut -f1
