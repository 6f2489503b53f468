#!/usr/bin/env python3
"""oracle.py — the letters oracle (issue 12).

Scripts complaints through every path of the procedure with the redress
command line (ingest, case …, sweep, outbox flush), reads every letter
written to the outbox folder, and checks each one against facts computed
here, independently of the C code: the dates (worked out with ukcal.py
from the profile rules of docs/procedure.md §2), parsed back from the
prose by their wording; no ISO dates, doubled words or empty variables;
no English in a Welsh letter; the stage row holds each date a letter
promises; and the letter kinds each path should give, and no others.

Output is TAP. Cases come from random.Random(seed), so a failure is
reproduced by running again with the same --seed and --cases (and
--keep DIR to look at the letters and databases).

  oracle.py --redress PATH [--seed N] [--cases N] [--jobs N] [--keep DIR]
            [--years 2026-2026]
"""
import argparse
import concurrent.futures
import datetime as dt
import email
import email.policy
import email.utils
import html
import os
import random
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import zoneinfo

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ukcal  # noqa: E402

LONDON = zoneinfo.ZoneInfo("Europe/London")
UTC = dt.timezone.utc

# ---- the procedure profiles, from docs/procedure.md §2.2 ------------------
#
# Per stage: ack WD, reply WD (or months), clock base, extension WD,
# extension by agreement only. These are the documented rules, typed in
# here; profile.c is not read.


class StageRule:
    def __init__(self, ack, reply, base="receipt", ext=0, agreement=False, months=0):
        self.ack, self.reply, self.base = ack, reply, base
        self.ext, self.agreement, self.months = ext, agreement, months


PROFILES = {
    "council": (StageRule(2, 10, ext=10), StageRule(2, 20, ext=20), "lgsco"),
    "lgsco-2024": (StageRule(5, 10, "ack", ext=10), StageRule(5, 20, "ack", ext=20), "lgsco"),
    "housing-ombudsman-2024": (StageRule(5, 10, "ack", ext=10), StageRule(5, 20, "ack", ext=20),
                               "housing-ombudsman"),
    "spso": (StageRule(0, 5, ext=5), StageRule(3, 20, agreement=True), "spso"),
    "childrens-statutory": (StageRule(3, 10, ext=10), StageRule(0, 25, ext=40), "lgsco"),
    "adult-social-care": (StageRule(3, 0, agreement=True, months=6), None, "lgsco"),
}
# Each Ombudsman's name as the letters give it (docs/procedure.md §2.14),
# English in every language but for the PSOW.
OMBUDSMAN_NAMES = {
    "lgsco": "Local Government and Social Care Ombudsman",
    "housing-ombudsman": "Housing Ombudsman Service",
    "spso": "Scottish Public Services Ombudsman",
}

# ---- dates as the letters write them --------------------------------------

DAYS_EN = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
MONTHS_EN = ["January", "February", "March", "April", "May", "June", "July", "August",
             "September", "October", "November", "December"]
DAYS_CY = ["Llun", "Mawrth", "Mercher", "Iau", "Gwener", "Sadwrn", "Sul"]
MONTHS_CY = ["Ionawr", "Chwefror", "Mawrth", "Ebrill", "Mai", "Mehefin", "Gorffennaf", "Awst",
             "Medi", "Hydref", "Tachwedd", "Rhagfyr"]

DATE_EN = re.compile(r"(?:\b(%s),?\s+)?\b(\d{1,2})\s+(%s)\s+(\d{4})\b"
                     % ("|".join(DAYS_EN), "|".join(MONTHS_EN)))
DATE_CY = re.compile(r"(?:\b([Dd]{1,2}ydd)\s+(%s)\s+)?\b(\d{1,2})\s+(%s)\s+(\d{4})\b"
                     % ("|".join(DAYS_CY), "|".join(MONTHS_CY)))
ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")

# What each date in a letter is, by the words just before it. A date in
# any other place is an error: the oracle must know what every date
# promises.
ROLE_CONTEXT = {
    "en": [
        ("received", re.compile(r"(?:received (?:your \w+ )?on|, received on|request of)\s*$")),
        ("reply_by", re.compile(r"send you our (?:final |Stage 1 )?response by\s*$")),
        ("told", re.compile(r"would respond to your complaint by\s*$")),
        ("new_date", re.compile(r"now expect to send you our response by\s*$")),
        ("escalate_by", re.compile(r"reply to this email by\s*$")),
    ],
    "cy": [
        ("received", re.compile(r"(?:Cawsom eich (?:cwyn|cais) ar|a ddaeth i law ar|dyddiedig)\s*$")),
        ("reply_by", re.compile(r"^(?!.*bellach yn disgwyl).*anfon ein hymateb (?:terfynol |yng Ngham 1 )?atoch "
                                r"erbyn\s*$")),
        ("told", re.compile(r"byddem yn ymateb i'ch cwyn erbyn\s*$")),
        ("new_date", re.compile(r"bellach yn disgwyl anfon ein hymateb atoch erbyn\s*$")),
        ("escalate_by", re.compile(r"atebwch yr e-bost hwn erbyn\s*$")),
    ],
}
# In a holding reply "send you our response by" is the new date, not a
# reply-by date: the more specific role wins.
ROLE_ORDER = ["told", "new_date", "received", "escalate_by", "reply_by"]


