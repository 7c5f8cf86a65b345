#!/usr/bin/env bash
# `make fuzz`: builds the libFuzzer targets of cpp/fuzz (clang++-14, ASan + UBSan) in build/fuzz and runs each for
# FUZZ_SECONDS (default 60), starting from the seeds in cpp/fuzz/corpus. Fails on any crash, leak or timeout;
# the input that caused it is kept as build/fuzz/findings/TARGET-*. FUZZ_CXX / FUZZ_CC pick other compilers.
set -uo pipefail
seconds=${FUZZ_SECONDS:-60}
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${FUZZ_BUILD:-$root/build/fuzz}
cxx=${FUZZ_CXX:-clang++-14}
cc=${FUZZ_CC:-clang-14}
install_hint="install clang-14 and libFuzzer (apt-get install clang-14 libclang-rt-14-dev), or set FUZZ_CXX/FUZZ_CC"

if ! command -v "$cxx" >/dev/null || ! command -v "$cc" >/dev/null; then
    echo "make fuzz: $cxx / $cc not found: $install_hint" >&2
    exit 2
fi
mkdir -p "$build"
probe="$build/probe.cpp"
echo 'extern "C" int LLVMFuzzerTestOneInput(const unsigned char*, unsigned long) { return 0; }' >"$probe"
if ! "$cxx" -fsanitize=fuzzer,address,undefined "$probe" -o "$build/probe" 2>/dev/null; then
    echo "make fuzz: $cxx cannot link -fsanitize=fuzzer,address,undefined (libFuzzer missing): $install_hint" >&2
    exit 2
fi
if ! cmake -S "$root/cpp" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER="$cc" \
        -DCMAKE_CXX_COMPILER="$cxx" -DUGATIT_BUILD_FUZZERS=ON -DUGATIT_WITH_OPENVINO=OFF \
        -DUGATIT_WITH_TENSORRT=OFF -DUGATIT_BUILD_TESTS=OFF >"$build/configure.log" 2>&1 ||
    ! cmake --build "$build" --target fuzzers -j2 >"$build/build.log" 2>&1; then
    tail -20 "$build/configure.log" "$build/build.log" >&2
    echo "make fuzz: the fuzz targets did not build (logs in $build)" >&2
    exit 1
fi

failed=0
mkdir -p "$build/findings"
for fuzzer in "$build"/fuzzers/fuzz_*; do
    name=${fuzzer##*/fuzz_}
    corpus="$build/corpus/$name"  # grows; the committed seeds stay as they are
    mkdir -p "$corpus"
    log="$build/fuzz_$name.log"
    "$fuzzer" "$corpus" "$root/cpp/fuzz/corpus/$name" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="$build/findings/$name-" >"$log" 2>&1
    status=$?
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
    if [ "$status" -eq 0 ]; then
        echo "fuzz_$name: ok, $runs runs in ${seconds} s, corpus $(ls "$corpus" | wc -l) inputs"
    else
        failed=1
        echo "fuzz_$name: FAILED after $runs runs (exit $status), log $log:"
        grep -E 'ERROR|SUMMARY|runtime error|Test unit written' "$log" | head -8
    fi
done
exit "$failed"
