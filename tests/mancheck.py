#!/usr/bin/env python3
"""mancheck.py CHECK — compare the man pages' sources (docs/man/*.scd) with
the code's own lists, for tests/test-man.sh.

Each check prints one line per difference ("not in the man page: …",
"in the man page but not in the code: …") and nothing when the two agree.
The code's lists are read where the program keeps them: the table of
configuration keys (daemon/base/config-keys.c), the table of subcommands
(daemon/cli/main.c), the environment variables the program reads
(getenv calls under daemon/), the exit statuses (daemon/base/base.h), the
letter templates (templates/letters/en/), and — through the built binary
named by $R — the case actions and every command's options as --help
prints them from their tables.
"""
import os
import re
import subprocess
import sys

MAN1 = "docs/man/redress.1.scd"
MAN5 = "docs/man/redress.conf.5.scd"
R = os.environ.get("R", "build/redress")


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def section(text, start, level="#"):
    """The lines of the section whose heading line is @start, up to the
    next heading of the same level or above."""
    lines = text.split("\n")
    out, inside = [], False
    stop = re.compile(r"^#{1,%d} " % len(level))
    for line in lines:
        if line == start:
            inside = True
            continue
        if inside and stop.match(line):
            break
        if inside:
            out.append(line)
    return out


def entries(lines):
    """Definition-list entries: a line at the margin followed by an
    indented (tab) line. Returns the entry lines."""
    return [l for i, l in enumerate(lines)
            if l and l[0] in "*_" and i + 1 < len(lines) and lines[i + 1].startswith("\t")]


def bold_words(line):
    return re.findall(r"\*([^*\s]+)\*", line)


def diff(code, man, what):
    out = [f"not in the man page: {what} {x}" for x in sorted(set(code) - set(man))]
    out += [f"in the man page but not in the code: {what} {x}" for x in sorted(set(man) - set(code))]
    return out


def help_of(*args):
    p = subprocess.run([R, *args, "--help"], capture_output=True, text=True)
    return p.stdout + p.stderr


def options_in_help(text):
    """The long options a GOptionContext help lists under "Application Options"."""
    opts, inside = [], False
    for line in text.split("\n"):
        if line.startswith("Application Options:"):
            inside = True
            continue
        if inside and line.strip() == "":
            break
        m = re.match(r"\s+(?:-\w, )?--([a-z][a-z-]*)", line) if inside else None
        if m:
            opts.append(m.group(1))
    return opts


# ---- redress.conf(5) ---------------------------------------------------------

def norm_group(g):
    # [mailbox:ROLE] in the page is "mailbox:*" in the table.
    return re.sub(r":[A-Z][A-Z ]*$", ":*", g)


def code_keys():
    pat = re.compile(r'^\t\{ "([^"]+)", *"([^"]+)", *KEY_')
    return [(g, k) for g, k in (m.groups() for m in map(pat.match, read("daemon/base/config-keys.c").split("\n")) if m)]


def man_keys():
    """(group, key) for every entry of GROUPS AND KEYS; "*" for an entry
    that names no key (a service name). Also the entries lacking a
    Default: line."""
    lines = section(read(MAN5), "# GROUPS AND KEYS")
    keys, no_default, group = [], [], None
    for i, line in enumerate(lines):
        m = re.match(r"^## \[([^\]]+)\]", line)
        if m:
            group = norm_group(m.group(1))
            continue
        if not (line and line[0] in "*_" and i + 1 < len(lines) and lines[i + 1].startswith("\t")):
            continue
        names = bold_words(line) if line[0] == "*" else ["*"]
        block = []
        for nxt in lines[i + 1:]:
            if nxt and not nxt.startswith("\t"):
                break
            block.append(nxt)
        if not any(b.strip().startswith("Default:") for b in block):
            no_default.append(f"[{group}] {', '.join(names)}")
        keys += [(group, n.replace("\\", "")) for n in names]
    return keys, no_default


def check_keys():
    code = code_keys()
    man, _ = man_keys()
    # A group whose keys are free ("*") takes any entry.
    free = {g for g, k in code if k == "*"}
    code_set = {f"[{g}] {k}" for g, k in code if k != "*"}
    code_set |= {f"[{g}] (any)" for g in free}
    man_set = {f"[{g}] {k}" for g, k in man if g not in free}
    man_set |= {f"[{g}] (any)" for g, k in man if g in free}
    return diff(code_set, man_set, "configuration key")


