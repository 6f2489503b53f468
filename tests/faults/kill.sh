#!/bin/sh
# kill.sh — kill -9 of `redress ingest`, `redress fetch` or `redress daemon`
# at random moments while complaints arrive; then one clean run, after
# which nothing may be lost or stored twice.
#
#   sh tests/faults/kill.sh [ingest] [fetch] [daemon]     (default: all three)
#
#   FAULT_ROUNDS    kills (default 50)
#   FAULT_MESSAGES  complaints in all (default 2000), every tenth a reply
#
# Each round, the round's share of the mail arrives first (files in the
# folder ingest reads; the complaints INBOX for fetch and the daemon), the
# process starts, and after a random time it is killed with SIGKILL. The
# time is uniform between 0 and how long a clean run of that much work
# took when measured at the start (a scratch database, and for fetch and
# the daemon a second mailbox), so the kills fall on start-up, parsing,
# storing, committing, moving on the server and sending alike. Then one
# clean run, and the checks of common.sh: every complaint stored once and
# on its case, one case per complaint, one acknowledgement per case, one
# outbox row per idempotency key, the database whole, and for fetch and
# the daemon every message in INBOX or Processed exactly once (INBOX
# empty). The daemon's letters must all be sent; how many the SMTP server
# got twice (delivery is at least once, docs/ARCHITECTURE.md §5.2) is
# printed, not checked.
set -u
cd "$(dirname "$0")/../.."
. tests/lib.sh
. tests/faults/common.sh
TARGETS=${*:-ingest fetch daemon}
for target in $TARGETS; do
    case "$target" in
    ingest|fetch|daemon) ;;
    *) echo "usage: sh tests/faults/kill.sh [ingest] [fetch] [daemon]" >&2; exit 2 ;;
    esac
done
ROUNDS=${FAULT_ROUNDS:-50}
N=${FAULT_MESSAGES:-2000}
SHARE=$(( (N + ROUNDS - 1) / ROUNDS ))
SERVERS=""
case " $TARGETS " in
*" fetch "*|*" daemon "*)
    if servers_start; then
        SERVERS=yes
        # The scratch mailbox the timings are measured on.
        CALIB_MB="$MAIL_ROOT/stage2@$MAIL_DOMAIN/Maildir"
        maildir "$CALIB_MB"
    fi ;;
esac

