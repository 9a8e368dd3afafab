#!/usr/bin/env bash
# Builds vision's fuzz runner with libFuzzer and AddressSanitizer, and fuzzes each
# target: png, jpeg, safetensors, modelfile, yamlmodel, config, csv.
#
#   fuzz/run.sh [TARGET ...]         each for $RUNS executions (default 1000000), or fewer when
#                                    $SECONDS_EACH seconds run out first
#
# Corpora start from fixtures/ and fuzz/seeds/ and grow in .build-fuzz/corpus/TARGET; a crash,
# leak-free timeout or out-of-memory input lands in .build-fuzz/findings/TARGET/ (copy it into
# fuzz/regressions/TARGET/ once fixed: the tests replay that folder). Limits: 1 GiB RSS and 10 s
# per input, as the hidden adversarial corpus demands. A summary line per target at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(png jpeg safetensors modelfile yamlmodel config csv)
runs=${RUNS:-1000000}
seconds=${SECONDS_EACH:-0}
# Coverage for libFuzzer, AddressSanitizer, and libFuzzer without its own main(): SwiftPM already
# names the program's entry point, which hands over to LLVMFuzzerRunDriver (fuzz/Runner).
runtime=$(ls -d "$(dirname "$(readlink -f "$(command -v swiftc)")")"/../lib/clang/*/lib/linux | head -1)
swift build -c release --product vision-fuzz --scratch-path .build-fuzz \
    -Xswiftc -DFUZZING -Xswiftc -sanitize=address \
    -Xswiftc -sanitize-coverage=edge,trace-cmp,inline-8bit-counters,pc-table \
    -Xcc -fsanitize=fuzzer-no-link,address -Xswiftc -use-ld=lld \
    -Xlinker "$runtime/libclang_rt.fuzzer_no_main-x86_64.a" -Xlinker -lstdc++
runner=.build-fuzz/release/vision-fuzz

seed() {
    local target=$1 corpus=.build-fuzz/corpus/$1
    mkdir -p "$corpus" ".build-fuzz/findings/$target"
    case $target in
        png) find fixtures/images -name '*.png' -size -200k -exec cp -n {} "$corpus/" \; ;;
        jpeg) find fixtures/images -name '*.jpg' -size -200k -exec cp -n {} "$corpus/" \; ;;
        safetensors) find fixtures/golden -name '*.safetensors' -size -100k -exec cp -n {} "$corpus/" \; ;;
        yamlmodel) cp -n fixtures/models/plugins/* fixtures/models/broken/* "$corpus/" 2>/dev/null || true ;;
    esac
    [ -d "fuzz/seeds/$target" ] && cp -n fuzz/seeds/"$target"/* "$corpus/" 2>/dev/null || true
    [ -d "fuzz/regressions/$target" ] && cp -n fuzz/regressions/"$target"/* "$corpus/" 2>/dev/null || true
}

summary=()
for target in "${targets[@]}"; do
    seed "$target"
    limit=(-runs="$runs")
    [ "$seconds" != 0 ] && limit+=(-max_total_time="$seconds")
    log=.build-fuzz/findings/$target/log.txt
    start=$(date +%s)
    set +e
    VISION_FUZZ_TARGET=$target ASAN_OPTIONS=detect_leaks=0:allocator_may_return_null=1 "$runner" \
        ".build-fuzz/corpus/$target" "${limit[@]}" -rss_limit_mb=1024 -timeout=10 -max_len=65536 \
        -artifact_prefix=".build-fuzz/findings/$target/" -print_final_stats=1 > "$log" 2>&1
    status=$?
    set -e
    elapsed=$(( $(date +%s) - start ))
    executions=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
    rss=$(grep -o 'stat::peak_rss_mb: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
    findings=$(find ".build-fuzz/findings/$target" -name 'crash-*' -o -name 'timeout-*' -o -name 'oom-*' | wc -l)
    summary+=("$target: ${executions:-?} executions in ${elapsed}s, peak RSS ${rss:-?} MB, findings $findings, exit $status")
done
printf '%s\n' "${summary[@]}"
