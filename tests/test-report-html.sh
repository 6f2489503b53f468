#!/bin/sh
# test-report-html.sh — `redress report --format html` over generated case
# histories (tests/report/fife.py): the file stands alone (no script, no
# external resource), every chart is a <figure> with a text alternative
# and the table it is drawn from, and headless Chromium renders it without
# a console error, at normal size and at 200% zoom; the screenshots are
# kept in $RD_BUILD/report-html/ for a person to look at.
set -u
cd "$(dirname "$0")/.."
. tests/lib.sh
: "${RD_BUILD:=build-asan}"
R="$PWD/$RD_BUILD/redress"
[ -x "$R" ] || { echo "Bail out! $R not built"; exit 1; }
command -v python3 >/dev/null 2>&1 || skip_all "python3 is not installed (make deps installs it)"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
unset REDRESS_CONFIG
export REDRESS_DB="$T/fife.db"
printf '[council]\nname = Fife Council\npopulation = 367260\n' > "$T/c.conf"
"$R" --config "$T/c.conf" sweep -q --now 2016-04-01T09:00:00Z 2>/dev/null
python3 -B tests/report/fife.py "$REDRESS_DB" > /dev/null
"$R" --config "$T/c.conf" report --period 2016-17 --set all --format html --out "$T/r.html"
is "$?" "0" "report --format html exits 0"
like "$(sed -n 's/.*<title>\(.*\)<\/title>.*/\1/p' "$T/r.html" | head -n 1)" "Fife Council: complaints 2016-04-01 to 2017-03-31" \
     "the council and the period in the title"

# The structure, read with Python's HTML parser: every figure has an SVG
# with role=img, a title and a desc, and a table; nothing outside the file.
python3 -B - "$T/r.html" > "$T/check" <<'PY'
import sys
from html.parser import HTMLParser

class P(HTMLParser):
    def __init__(self):
        super().__init__()
        self.figures = []          # per figure: set of things seen
        self.stack = []
        self.external = []
        self.scripts = 0
        self.text = []
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "script":
            self.scripts += 1
        for k in ("src", "href"):
            v = a.get(k) or ""
            if v and not v.startswith("#"):
                self.external.append(v)
        if tag == "link":
            self.external.append("link")
        if tag == "figure":
            self.figures.append(set())
            self.stack.append("figure")
        elif self.stack and self.figures:
            f = self.figures[-1]
            if tag == "svg" and a.get("role") == "img" and a.get("aria-labelledby"):
                f.add("svg")
            if tag in ("title", "desc", "table", "caption", "figcaption"):
                f.add(tag)
    def handle_endtag(self, tag):
        if tag == "figure" and self.stack:
            self.stack.pop()
    def handle_data(self, data):
        self.text.append(data)

p = P()
p.feed(open(sys.argv[1], encoding="utf-8").read())
print("figures=%d" % len(p.figures))
print("complete=%d" % sum(1 for f in p.figures if {"svg", "title", "desc", "table", "figcaption"} <= f))
print("external=%d" % len(p.external))
print("scripts=%d" % p.scripts)
text = " ".join(p.text)
print("has2626=%d" % ("2626 complaints received" in text))
PY
v() { sed -n "s/^$1=//p" "$T/check"; }
is "$(v figures)" "4" "four charts: by month, outcomes, timeliness, trend"
is "$(v complete)" "4" "each with its text alternative (role=img, title, desc), a caption and its table"
is "$(v external)" "0" "no external resource"
is "$(v scripts)" "0" "no script"
is "$(v has2626)" "1" "the headline figures in words"

CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$CHROMIUM" ]; then
    echo "# chromium is not installed (make deps installs it): the render checks are skipped"
    echo "ok 8 # SKIP no chromium"
    echo "ok 9 # SKIP no chromium"
    echo "ok 10 # SKIP no chromium"
    _tap_n=10
    done_testing
fi
OUT="$PWD/$RD_BUILD/report-html"
mkdir -p "$OUT"
shot() {   # shot NAME SCALE: a screenshot, and Chromium's log
    timeout 120 "$CHROMIUM" --headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage \
        --no-first-run --user-data-dir="$T/profile-$1" --enable-logging=stderr --v=0 \
        --force-device-scale-factor="$2" --window-size=1000,2600 \
        --screenshot="$OUT/$1.png" "file://$T/r.html" > "$T/$1.log" 2>&1
}
shot report 1
check "Chromium renders the report to a screenshot" test -s "$OUT/report.png"
shot report-200 2
check "and at 200% zoom" test -s "$OUT/report-200.png"
# Console messages from the page are logged as CONSOLE lines.
errors=$(grep -h 'CONSOLE' "$T/report.log" "$T/report-200.log" 2>/dev/null | grep -ci 'error' || true)
is "$errors" "0" "no console error"
done_testing
