#!/usr/bin/env bash
# Regenerates the man pages (man/vde.1, man/vde-*.1) and the bash/zsh completion
# (completions/vde.bash) from the picocli annotations and the templates in src/docs, and copies
# them into the work tree. Run it after changing a command's options or help texts, or a
# template, and commit what it changes: DocsUpToDateIT (mvn verify) fails until then.
# man/vde-image.5 and man/rdlt.5 are written by hand and left alone.
set -euo pipefail
cd "$(dirname "$0")/../.."
# package builds the jar; pre-integration-test (part of verify) generates target/man and
# target/completions; -DskipTests runs no test.
mvn -B -q -DskipTests verify
# Every section-1 page in man/ is generated: a page whose command is gone goes too.
rm -f man/*.1
cp target/man/*.1 man/
mkdir -p completions
cp target/completions/vde.bash completions/vde.bash
git status --short -- man completions
