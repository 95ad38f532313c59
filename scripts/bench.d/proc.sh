# bench part: `hostpriv plugins` (read the config, load every plugin, print
# the table) as a whole process, against /bin/true, the floor of any
# process on this machine; `hostpriv --version` in between is the static
# binary's start alone.  Runs are interleaved, medians printed.
#
# The CLI is the app side, which runs unprivileged: as root, the part runs
# it as the test user hptest (scripts/test-user) with a clean environment,
# otherwise (or without that user) as whoever runs the bench.
#   tests/bench/proc_time RUNS "CMD ARG..." ...    (split on spaces)
set -eu
bin=$HP_BUILD/tests/bench/proc_time
cli=$HP_BUILD/bin/hostpriv
for f in "$bin" "$cli"; do
    if [ ! -x "$f" ]; then
        echo "   failed: $f is missing (make bench builds it)"
        exit 1
    fi
done
case $HP_BUILD in
    *" "*) echo "   failed: proc_time splits commands on spaces; the build" \
                "path '$HP_BUILD' has one"
           exit 1 ;;
esac
runs=200
[ "$BENCH_QUICK" = 1 ] && runs=10

as=""
who=$(id -un)
user=${HP_TEST_USER:-hptest}
if [ "$(id -u)" -eq 0 ] && id "$user" >/dev/null 2>&1 &&
   command -v setpriv >/dev/null; then
    as="setpriv --reuid=$user --regid=$user --clear-groups --reset-env"
    if $as test -x "$bin" && $as test -x "$cli"; then
        who=$user
    else
        as=""    # the build tree is not reachable for the test user
    fi
fi

# What is timed must work: a failing command would be timed as fast.
if ! out=$($as "$cli" plugins 2>&1); then
    echo "   failed: hostpriv plugins (as $who):"
    echo "$out" | sed 's/^/     /'
    exit 1
fi
echo "   as $who; median of $runs interleaved runs"
$as "$bin" --part proc "$runs" /bin/true "$cli --version" "$cli plugins"
