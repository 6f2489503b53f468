#!/usr/bin/env python3
"""fife.py DB — generated case histories that add up to a published table.

Fife Council's SPSO indicators for 2016/17: 2,626 complaints received,
2,149 closed: 1,648 at Stage 1, 385 at Stage 2 directly, 116 after
escalation; population 367,260. This writes that many cases (all
received in the financial year, the closed ones answered within it, the
other 477 still open or withdrawn) into DB, a database redress has
created, with dates, outcomes and extensions drawn from a fixed seed so
that the other figures are known too. It prints, as KEY=VALUE lines, what
the report must say about them.
"""
import datetime
import math
import random
import sqlite3
import sys

rng = random.Random(201617)
START = datetime.date(2016, 4, 1)
db = sqlite3.connect(sys.argv[1])
cur = db.cursor()

# England and Wales bank holidays of 2016-17 that fall in the window the
# generator uses (Fife is in Scotland, but the calendar is the config's;
# the test runs with the default nation, England and Wales).
HOLIDAYS = {datetime.date(2016, 5, 2), datetime.date(2016, 5, 30), datetime.date(2016, 8, 29),
            datetime.date(2016, 12, 26), datetime.date(2016, 12, 27), datetime.date(2017, 1, 2)}


def working(d):
    return d.weekday() < 5 and d not in HOLIDAYS


def next_working(d):
    while not working(d):
        d += datetime.timedelta(days=1)
    return d


def add_wd(d, n):
    while n > 0:
        d += datetime.timedelta(days=1)
        if working(d):
            n -= 1
    return d


OUTCOMES = ["upheld", "partly-upheld", "not-upheld", "resolved"]
expect = {"received": 2626, "closed": 2149, "stage1": 1648, "stage2_direct": 385, "escalated": 116}
within = {"stage1": 0, "stage2_direct": 0, "escalated": 0}
extended = {"stage1": 0, "stage2_direct": 0, "escalated": 0}
outcomes = {p: {o: 0 for o in OUTCOMES} for p in within}
days = {"stage1": 0, "stage2_direct": 0, "escalated": 0}

cur.execute("INSERT INTO people (email, name) VALUES ('fixture@fife.invalid', NULL)")
person = cur.lastrowid
n = 0


def new_case(received, state):
    global n
    n += 1
    ts = int(datetime.datetime(received.year, received.month, received.day, 10).timestamp())
    cur.execute("INSERT INTO cases (reference, year, seq, channel, complainant_id, state, opened_at, updated_at)"
                " VALUES (?, ?, ?, 'email', ?, ?, ?, ?)",
                ("FIFE-%06d" % n, received.year, n, person, state, ts, ts))
    return cur.lastrowid, ts


def stage(case_id, ts, no, received, responded, outcome, ext):
    cur.execute("INSERT INTO stages (case_id, stage, opened_at, received, responded, outcome, extended_to, closed)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (case_id, no, ts, received.isoformat(), responded.isoformat() if responded else None,
                 outcome, (responded or received).isoformat() if ext else None,
                 responded.isoformat() if responded else None))


def received_day():
    # Received by the end of November, so that every response stays in the year.
    return next_working(START + datetime.timedelta(days=rng.randrange(0, 240)))


for path, count in (("stage1", 1648), ("stage2_direct", 385), ("escalated", 116)):
    for _ in range(count):
        r1 = received_day()
        wd = rng.choice([0, 1, 2, 3, 4, 5, 5, 6, 8, 12]) if path == "stage1" else rng.choice([3, 10, 15, 20, 20, 22, 30])
        ext = wd > (5 if path == "stage1" else 20) and rng.random() < 0.6
        out = rng.choice(OUTCOMES)
        if path == "stage1":
            cid, ts = new_case(r1, "stage1-closed")
            stage(cid, ts, 1, r1, add_wd(r1, wd), out, ext)
        elif path == "stage2_direct":
            cid, ts = new_case(r1, "closed")
            stage(cid, ts, 1, r1, None, None, False)
            stage(cid, ts, 2, r1, add_wd(r1, wd), out, ext)
        else:
            cid, ts = new_case(r1, "closed")
            d1 = add_wd(r1, 4)
            stage(cid, ts, 1, r1, d1, "not-upheld", False)
            r2 = add_wd(d1, 3)
            stage(cid, ts, 2, r2, add_wd(r2, wd), out, ext)
        days[path] += wd
        within[path] += wd <= (5 if path == "stage1" else 20)
        extended[path] += ext
        outcomes[path][out] += 1

# Received and not closed: open at Stage 1, withdrawn, or at Stage 2 still.
for i in range(2626 - 2149):
    r1 = received_day()
    kind = i % 3
    cid, ts = new_case(r1, "stage1" if kind == 0 else "closed" if kind == 1 else "stage2")
    if kind == 0:
        stage(cid, ts, 1, r1, None, None, False)
    elif kind == 1:
        cur.execute("INSERT INTO stages (case_id, stage, opened_at, received, outcome, closed)"
                    " VALUES (?, 1, ?, ?, 'withdrawn', ?)", (cid, ts, r1.isoformat(), add_wd(r1, 2).isoformat()))
    else:
        d1 = add_wd(r1, 5)
        stage(cid, ts, 1, r1, d1, "not-upheld", False)
        stage(cid, ts, 2, add_wd(d1, 2), None, None, False)
db.commit()

for k, v in expect.items():
    print("%s=%d" % (k, v))
for p in within:
    print("within_%s=%d" % (p, within[p]))
    print("extended_%s=%d" % (p, extended[p]))
    # Half up, as the report rounds.
    print("avg_%s=%.1f" % (p, math.floor(days[p] * 10 / expect[p] + 0.5) / 10))
    for o in OUTCOMES:
        print("out_%s_%s=%d" % (p, o.replace("-", "_"), outcomes[p][o]))