def fmt_iso(d):
    return d.isoformat() if d else None


def local(ts):
    return ts.astimezone(LONDON)


# ---- the model -----------------------------------------------------------


class Model:
    """The dates a case should have, from the documented rules."""

    def __init__(self, profile, nation, cutoff):
        self.profile = profile
        self.s1, self.s2, self.ombudsman = PROFILES[profile]
        self.cal = ukcal.Calendar(nation)
        self.cutoff = cutoff  # (h, m) or None

    def rule(self, stage):
        return self.s1 if stage == 1 else self.s2

    def receipt_day(self, ts):
        """docs/procedure.md §1.7: London date; a non-working day or a time
        at or after the cut-off counts from the next working day."""
        t = local(ts)
        d = t.date()
        if not self.cal.is_working(d):
            return self.cal.next_working(d)
        if self.cutoff and (t.hour, t.minute) >= self.cutoff:
            return self.cal.next_working(d)
        return d

    def response_due(self, stage, received, ack_sent=None):
        r = self.rule(stage)
        if r.months:
            # The last working day of the months beginning on the receipt
            # day (docs/procedure.md §1.8): the day before the same date
            # N months on, or before the working day before it.
            end = ukcal.add_months(received, r.months) - dt.timedelta(days=1)
            return self.cal.on_or_before(end)
        base = received
        if r.base == "ack" and ack_sent is not None:
            # The acknowledgement's working day, never before receipt
            # (docs/procedure.md §2.4).
            base = max(self.cal.on_or_after(ack_sent), received)
        return self.cal.add(base, r.reply)

    def cap(self, stage, due):
        return self.cal.add(due, self.rule(stage).ext)

    def escalate_by(self, responded):
        # docs/procedure.md §2.13
        if self.ombudsman == "spso":
            return ukcal.add_months(responded, 2)
        return self.cal.add(responded, 20)


# ---- scenario generation -------------------------------------------------

PATHS = [
    "respond", "extend-staff", "extend-twice", "extend-sweep", "withdrawn", "excluded",
    "stage2", "stage2-extend-staff", "stage2-extend-sweep", "stage2-by-handler",
    "declined-mail", "declined-direct", "referred-back", "stage2-excluded",
]
SINGLE_STAGE_PATHS = ["respond", "extend-staff", "extend-twice", "extend-sweep", "withdrawn", "excluded"]
CHANNELS = ["complaints", "complaints", "complaints", "chief-executive", "monitoring-officer"]
ARRIVALS = ["working", "late", "weekend", "holiday", "friday-late", "bst-midnight", "working"]

COMPLAINT_LINES_EN = [
    "The bins in our street were not collected on the usual day.",
    "A pothole outside number 4 has been reported three times and is still there.",
    "Nobody answered my calls about the housing repair for two weeks.",
    "The parking permit I paid for never arrived.",
    "Staff at the library were rude when I asked for help with a form.",
    "The council tax bill charges me for the wrong band.",
]
COMPLAINT_LINES_CY = [
    "Ni chafodd y biniau yn ein stryd eu casglu ar y diwrnod arferol.",
    "Mae twll yn y ffordd y tu allan i rif 4 wedi cael ei adrodd dair gwaith.",
    "Ni atebodd neb fy ngalwadau am y gwaith atgyweirio am bythefnos.",
    "Ni chyrhaeddodd y drwydded barcio a dalais amdani.",
]
REASONS_EN = ["We are waiting for the contractor's report.",
              "The officer who knows the site is away until next week.",
              "We need more time to look at the records you sent."]
REASONS_CY = ["Rydym yn aros am adroddiad y contractwr.",
              "Mae angen mwy o amser arnom i edrych ar y cofnodion a anfonoch."]
NAMES = ["Jane Citizen", "Rhodri Evans", "Morag Campbell", "Sean O'Neill", "Priya Shah", None]


