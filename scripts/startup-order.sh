#!/usr/bin/env bash
# Regenerates scripts/startup-order.txt: the functions of the vision binary that a cold
# `vision infer MODEL IMAGE` runs (PNG and JPEG), in first-call order. `make build` compiles
# with one section per function and hands this list to lld, which places them together: the
# ~1 MB of code a start runs was spread over ~200 of the 64 KB windows that the kernel maps
# around each page fault (13 MB of resident text; 6-7 MB with the list, the rest being the Swift
# runtime's and Foundation's prebuilt objects, which have no section per function).
#
# Needs valgrind (apt-get install -y valgrind; only for this script). Run after changes to the
# startup or infer path:  make build && scripts/startup-order.sh && make build
# A stale list costs only memory (names it does not find are skipped), never correctness.
set -euo pipefail
cd "$(dirname "$0")/.."
vision=${1:-.build/release/vision}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
command -v valgrind >/dev/null || { echo "startup-order.sh: valgrind is missing (apt-get install -y valgrind)" >&2; exit 1; }

# valgrind cannot read Swift's DWARF 5; the symbol table is all it needs.
objcopy --strip-debug "$vision" "$work/vision"

# Small models, trained here so that the script needs nothing but the repository.
for model in resnet20 lenet; do
    "$work/vision" train fixtures/datasets/digits --model $model --epochs 1 --output "$work/$model" >/dev/null 2>&1
    for image in fixtures/images/pngsuite/valid/basn2c08.png fixtures/images/jpeg/pillow/hopper.jpg; do
        valgrind --tool=callgrind --demangle=no --compress-strings=no --compress-pos=no \
            --callgrind-out-file="$work/calls.$model.$(basename "$image")" \
            "$work/vision" infer "$work/$model/best.vision" "$image" >/dev/null 2>&1
    done
done

nm --defined-only "$work/vision" | awk '$2 ~ /^[tTwW]$/ {print $3}' | sort -u > "$work/defined"
# First-call order across the runs; valgrind marks recursion with 'N: drop it.
awk '/^ob=/ {ours = index($0, "/vision") > 0} /^fn=/ && ours {name = substr($0, 4); sub(/\x27[0-9]+$/, "", name); if (!(name in seen)) {seen[name]; print name}}' \
    "$work"/calls.* > "$work/called"
# Functions in a section of their own first, so that they pack together; then those inside the
# prebuilt runtime's shared `.text` sections, which pull their whole (megabytes long) section
# forward: after the packed block, not in the middle of it.
toolchain_lib=$(dirname "$(readlink -f "$(command -v swiftc)")")/../lib/swift_static/linux
readelf -SW .build/x86_64-unknown-linux-gnu/release/*.build/*.o "$toolchain_lib"/*.a 2>/dev/null \
    | grep -o ' \.text\.[^ ]*' | sed 's/^ \.text\.//' | sort -u > "$work/sectioned"
grep -Fxf "$work/defined" "$work/called" > "$work/ours"
{ grep -Fxf "$work/sectioned" "$work/ours"; grep -vFxf "$work/sectioned" "$work/ours"; } > scripts/startup-order.txt
echo "scripts/startup-order.txt: $(wc -l < scripts/startup-order.txt) functions"
