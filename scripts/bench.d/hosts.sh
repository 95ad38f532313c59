# bench part: the hosts editor (hp_hosts_ensure_file) on a 100,000-line
# hosts file, entry present and absent, as a process against `cat` of the
# same file (and, absent, against the bare rewrite any crash-safe edit
# does: read, temp, fsync, rename, fsync of the directory) and in-process
# against one read() of it.  No privilege: the
# file is in a scratch root of our own, removed when the part ends.
#   tests/bench/hosts_ensure WORKDIR [RUNS]     (default 30 runs)
set -eu
bin=$HP_BUILD/tests/bench/hosts_ensure
if [ ! -x "$bin" ]; then
    echo "   failed: $bin is missing (make bench builds it)"
    exit 1
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/hp-bench-hosts.XXXXXX")
trap 'rm -rf -- "$work"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
if [ "$BENCH_QUICK" = 1 ]; then
    "$bin" "$work" 5
else
    "$bin" "$work"
fi