# campaign TARGET: the timing, the rounds, the clean run and the checks.
campaign() {
    target=$1
    W="$T/$target"
    mkdir -p "$W"
    DB="$W/case.db"
    C="$W/redress.conf"
    # fetch reads the complaints user's INBOX, the daemon chief.executive's,
    # each as the complaints mailbox.
    case "$target" in
    ingest) write_conf "$C" ;;
    fetch)  write_conf "$C" complaints; MB="$MAIL_ROOT/complaints@$MAIL_DOMAIN/Maildir" ;;
    daemon) write_conf "$C" chief.executive; MB="$MAIL_ROOT/chief.executive@$MAIL_DOMAIN/Maildir" ;;
    esac
    [ "$target" = ingest ] || { maildir "$MB"; write_conf "$W/calib.conf" stage2; }

    # ---- how long a clean run takes ----
    if [ "$target" = ingest ]; then
        mkdir -p "$W/all" "$W/in" "$W/one"
        i=1
        while [ "$i" -le "$N" ]; do
            mail_file "$W/all/$(printf %06d "$i").eml" "$i"
            i=$((i + 1))
        done
        cp "$W/all/000001.eml" "$W/one/"
        t0=$(now_ms)
        "$R" --config "$C" --db "$W/calib1.db" ingest --quiet "$W/one" >/dev/null 2>&1
        START_MS=$(( $(now_ms) - t0 ))
        t0=$(now_ms)
        "$R" --config "$C" --db "$W/calib.db" ingest --quiet "$W/all" >/dev/null 2>"$W/calib.err"
        FULL_MS=$(( $(now_ms) - t0 ))
        echo "# a clean ingest takes ${START_MS} ms for one message, ${FULL_MS} ms for all $N"
    else
        # citizen900001 and on (950001 for the daemon): not the campaign's.
        cb=900000
        [ "$target" = daemon ] && cb=950000
        deliver "$CALIB_MB" $((cb + 1)) $((cb + SHARE))
        t0=$(now_ms)
        "$R" --config "$W/calib.conf" --db "$W/calib.db" fetch --quiet >/dev/null 2>"$W/calib.err"
        FETCH_MS=$(( $(now_ms) - t0 ))
        t0=$(now_ms)
        "$R" --config "$W/calib.conf" --db "$W/calib.db" fetch --quiet >/dev/null 2>"$W/calib.err"
        START_MS=$(( $(now_ms) - t0 ))
        echo "# a clean fetch takes ${START_MS} ms with no new mail, ${FETCH_MS} ms for $SHARE messages"
        if [ "$target" = daemon ]; then
            deliver "$CALIB_MB" $((cb + SHARE + 1)) $((cb + 2 * SHARE))
            acks=$(cases_for "$SHARE")
            t0=$(now_ms)
            "$R" --config "$W/calib.conf" --db "$W/calib2.db" daemon 2>"$W/calib.err" &
            cp=$!
            bg_pid "$cp"
            sent_all() { test "$(sql "$W/calib2.db" "select count(*) from outbox where status = 'sent'" 2>/dev/null)" -ge "$acks"; }
            until_true 120 sent_all
            DAEMON_MS=$(( $(now_ms) - t0 ))
            kill -TERM "$cp"; wait "$cp"; bg_done "$cp"
            echo "# a daemon takes ${DAEMON_MS} ms to start, fetch $SHARE messages and send their $acks acknowledgements"
        fi
    fi

    # ---- the rounds ----
    t_start=$(date +%s)
    have=0
    killed=0
    finished=0
    bad_exit=""
    # The window in percent of the measured time: smaller after a run
    # that ended before its kill, larger after one that did not, so that
    # a busy machine's timings neither waste the rounds nor end each run
    # at its start.
    pct=100
    round=1
    while [ "$round" -le "$ROUNDS" ]; do
        upto=$(( N * round / ROUNDS ))
        if [ "$upto" -gt "$have" ]; then
            if [ "$target" = ingest ]; then
                i=$((have + 1))
                while [ "$i" -le "$upto" ]; do
                    f=$(printf %06d "$i").eml
                    ln "$W/all/$f" "$W/in/$f"
                    i=$((i + 1))
                done
            else
                deliver "$MB" $((have + 1)) "$upto"
            fi
            have=$upto
        fi
        case "$target" in
        ingest) "$R" --config "$C" --db "$DB" ingest --quiet "$W/in" >/dev/null 2>>"$W/log" & ;;
        fetch)  "$R" --config "$C" --db "$DB" fetch --quiet >/dev/null 2>>"$W/log" & ;;
        daemon) "$R" --config "$C" --db "$DB" daemon 2>>"$W/log" & ;;
        esac
        pid=$!
        bg_pid "$pid"
        # The longest delay: how long the clean run took for the work now
        # waiting — every file for ingest (what is stored is read and
        # recognised again), the messages not yet stored for the others
        # (a killed round leaves its share to the next).
        if [ "$target" = ingest ]; then
            window=$(( START_MS + (FULL_MS - START_MS) * have / N ))
        else
            stored=$(sql "$DB" "select count(*) from messages where direction = 'in'" 2>/dev/null)
            pending=$((have - ${stored:-0}))
            [ "$target" = daemon ] && full=$DAEMON_MS || full=$FETCH_MS
            window=$(( (START_MS + (full - START_MS) * pending / SHARE) * 12 / 10 ))
        fi
        window=$(( window * pct / 100 ))
        delay=$(rand $((window + 1)))
        sleep_ms "$delay"
        if kill -KILL "$pid" 2>/dev/null; then
            wait "$pid" 2>/dev/null
            rc=$?
            # 137 is our SIGKILL; a run that ended by itself just before
            # it says 0.
            [ "$rc" = 137 ] || [ "$rc" = 0 ] || bad_exit="$bad_exit $round:$rc"
        else
            wait "$pid" 2>/dev/null
            rc=$?
            [ "$rc" = 0 ] || bad_exit="$bad_exit $round:$rc"
        fi
        if [ "$rc" = 137 ]; then
            killed=$((killed + 1))
            pct=$(( pct * 11 / 10 ))
            [ "$pct" -le 150 ] || pct=150
        else
            finished=$((finished + 1))
            pct=$(( pct * 7 / 10 ))
        fi
        bg_done "$pid"
        [ -n "${FAULT_VERBOSE:-}" ] && echo "# $target round $round: killed after $delay of $window ms (status $rc), $(sql "$DB" "select count(*) from messages" 2>/dev/null) stored"
        round=$((round + 1))
    done
    before=$(sql "$DB" "select count(*) from messages where direction = 'in'" 2>/dev/null)
    echo "# $target: $ROUNDS rounds in $(( $(date +%s) - t_start )) s: $killed killed while running, $finished had finished; ${before:-0} of $N stored before the clean run"
    check "$target: the kills land while it runs ($killed of $ROUNDS)" test "$killed" -ge $(( (ROUNDS + 2) / 3 ))
    is "$bad_exit" "" "$target: every run that ended by itself exited 0"

    # ---- the clean run, then the checks ----
    case "$target" in
    ingest)
        "$R" --config "$C" --db "$DB" ingest --quiet "$W/in" >/dev/null 2>"$W/final.err"
        is "$?" "0" "the clean ingest after $ROUNDS kills exits 0"
        ;;
    fetch)
        "$R" --config "$C" --db "$DB" fetch --quiet >/dev/null 2>"$W/final.err"
        is "$?" "0" "the clean fetch after $ROUNDS kills exits 0"
        ;;
    daemon)
        "$R" --config "$C" --db "$DB" daemon 2>"$W/final.err" &
        pid=$!
        bg_pid "$pid"
        want=$(cases_for "$N")
        # Connected first: SIGTERM before the handlers are in place (a
        # few ms after start) would end it by the signal's default.
        settled() {
            grep -q 'connected=yes' "$W/final.err" &&
            test "$(sql "$DB" "select count(*) from cases")" -ge "$want" &&
            test "$(files "$MB")" = 0 &&
            test "$(sql "$DB" "select count(*) from outbox where status = 'queued'")" = 0
        }
        check "the restarted daemon stores every complaint, empties INBOX and sends every letter" until_true 300 settled
        kill -TERM "$pid"
        wait "$pid"
        is "$?" "0" "and stops with status 0 on SIGTERM"
        bg_done "$pid"
        ;;
    esac
    t_end=$(date +%s)
    case_file_checks "$DB" "$N" "kill -9 of $target"
    [ "$target" = ingest ] || server_checks "$MB" "$N" "kill -9 of $target"
    if [ "$target" = daemon ]; then
        is "$(sql "$DB" "select count(*) from outbox where kind like '%acknowledgement' and status <> 'sent'")" "0" \
           "kill -9 of daemon: every acknowledgement was sent"
        CA_MB="$MAIL_ROOT/$CATCHALL_USER/Maildir"
        acks=$(cases_for "$N")
        # The complainants' copies, one line each (the timing runs' left out).
        delivered() {
            find "$CA_MB/new" "$CA_MB/cur" -maxdepth 1 -type f -exec grep -h -m 1 '^Delivered-To:' {} + |
                sed -n 's/^Delivered-To: <*\(citizen[0-9]*@[^>]*\)>*\r*$/\1/p' |
                grep -v '^citizen9[0-9]\{5\}@' | sort
        }
        arrived() { test "$(delivered | sort -u | wc -l)" -ge "$acks"; }
        until_true 60 arrived
        sleep 1
        total=$(delivered | wc -l | tr -d ' ')
        uniq=$(delivered | sort -u | wc -l | tr -d ' ')
        is "$uniq" "$acks" "kill -9 of daemon: every complainant got the acknowledgement"
        echo "# acknowledgements the SMTP server accepted twice (a kill between its 250 and our record; at least once by design): $((total - uniq))"
    fi
    figure "kill -9 of redress $target" "$ROUNDS" "$N" "$LOST" "$DUPS" "$((t_end - t_start))"
}

for target in $TARGETS; do
    if [ "$target" != ingest ] && [ -z "$SERVERS" ]; then
        _tap_n=$((_tap_n + 1))
        echo "ok $_tap_n # SKIP kill -9 of $target: the mail servers could not be started ($(tail -n 1 "$T/start.err"))"
        continue
    fi
    campaign "$target"
done
done_testing