def random_arrival(rng, cal, year_lo, year_hi, cutoff, kind=None):
    """A moment of arrival (UTC): of @kind, else of a kind chosen at random."""
    kind = kind or rng.choice(ARRIVALS)
    start = dt.date(year_lo, 1, 5)
    end = dt.date(year_hi, 11, 1)   # leaves room for the later stages
    while True:
        d = start + dt.timedelta(days=rng.randrange((end - start).days))
        if kind == "holiday":
            hols = sorted(h for h in cal.holidays(d.year) if start <= h <= end)
            d = rng.choice(hols)
            hm = (rng.randrange(7, 20), rng.randrange(60))
        elif kind == "weekend":
            d += dt.timedelta(days=(5 - d.weekday()) % 7 + rng.randrange(2))
            hm = (rng.randrange(7, 23), rng.randrange(60))
        elif kind in ("working", "late"):
            if not cal.is_working(d):
                continue
            hm = ((rng.randrange(8, 16), rng.randrange(30)) if kind == "working"
                  else (rng.choice([16, 17, 19, 22]), rng.choice([30, 31, 45, 59])))
        elif kind == "friday-late":
            d += dt.timedelta(days=(4 - d.weekday()) % 7)
            hm = (rng.choice([16, 18, 23]), rng.choice([30, 45]))
        else:  # late evening in UTC in summer: already the next day in London
            d = dt.date(d.year, rng.randrange(4, 10), rng.randrange(1, 29))
            t = dt.datetime(d.year, d.month, d.day, 23, rng.randrange(10, 59), tzinfo=UTC)
            return kind, t
        if d > end or d < start:
            continue
        if kind != "holiday" and kind != "weekend" and not cal.is_working(d) and kind != "friday-late":
            continue
        t = dt.datetime(d.year, d.month, d.day, hm[0], hm[1], tzinfo=LONDON)
        return kind, t.astimezone(UTC)