def check_defaults():
    return [f"no Default: line for {e}" for e in man_keys()[1]]


# ---- redress(1) ----------------------------------------------------------------

def code_commands():
    pat = re.compile(r'^\t\{ "([a-z-]+)", *rd_cmd_')
    return [m.group(1) for m in map(pat.match, read("daemon/cli/main.c").split("\n")) if m]


def man_command_sections():
    """{"ingest": [...lines], "case new": [...], ...} from "## redress …"."""
    text = read(MAN1)
    heads = re.findall(r"^## redress (.+)$", text, re.M)
    return {h: section(text, "## redress " + h, "##") for h in heads}


def check_commands():
    return diff(code_commands(), {h.split()[0] for h in man_command_sections()}, "subcommand")


def check_readme_commands():
    heads = [l for l in read("README.md").split("\n") if l.startswith("### ")]
    return [f"no README heading for redress {c}" for c in code_commands()
            if not any(f"`redress {c}" in h for h in heads)]


def code_case_actions():
    acts, inside = [], False
    for line in help_of("case").split("\n"):
        if line.startswith("Actions:"):
            inside = True
            continue
        m = re.match(r"^  ([a-z][a-z-]*)\b", line) if inside else None
        if m:
            acts.append(m.group(1))
    return acts


def check_case_actions():
    lines = man_command_sections().get("case", [])
    man = [bold_words(e)[0] for e in entries(lines) if not e.startswith("*--")]
    code = code_case_actions()
    out = diff(code, man, "case action")
    if len(code) < 10:
        out.append(f"only {len(code)} case actions read from 'redress case --help'")
    return out


def check_readme_case_actions():
    readme = read("README.md")
    return [f"no README item for redress case REF {a}" for a in code_case_actions()
            if not re.search(r"^- `%s\b" % re.escape(a), readme, re.M)]


# Subcommands whose options live in their own actions' --help.
SUBHELPS = {"outbox": [("outbox", "send"), ("outbox", "flush")], "case new": [("case", "new")]}


def check_options():
    out = []
    for head, lines in man_command_sections().items():
        helps = SUBHELPS.get(head, [tuple(head.split())])
        code = set()
        for h in helps:
            code |= set(options_in_help(help_of(*h)))
        man = {w[2:] for e in entries(lines) if e.startswith("*--") for w in bold_words(e)[:1]}
        out += diff({"--" + o for o in code}, {"--" + o for o in man}, f"option of redress {head}:")
    return out


def check_global_options():
    usage = help_of()
    inside, code = False, []
    for line in usage.split("\n"):
        if line.startswith("global options"):
            inside = True
            continue
        m = re.match(r"^  (--[a-z]+)", line) if inside else None
        if m:
            code.append(m.group(1))
    man = [bold_words(e)[0] for e in entries(section(read(MAN1), "# GLOBAL OPTIONS"))]
    man = [m for m in man if m not in ("--version", "--help")]
    return diff(code, man, "global option")


def check_environment():
    code = set()
    for root, _, files in os.walk("daemon"):
        for f in files:
            if f.endswith(".c"):
                code |= set(re.findall(r'getenv\("([A-Z_]+)"\)', read(os.path.join(root, f))))
    man = set()
    for e in entries(section(read(MAN1), "# ENVIRONMENT")):
        man |= set(bold_words(e))
    # The page may name what libraries read for us (NOTIFY_SOCKET).
    return [f"not in the man page: environment variable {v}" for v in sorted(code - man)]


def check_exit_status():
    code = set(re.findall(r"RD_EXIT_[A-Z]+ = (\d+)", read("daemon/base/base.h")))
    man = {bold_words(e)[0] for e in entries(section(read(MAN1), "# EXIT STATUS"))}
    return diff(code, man, "exit status")


def check_letters():
    names = {f.split(".")[0] for f in os.listdir("templates/letters/en")}
    text = read(MAN1)
    return [f"not in the man page: letter {n}" for n in sorted(names) if f"*{n}*" not in text]


CHECKS = {
    "keys": check_keys, "defaults": check_defaults, "commands": check_commands,
    "readme-commands": check_readme_commands, "case-actions": check_case_actions,
    "readme-case-actions": check_readme_case_actions, "options": check_options,
    "global-options": check_global_options, "environment": check_environment,
    "exit-status": check_exit_status, "letters": check_letters,
}

if __name__ == "__main__":
    for line in CHECKS[sys.argv[1]]():
        print(line)
