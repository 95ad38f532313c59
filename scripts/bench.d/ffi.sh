# bench part: a plugin op called through libffi with its cif prepared once
# (what hp_dispatch_call does per call) against a direct call through a
# function pointer, and the whole hp_dispatch_call path.  No privilege.
#   tests/bench/ffi_call [CALLS]     (default 2,000,000)
set -eu
bin=$HP_BUILD/tests/bench/ffi_call
if [ ! -x "$bin" ]; then
    echo "   failed: $bin is missing (make bench builds it)"
    exit 1
fi
if [ "$BENCH_QUICK" = 1 ]; then
    "$bin" 200000
else
    "$bin"
fi
