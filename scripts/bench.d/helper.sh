# bench part: privileged port binds through the root helper, in a private
# network namespace with a real hostprivd (build/bin/hostprivd, the
# legacy-vmnetd plugin from build/plugins) in a sandbox root it makes under
# /tmp: against an in-process bind (the floor), the minimal peer helper
# tests/bench/minihelper.c, and fork+exec of a one-shot root program; then
# binds/s of 8 clients and the idle helper's CPU and RSS.  The app side is
# `nobody`.  tests/bench/helper_bind takes no arguments: BENCH_QUICK=1 cuts
# its iterations, HP_BENCH_IDLE_S sets the idle window (10 s, quick 1 s).
#
# Needs root and network namespaces; without either it says "skipped".
# It runs in a process group of its own so that a crash cannot leave
# hostprivd or minihelper behind: the group is ended when it returns.
set -eu
bin=$HP_BUILD/tests/bench/helper_bind
for f in "$bin" "$HP_BUILD/tests/bench/minihelper" "$HP_BUILD/bin/hostprivd" \
         "$HP_BUILD/plugins/legacy-vmnetd.so"; do
    if [ ! -e "$f" ]; then
        echo "   failed: $f is missing (make bench builds it)"
        exit 1
    fi
done
if [ "$(id -u)" -eq 0 ] && ! unshare --net true 2>/dev/null; then
    echo "   helper: needs a network namespace (unshare --net failed here):" \
         "skipped"
    exit 0
fi

# End the group; unless the run was clean (it removes its sandbox itself),
# also remove the sandbox it made.
before=$(ls -d /tmp/hp-bench.* 2>/dev/null || true)
end_run() {
    kill -s KILL -- "-$pid" 2>/dev/null || true
    [ "$1" -eq 0 ] && return 0
    for d in /tmp/hp-bench.*; do
        [ -d "$d" ] || continue
        case "
$before
" in
            *"
$d
"*) ;;
            *) rm -rf -- "$d" ;;
        esac
    done
}

setsid "$bin" &
pid=$!
trap 'end_run 130; exit 130' INT
trap 'end_run 143; exit 143' TERM HUP
rc=0
wait "$pid" || rc=$?
trap - INT TERM HUP
end_run "$rc"
if [ "$rc" -ne 0 ]; then
    echo "   failed: helper_bind exited with status $rc"
fi
exit "$rc"
