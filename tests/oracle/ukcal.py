"""ukcal.py — UK bank holidays and working days, worked out for the letters
oracle without reading any of redress's code.

The rules are those of /work/shared/domain-rules.md §3 and
docs/procedure.md §1.2–1.5 (the source facts, not procedure/calendar.c):
fixed-date holidays on a weekend move to the next weekday that is not
already a holiday, Easter by the Gregorian computus, and the one-off
changes by proclamation. The oracle is only worth something if a mistake
in the C calendar cannot be repeated here, so this is written from the
rules alone.
"""
import datetime as dt

NATIONS = ("england-and-wales", "scotland", "northern-ireland")

# One-off changes, all three nations (domain-rules.md §3): a moved
# holiday replaces the usual one of that name, an extra one is added.
ONE_OFF_MOVES = {
    1995: {"early-may": dt.date(1995, 5, 8)},
    2002: {"spring": dt.date(2002, 6, 4)},
    2012: {"spring": dt.date(2012, 6, 4)},
    2020: {"early-may": dt.date(2020, 5, 8)},
    2022: {"spring": dt.date(2022, 6, 2)},
}
ONE_OFF_EXTRAS = {
    1999: [dt.date(1999, 12, 31)],
    2002: [dt.date(2002, 6, 3)],
    2011: [dt.date(2011, 4, 29)],
    2012: [dt.date(2012, 6, 5)],
    2022: [dt.date(2022, 6, 3), dt.date(2022, 9, 19)],
    2023: [dt.date(2023, 5, 8)],
}


def easter_sunday(year):
    """Gregorian Easter (the anonymous algorithm, Meeus)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    l = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * l) // 451
    month, day = divmod(h + l - 7 * m + 114, 31)
    return dt.date(year, month, day + 1)


def _first_monday(year, month):
    d = dt.date(year, month, 1)
    return d + dt.timedelta(days=(7 - d.weekday()) % 7)


def _last_monday(year, month):
    nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
    d = nxt - dt.timedelta(days=1)
    return d - dt.timedelta(days=d.weekday())


def bank_holidays(year, nation):
    """The set of bank holiday dates of @year in @nation."""
    if nation not in NATIONS:
        raise ValueError(nation)
    easter = easter_sunday(year)
    moves = ONE_OFF_MOVES.get(year, {})
    taken = set()
    # Movable days first: a fixed day on a weekend can only move onto a
    # weekday, and none of these is a weekend.
    taken.add(easter - dt.timedelta(days=2))                      # Good Friday
    if nation != "scotland":
        taken.add(easter + dt.timedelta(days=1))                  # Easter Monday
    taken.add(moves.get("early-may", _first_monday(year, 5)))
    taken.add(moves.get("spring", _last_monday(year, 5)))
    taken.add(_first_monday(year, 8) if nation == "scotland" else _last_monday(year, 8))
    taken.update(ONE_OFF_EXTRAS.get(year, []))

    fixed = [(1, 1)]
    if nation == "scotland":
        fixed.append((1, 2))
    if nation == "northern-ireland":
        fixed += [(3, 17), (7, 12)]
    if nation == "scotland":
        fixed.append((11, 30))
    fixed += [(12, 25), (12, 26)]
    # In date order, so 1 and 2 January (and 25 and 26 December) take the
    # free weekdays in turn.
    for month, day in fixed:
        d = dt.date(year, month, day)
        while d.weekday() >= 5 or d in taken:
            d += dt.timedelta(days=1)
        taken.add(d)
    return taken


class Calendar:
    """Working days of one nation: not a weekend, not a bank holiday."""

    def __init__(self, nation):
        self.nation = nation
        self._years = {}

    def holidays(self, year):
        if year not in self._years:
            self._years[year] = bank_holidays(year, self.nation)
        return self._years[year]

    def is_working(self, d):
        return d.weekday() < 5 and d not in self.holidays(d.year)

    def next_working(self, d):
        """The first working day after @d (not @d itself)."""
        d += dt.timedelta(days=1)
        while not self.is_working(d):
            d += dt.timedelta(days=1)
        return d

    def on_or_after(self, d):
        return d if self.is_working(d) else self.next_working(d)

    def add(self, d, n):
        """The n-th working day after @d, @d itself not counted."""
        for _ in range(n):
            d = self.next_working(d)
        return d

    def on_or_before(self, d):
        while not self.is_working(d):
            d -= dt.timedelta(days=1)
        return d


def add_months(d, n):
    """@d moved @n calendar months on; a day the month lacks becomes its
    last day (31 August + 6 months = 28 or 29 February)."""
    m = d.month - 1 + n
    y, m = d.year + m // 12, m % 12 + 1
    last = (dt.date(y + (m == 12), m % 12 + 1, 1) - dt.timedelta(days=1)).day
    return dt.date(y, m, min(d.day, last))