def make_scenarios(seed, n, year_lo, year_hi):
    rng = random.Random(seed)
    out = []
    profiles = list(PROFILES)
    for i in range(n):
        # Every path, profile and nation turns up early, then at random.
        profile = profiles[i % len(profiles)] if i < 3 * len(profiles) else rng.choice(profiles)
        nation = ukcal.NATIONS[(i // len(profiles)) % 3] if i < 3 * len(profiles) else rng.choice(ukcal.NATIONS)
        if i < len(PATHS) * 2:
            path = PATHS[i % len(PATHS)]
            # A path through Stage 2 needs a profile that has one.
            while path not in SINGLE_STAGE_PATHS and PROFILES[profile][1] is None:
                profile = profiles[(profiles.index(profile) + 1) % len(profiles)]
        else:
            path = rng.choice(SINGLE_STAGE_PATHS if PROFILES[profile][1] is None else PATHS)
        cutoff = rng.choice([(16, 30), (16, 30), None])
        cal = ukcal.Calendar(nation)
        kind, arrival = random_arrival(rng, cal, year_lo, year_hi, cutoff,
                                       ARRIVALS[i % len(ARRIVALS)] if i < 3 * len(ARRIVALS) else None)
        lang = ("cy" if i % 3 == 1 else "en") if i < 3 * len(PATHS) else ("cy" if rng.random() < 0.35 else "en")
        out.append({
            "n": i + 1, "seed": rng.randrange(1 << 30), "profile": profile, "nation": nation,
            "path": path, "cutoff": cutoff, "arrival_kind": kind, "arrival": arrival,
            "lang": lang, "channel": rng.choice(CHANNELS),
        })
    return out


# ---- running a case --------------------------------------------------------


class Failure(Exception):
    pass


class Case:
    def __init__(self, sc, redress, workdir):
        self.sc = sc
        self.rng = random.Random(sc["seed"])
        self.redress = redress
        self.dir = os.path.join(workdir, "case%04d" % sc["n"])
        os.makedirs(self.dir)
        self.db = os.path.join(self.dir, "case.db")
        self.out = os.path.join(self.dir, "out")
        self.conf = os.path.join(self.dir, "redress.conf")
        self.model = Model(sc["profile"], sc["nation"], sc["cutoff"])
        self.lang = sc["lang"]
        self.email = "person%d@public.test" % sc["n"]
        self.name = self.rng.choice(NAMES)
        self.ref = None
        self.seen = 0            # outbox rows already accounted for
        self.expect = []         # per letter: its outbox row, the step, the dates it must give
        self.unexpected = []     # problems found while driving (kinds, stage rows, events)
        self.clock = sc["arrival"]
        self.lines = None
        self.reasons = []
        with open(self.conf, "w") as f:
            f.write("[calendar]\nnation = %s\n" % sc["nation"])
            if sc["cutoff"]:
                f.write("cutoff = %02d:%02d\n" % sc["cutoff"])
            f.write("[procedure]\ndefault_profile = %s\n" % sc["profile"])
            f.write("[council]\ncomplaints_manager = manager@council.example\n")

    def label(self):
        sc = self.sc
        return "case %d (%s, %s, %s, %s, %s, arrived %s %s)" % (
            sc["n"], self.ref or "?", sc["profile"], sc["nation"], sc["path"], sc["lang"],
            sc["arrival_kind"], sc["arrival"].strftime("%Y-%m-%dT%H:%MZ"))

    def run(self, *args):
        cmd = [self.redress, "--config", self.conf, "--db", self.db] + list(args)
        p = subprocess.run(cmd, capture_output=True, text=True)
        if p.returncode != 0:
            raise Failure("%s: `%s` exited %d: %s" % (self.label(), " ".join(args), p.returncode,
                                                      (p.stderr or p.stdout).strip()[:500]))
        return p.stdout

    def sql(self, q, *a):
        con = sqlite3.connect(self.db)
        try:
            return con.execute(q, a).fetchall()
        finally:
            con.close()

    def stage_row(self, n):
        cols = ("received", "ack_due", "ack_sent", "response_due", "extended_to", "responded")
        rows = self.sql("select %s from stages s join cases c on c.id = s.case_id "
                        "where c.reference = ? and s.stage = ?" % ", ".join(cols), self.ref, n)
        if not rows:
            return None
        return dict(zip(cols, rows[0]))

    @staticmethod
    def iso_z(ts):
        return ts.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    def at_local(self, d, h, m=0):
        """A London wall-clock time on day @d, no earlier than the last step."""
        t = dt.datetime(d.year, d.month, d.day, h, m, tzinfo=LONDON).astimezone(UTC)
        if t <= self.clock:
            t = self.clock + dt.timedelta(minutes=5)
        self.clock = t
        return t

    def letters(self, step, want, stage_checks):
        """The outbox rows queued by @step: @want is [(kind, {role: date})]
        for the letters to the complainant."""
        rows = self.sql("select id, idem_key, kind, to_addr, language from outbox where id > ? "
                        "order by id", self.seen)
        if rows:
            self.seen = rows[-1][0]
        mine = [r for r in rows if r[3] == self.email]
        kinds_got = sorted(r[2] for r in mine)
        kinds_want = sorted(k for k, _ in want)
        if kinds_got != kinds_want:
            self.unexpected.append("%s: letters to the complainant %s, expected %s"
                                   % (step, kinds_got or "none", kinds_want or "none"))
        pool = list(want)
        for r in mine:
            roles = None
            for j, (k, ro) in enumerate(pool):
                if k == r[2]:
                    roles = ro
                    del pool[j]
                    break
            self.expect.append({"row": r, "step": step, "roles": roles, "checks": stage_checks,
                                "complainant": True})
        for r in rows:
            if r[3] != self.email:
                self.expect.append({"row": r, "step": step, "roles": None, "checks": [],
                                    "complainant": False})
        # The stage row now must hold the dates the letters promise.
        for stage, field, want_date in stage_checks:
            row = self.stage_row(stage)
            got = row and row[field]
            if got != fmt_iso(want_date):
                self.unexpected.append("%s: the stage row has Stage %d %s = %s, expected %s "
                                       "(the date the letter must promise)"
                                       % (step, stage, field, got, fmt_iso(want_date)))

    def flush(self):
        self.run("outbox", "flush", "-q", "--to", self.out, "--now", self.iso_z(self.clock))

    def mail(self, mailbox, when, subject, lines, msgid):
        path = os.path.join(self.dir, msgid.split("@")[0] + ".eml")
        frm = '"%s" <%s>' % (self.name, self.email) if self.name else self.email
        to = {"complaints": "complaints@council.example", "stage2": "stage2@council.example",
              "chief-executive": "chief.executive@council.example",
              "monitoring-officer": "monitoring.officer@council.example"}[mailbox]
        with open(path, "w") as f:
            f.write("From: %s\nTo: %s\nSubject: %s\nDate: %s\nMessage-ID: <%s>\n"
                    % (frm, to, subject, email.utils.format_datetime(when), msgid))
            if self.lang == "cy":
                f.write("Content-Language: cy\n")
            f.write("Content-Type: text/plain; charset=utf-8\n\n%s\n" % "\n".join(lines))
        self.run("ingest", "-q", "--mailbox", mailbox, "--received-at", self.iso_z(when), path)

    # -- the steps --

    def open_case(self):
        sc, m = self.sc, self.model
        pool = COMPLAINT_LINES_CY if self.lang == "cy" else COMPLAINT_LINES_EN
        self.lines = self.rng.sample(pool, 2)
        subject = ("Cwyn: " if self.lang == "cy" else "Complaint: ") + self.lines[0][:40].rstrip(" .")
        self.mail(sc["channel"], sc["arrival"], subject, self.lines, "c%d@public.test" % sc["n"])
        self.ref = self.sql("select reference from cases")[0][0]
        recv = m.receipt_day(sc["arrival"])
        # Letters are flushed the moment they are queued, so the
        # acknowledgement goes out the day the mail arrived.
        due = m.response_due(1, recv, ack_sent=local(sc["arrival"]).date())
        self.s1 = {"received": recv, "due": due, "told": due, "arrived": local(sc["arrival"]).date()}
        kind = "stage1-acknowledgement" if sc["channel"] == "complaints" else "chief-executive-referral"
        self.letters("open", [(kind, {"received": recv, "reply_by": due})],
                     [(1, "received", recv), (1, "response_due", due)])
        self.flush()

    def reason(self):
        r = self.rng.choice(REASONS_CY if self.lang == "cy" else REASONS_EN)
        self.reasons.append(r)
        return r

    def extend_staff(self, stage, st, to=None, last=False):
        """A handler's extension before the due date: to @to, else the cap."""
        m = self.model
        rule = m.rule(stage)
        start = max(st.get("arrived", st["received"]), local(self.clock).date())
        day = start + dt.timedelta(days=self.rng.randrange(max(1, (st["due"] - start).days + 1)))
        when = self.at_local(min(day, st["due"]), 11)
        args = ["case", self.ref, "extend", "--reason", self.reason(), "--at", self.iso_z(when)]
        if to is None and rule.agreement:
            to = m.cal.add(st["told"], self.rng.randrange(3, 25))
        if to is not None:
            args += ["--to", to.isoformat()]
            new = to
        else:
            new = m.cap(stage, st["due"])
        self.run(*args)
        self.letters("extend stage %d" % stage, [("holding-reply", {"told": st["told"], "new_date": new})],
                     [(stage, "response_due", st["due"]), (stage, "extended_to", new)])
        st["told"] = new

    def extend_sweep(self, stage, st):
        """No response by the due date: the sweep that morning."""
        m = self.model
        rule = m.rule(stage)
        when = self.at_local(st["due"], 9)
        self.run("sweep", "-q", "--now", self.iso_z(when))
        if rule.ext > 0 and not rule.agreement:
            new = m.cap(stage, st["due"])
            self.letters("sweep stage %d" % stage, [("holding-reply", {"told": st["due"], "new_date": new})],
                         [(stage, "response_due", st["due"]), (stage, "extended_to", new)])
            st["told"] = new
        else:
            # Extension by agreement only: no automatic holding reply.
            self.letters("sweep stage %d" % stage, [], [(stage, "extended_to", None)])

    def respond(self, stage, st):
        m = self.model
        lo = max(st.get("arrived", st["received"]), local(self.clock).date())
        hi = max(lo, st["told"])
        day = lo + dt.timedelta(days=self.rng.randrange((hi - lo).days + 1))
        when = self.at_local(day, 15)
        day = local(when).date()
        outcome = self.rng.choice(["upheld", "partly-upheld", "not-upheld", "resolved"])
        self.run("case", self.ref, "respond", "--outcome", outcome, "--date", day.isoformat(),
                 "--at", self.iso_z(when))
        final = stage == 2 or self.model.s2 is None
        roles = {} if final else {"escalate_by": m.escalate_by(day)}
        # The escalate-by date is not stored; the day it counts from is.
        self.letters("respond stage %d" % stage, [("closing-letter", roles)],
                     [(stage, "responded", day)])
        # ... and the case journey records the date the letter promises.
        if not final:
            ev = self.sql("select detail from events where type = 'responded' order by id desc limit 1")
            want = "by %s." % roles["escalate_by"].isoformat()
            if not ev or want not in ev[0][0]:
                self.unexpected.append("respond stage %d: the 'responded' event does not record the "
                                       "escalate-by date %s: %r" % (stage, roles["escalate_by"],
                                                                    ev and ev[0][0]))
        self.responded = day
        self.outcome = outcome

    def close(self, outcome):
        when = self.at_local(local(self.clock).date() + dt.timedelta(days=self.rng.randrange(4)), 14)
        self.run("case", self.ref, "close", "--outcome", outcome, "--reason", self.reason(),
                 "--at", self.iso_z(when))
        self.letters("close " + outcome, [] if outcome == "withdrawn" else [("closing-letter", {})], [])

    def stage2_request(self, by_mail=True):
        m = self.model
        d = self.responded + dt.timedelta(days=self.rng.randrange(1, 20))
        hm = self.rng.choice([(9, 15), (13, 0), (16, 45), (21, 10)])
        when = self.at_local(d, *hm)
        if by_mail:
            lines = (["Nid wyf yn fodlon â'ch ymateb. Gofynnaf am Gam 2."] if self.lang == "cy"
                     else ["I am not satisfied with your response and want stage 2."])
            self.lines += lines
            self.mail("stage2", when, "Re: %s" % self.ref, lines, "s2-%d@public.test" % self.sc["n"])
        else:
            self.run("case", self.ref, "escalate", "--at", self.iso_z(when))
        recv = m.receipt_day(when)
        due = m.response_due(2, recv, ack_sent=local(when).date())
        self.s2 = {"received": recv, "due": due, "told": due, "arrived": local(when).date()}
        self.letters("stage 2 request", [("stage2-acknowledgement", {"received": recv, "reply_by": due})],
                     [(2, "received", recv), (2, "response_due", due)])
        self.flush()

    def refuse_stage2(self, back, s2_row):
        m = self.model
        when = self.at_local(local(self.clock).date() + dt.timedelta(days=self.rng.randrange(3)), 10)
        opt = "--refer-back" if back else "--decline"
        self.run("case", self.ref, "escalate", opt, self.reason(), "--at", self.iso_z(when))
        roles = {"received": self.s2["received"]} if s2_row else {}
        checks = []
        if back:
            # Stage 1 again, as if received (and acknowledged) that day.
            recv = m.receipt_day(when)
            due = m.response_due(1, recv, ack_sent=recv)
            self.s1 = {"received": recv, "due": due, "told": due, "arrived": local(when).date()}
            checks = [(1, "received", recv), (1, "response_due", due), (1, "extended_to", None)]
            roles["reply_by"] = due
        self.letters("stage 2 " + ("referred back" if back else "declined"),
                     [("stage2-declined", roles)], checks)

    def drive(self):
        path = self.sc["path"]
        self.open_case()
        s1 = self.s1
        # A third of the cases get a named handler at Stage 1, whom no
        # Stage 2 letter may present as the Stage 2 reviewer.
        self.handler1 = None
        if self.rng.random() < 0.33:
            self.handler1 = "officer%d@council.example" % self.sc["n"]
            when = self.at_local(local(self.clock).date(), 12)
            self.run("case", self.ref, "assign", self.handler1, "--at", self.iso_z(when))
            self.letters("assign", [], [])
        if path == "withdrawn":
            return self.close("withdrawn")
        if path == "excluded":
            return self.close("excluded")
        if path == "extend-staff":
            self.extend_staff(1, s1)
        elif path == "extend-twice":
            rule = self.model.s1
            if rule.agreement:
                first = self.model.cal.add(s1["due"], 2)
            else:
                cap = self.model.cap(1, s1["due"])
                first = self.model.cal.add(s1["due"], self.rng.randrange(1, max(2, rule.ext)))
                first = min(first, self.model.cal.on_or_before(cap - dt.timedelta(days=1)))
            self.extend_staff(1, s1, to=first)
            self.extend_staff(1, s1, to=self.model.cal.add(first, 3) if rule.agreement else None)
        elif path == "extend-sweep":
            self.extend_sweep(1, s1)
        self.respond(1, s1)
        if not path.startswith(("stage2", "declined", "referred")):
            return None
        if path == "declined-direct":
            return self.refuse_stage2(False, False)
        self.stage2_request(by_mail=path != "stage2-by-handler")
        s2 = self.s2
        if path == "declined-mail":
            return self.refuse_stage2(False, True)
        if path == "referred-back":
            self.refuse_stage2(True, True)
            return self.respond(1, self.s1)
        if path == "stage2-excluded":
            return self.close("excluded")
        if path == "stage2-extend-staff":
            self.extend_staff(2, s2)
        elif path == "stage2-extend-sweep":
            self.extend_sweep(2, s2)
        return self.respond(2, s2)


# ---- checking a letter ---------------------------------------------------

EN_WORDS = {"the", "and", "you", "your", "we", "will", "to", "of", "is"}
# English that has no place in a Welsh letter even in a short line: the
# outcome codes, the words of a date, and the council's English defaults
# (team and office names).
EN_IN_CY = re.compile(r"\b(%s|upheld|partly|not-upheld|resolved|excluded|withdrawn|declined|"
                      r"referred|Complaints Team|Chief Executive|Monitoring Officer|Dear|Yours|"
                      r"Telephone|Outcome)\b" % "|".join(DAYS_EN + MONTHS_EN))
ARTEFACTS = [
    (re.compile(r"\{\{|\}\}"), "template markup"),
    # (staff notices line their values up after a label: "Reference:    …")
    (re.compile(r"^(?![\w' ]+:  +\S).*\S  +\S", re.M), "doubled space (an empty variable?)"),
    (re.compile(r"[ \t][,.;:!?)]"), "space before punctuation (an empty variable?)"),
    (re.compile(r"\(\s*\)"), "empty brackets"),
    (re.compile(r"\b(?:Dear|Annwyl)\s*,"), "greeting without a name"),
    (re.compile(r"\b(?:by|on|of|erbyn|ar|dyddiedig)\s*[.,]"), "a preposition with nothing after it"),
    (re.compile(r"^(?:Email|Telephone|Website|Outcome|Subject|Your complaint|E-bost|Ff\u00f4n|Gwefan|"
                r"Canlyniad|Pwnc|Eich cwyn):\s*$", re.M), "a label with no value"),
    (re.compile(r"\b(?:partly|not)-upheld\b"), "an outcome code instead of words"),
]
DOUBLED = re.compile(r"\b(\w+)\s+\1\b", re.I | re.U)


def body_parts(path):
    with open(path, "rb") as f:
        msg = email.message_from_binary_file(f, policy=email.policy.default)
    text = htm = None
    for part in msg.walk():
        ct = part.get_content_type()
        if ct == "text/plain" and text is None:
            text = part.get_content()
        elif ct == "text/html" and htm is None:
            htm = part.get_content()
    return msg, text, htm


def html_to_text(h):
    h = re.sub(r"(?is)<(style|head)\b.*?</\1>", " ", h)
    h = re.sub(r"(?i)<br\s*/?>|</p>|</li>|</h\d>|</div>|</tr>", "\n", h)
    h = re.sub(r"<[^>]+>", "", h)
    return "\n".join(re.sub(r"[ \t]+", " ", html.unescape(line)).strip() for line in h.splitlines())


def find_dates(text, lang):
    """[(date, role or None, problem or None, snippet)] in @text."""
    out = []
    rx = DATE_CY if lang == "cy" else DATE_EN
    months = MONTHS_CY if lang == "cy" else MONTHS_EN
    days = DAYS_CY if lang == "cy" else DAYS_EN
    for mt in rx.finditer(text):
        problem = None
        if lang == "cy":
            dydd, wd, day, mon, year = mt.groups()
        else:
            wd, day, mon, year = mt.groups()
            dydd = None
        try:
            d = dt.date(int(year), months.index(mon) + 1, int(day))
        except ValueError:
            out.append((None, None, "no such date", mt.group(0)))
            continue
        if wd is None:
            problem = "a date without its day of the week"
        elif days[d.weekday()] != wd:
            problem = "%s is a %s, not %s" % (d, days[d.weekday()], wd)
        before = text[max(0, mt.start() - 120):mt.start()].replace("\n", " ")
        if lang == "cy" and dydd is not None:
            after_ar = re.search(r"\bar\s*$", before) is not None
            if dydd == "Dydd" or dydd == "Ddydd":
                problem = "'%s' capitalised mid-sentence" % dydd
            elif after_ar and dydd != "ddydd":
                problem = "no soft mutation after 'ar' ('ar %s')" % dydd
            elif not after_ar and dydd == "ddydd":
                problem = "'ddydd' without 'ar' before it"
        role = None
        ctx = dict(ROLE_CONTEXT[lang])
        for r in ROLE_ORDER:
            if ctx[r].search(before):
                role = r
                break
        out.append((d, role, problem, mt.group(0)))
    return out


def exempt_lines(case):
    """Text the complainant or a member of staff wrote, and names: not the
    letter's own words."""
    ex = set()
    for s in (case.lines or []) + case.reasons:
        ex.add(s.strip())
    return ex


def check_letter(case, e, path, counts):
    """Problems with one letter, as strings."""
    probs = []
    row = e["row"]
    lang = row[4] or "en"
    msg, text, htm = body_parts(path)
    if text is None:
        return ["no text/plain part"]
    if htm is None:
        probs.append("no text/html part")
    ex = exempt_lines(case)
    own = []   # the letter's own lines
    for line in text.splitlines():
        s = line.strip()
        if not s or s in ex or any(s.endswith(x) or x.endswith(s) for x in ex if len(s) > 12):
            continue
        if s.startswith(("Subject:", "Pwnc:")) or s.startswith(">"):
            continue
        own.append(s)
    body = "\n".join(own)
    subject = str(msg["Subject"] or "")
    for rx, what in ARTEFACTS[:5]:
        if rx.search(subject):
            probs.append("subject: %s: %r" % (what, subject))
    if "{{" in subject or ISO_DATE.search(subject) or DOUBLED.search(subject):
        probs.append("subject has markup, an ISO date or a doubled word: %r" % subject)
    if ISO_DATE.search(text):
        probs.append("an ISO date in the prose: %r" % ISO_DATE.search(text).group(0))
    for rx, what in ARTEFACTS:
        mt = rx.search(body)
        if mt:
            ln = body[body.rfind("\n", 0, mt.start()) + 1:body.find("\n", mt.end())]
            probs.append("%s: %r" % (what, ln[:160]))
    for mt in DOUBLED.finditer(body):
        if not mt.group(1).isdigit():
            probs.append("doubled word %r" % mt.group(0))
    if lang == "cy":
        names = {OMBUDSMAN_NAMES.get(case.model.ombudsman, "")}
        for s in own:
            if s in names or "@" in s or s.startswith(("www.", "http")):
                continue
            words = re.findall(r"[A-Za-z']+", s.lower())
            n_en = sum(1 for w in words if w in EN_WORDS)
            if n_en >= 4:
                probs.append("an English sentence in a Welsh letter: %r" % s[:160])
            mt = EN_IN_CY.search(s)
            if mt:
                probs.append("English (%r) in a Welsh letter: %r" % (mt.group(0), s[:160]))
    if htm is not None:
        ht = html_to_text(htm)
        if "{{" in htm or "}}" in htm:
            probs.append("template markup in the HTML part")
        if ISO_DATE.search(ht):
            probs.append("an ISO date in the HTML part: %r" % ISO_DATE.search(ht).group(0))
        tdates = sorted(str(d) for d, *_ in find_dates(text, lang))
        hdates = sorted(str(d) for d, *_ in find_dates(ht, lang))
        if tdates != hdates:
            probs.append("the HTML part gives the dates %s, the text part %s" % (hdates, tdates))
    if not e["complainant"]:
        return probs
    if row[2] == "stage2-acknowledgement" and case.handler1 and case.handler1 in text:
        probs.append("names the Stage 1 handler %s as the Stage 2 reviewer" % case.handler1)
    found = find_dates(text, lang)
    roles = e["roles"]
    if roles is None:
        probs.append("a %s that no step of the path asked for" % row[2])
        roles = {}
    got_roles = {}
    for d, role, problem, snip in found:
        counts["dates"] += 1
        if problem:
            probs.append("date %r: %s" % (snip, problem))
        if role is None:
            probs.append("date %r in a place the oracle does not know (what does it promise?)" % snip)
            continue
        if role in got_roles and got_roles[role] != d:
            probs.append("two different %s dates: %s and %s" % (role, got_roles[role], d))
        got_roles[role] = d
        if role not in roles:
            probs.append("date %r given as %s; this letter should give no such date" % (snip, role))
        elif roles[role] != d:
            probs.append("%s is %s (%r), expected %s" % (role, d, snip, roles[role]))
    for role, d in roles.items():
        if role not in got_roles:
            probs.append("%s date %s missing from the letter" % (role, d))
    return probs


# ---- main ----------------------------------------------------------------


def run_case(sc, redress, workdir):
    case = Case(sc, redress, workdir)
    try:
        case.drive()
        case.flush()
    except Failure as err:
        return case, [str(err)]
    return case, None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--redress", required=True)
    ap.add_argument("--seed", type=int, default=12)
    ap.add_argument("--cases", type=int, default=40)
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--years", default="2026-2026")
    ap.add_argument("--keep", help="keep the cases' folders here")
    a = ap.parse_args()
    lo, _, hi = a.years.partition("-")
    scenarios = make_scenarios(a.seed, a.cases, int(lo), int(hi or lo))
    workdir = a.keep or tempfile.mkdtemp(prefix="oracle.")
    if a.keep:
        shutil.rmtree(workdir, ignore_errors=True)
        os.makedirs(workdir)
    print("# oracle: seed %d, %d cases, years %s" % (a.seed, a.cases, a.years))
    counts = {"letters": 0, "dates": 0, "cases": 0}
    covered = set()
    n = 0
    failed = 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, a.jobs)) as pool:
        results = list(pool.map(lambda sc: run_case(sc, a.redress, workdir), scenarios))
    for case, err in results:
        n += 1
        counts["cases"] += 1
        probs = list(err or [])
        if err is None:
            probs += case.unexpected
            for e in case.expect:
                key = e["row"][1]
                fname = re.sub(r"[^A-Za-z0-9.-]", "_", key) + ".eml"
                path = os.path.join(case.out, fname)
                if not os.path.exists(path):
                    probs.append("%s: %s not written to the folder (%s)" % (e["step"], e["row"][2], fname))
                    continue
                counts["letters"] += 1
                for p in check_letter(case, e, path, counts):
                    probs.append("%s (%s, %s): %s" % (fname, e["row"][2], e["step"], p))
            covered.add((case.sc["profile"], case.sc["nation"], case.sc["path"], case.sc["lang"],
                         case.sc["channel"], case.sc["arrival_kind"]))
        if probs:
            failed += 1
            print("not ok %d - %s" % (n, case.label()))
            for p in probs:
                print("#   %s" % p)
        else:
            print("ok %d - %s" % (n, case.label()))
    print("1..%d" % n)
    for i, name in enumerate(("profile", "nation", "path", "language", "channel", "arrival")):
        print("# covered %s: %s" % (name, ", ".join(sorted({c[i] for c in covered}))))
    print("# oracle: %d letters checked, %d dates checked, %d cases" %
          (counts["letters"], counts["dates"], counts["cases"]))
    if not a.keep:
        shutil.rmtree(workdir, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
