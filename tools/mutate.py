"""Mutation testing: does a test fail when a promise of the code breaks? (Slow: not part of
the default suite.)

    .venv/bin/pip install -e '.[test,mutation]'
    .venv/bin/python -m tools.mutate server/core/routing.py   # one module
    .venv/bin/python -m tools.mutate                          # every module below, in turn
    .venv/bin/python -m tools.mutate server/edge/hellos.py --functions read,authenticate   # some functions only

On a shared machine: `MUTMUT_CHILDREN=1 nice -n 19 .venv/bin/python -m tools.mutate ...`.

mutmut changes one thing at a time in a module (a `<` to `<=`, a constant, a dropped call) and
runs the tests that reach the changed function; a mutant that no test notices "survives".
Each module runs in its own copy of the tracked files under `build/mutation/<module>/` (so a
run never touches the work tree and two modules may run side by side) with the fast tests
that exercise it: a whole-suite run per mutant would take days on two cores. The score and the
survivors' names are printed and written to `build/mutation/<module>/survivors.txt`, mutmut's
own output to `mutmut.log` there (a run that checks nothing, because a selected test fails on
the unchanged code, prints its end);
`mutmut show NAME` run in that folder shows a survivor's diff. `docs/mutants.md` says, for
each survivor of the last full run, which test kills it now or why it is equivalent.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "build" / "mutation"
MUTMUT = Path(sys.executable).with_name("mutmut")

_CORE = ["tests/test_core_office.py", "tests/test_core_properties.py", "tests/test_core_rules.py",
         "tests/test_core_days.py", "tests/test_routing_reasons.py", "tests/test_core_events.py"]
_SERVER = ["tests/test_server_flow.py", "tests/test_server_bad_input.py", "tests/test_server_roles.py",
           "tests/test_server_day.py", "tests/test_server_clock.py", "tests/test_group_commit.py",
           "tests/test_server_timers.py"]
# Each module with the tests that exercise it (a file that does not exist yet is skipped).
MODULES = {
    "server/core/routing.py": _CORE,
    "server/core/state.py": [*_CORE, "tests/test_stored_events.py"],
    "server/core/commands.py": _CORE,
    "server/core/kiosk.py": [*_CORE, "tests/test_checkin_rule.py"],
    "server/core/counter.py": [*_CORE, "tests/test_core_referrals.py"],
    "server/core/supervisor.py": [*_CORE, "tests/test_manager_board.py"],  # announce, move: the manager side
    "server/core/events.py": [*_CORE, "tests/test_stored_events.py"],
    "server/core/model.py": _CORE,
    "server/core/forecast.py": [*_CORE, "tests/test_forecast.py"],
    "server/core/learning.py": [*_CORE, "tests/test_forecast.py"],
    "server/core/simulation.py": [*_CORE, "tests/test_forecast.py"],
    "server/wire/protocol.py": ["tests/test_protocol.py", "tests/test_protocol_edges.py", "tests/test_server_bad_input.py"],
    "server/store/writer.py": ["tests/test_group_commit.py", "tests/test_store.py", "tests/test_server_flow.py",
                         "tests/test_server_timers.py", "tests/test_writer.py"],
    "server/store/sqlite.py": ["tests/test_store.py", "tests/test_store_file.py", "tests/test_store_edges.py",
                        "tests/test_server_day.py",  # and the purge keeps statistics:
                        "tests/test_stats.py::test_scripted_days_give_the_figures_computed_by_hand_before_and_after_the_purge"],
    "server/edge/app.py": _SERVER,
    "server/edge/hellos.py": _SERVER,
    "printing/output.py": ["tests/test_ticket_printing.py", "tests/test_ticket_paper.py", "tests/test_printer_health.py",
                          "tests/test_ticket_on_paper.py"],
}
SOURCES = ["server", "config", "kiosk", "counter", "display"]


def settings(module: str) -> str:
    tests = [t for t in MODULES[module] if (ROOT / t.split("::")[0]).exists()]
    quoted = lambda items: "[" + ", ".join(f'"{i}"' for i in items) + "]"  # noqa: E731
    return (f"\n[tool.mutmut]\nsource_paths = {quoted(SOURCES)}\nonly_mutate = {quoted([module])}\n"
            f"pytest_add_cli_args_test_selection = {quoted(tests)}\n"
            f'pytest_add_cli_args = ["-p", "no:cacheprovider", "-q", "-x"]\n')


def prepare(module: str) -> Path:
    """A fresh copy of the tracked files (the work tree as it is now) with mutmut's settings."""
    work = BUILD / module.replace("/", ".").removesuffix(".py")
    shutil.rmtree(work, ignore_errors=True)
    files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    for name in filter(None, files.decode().split("\0")):
        if (ROOT / name).is_file():
            (work / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, work / name)
    with open(work / "pyproject.toml", "a", encoding="utf-8") as config:
        config.write(settings(module))
    return work


def results(work: Path) -> dict[str, str]:
    out = subprocess.run([MUTMUT, "results", "--all", "true"], cwd=work, capture_output=True, text=True).stdout
    return dict(line.strip().rsplit(": ", 1) for line in out.splitlines() if ": " in line)


def mutate(module: str, children: int, functions: list[str] = ()) -> tuple[int, int, list[str]]:
    """Mutate `module` (only these functions or methods, when named) and count the results."""
    work = prepare(module)
    env = {**os.environ, "WILLKOMMEN_MUTATION": "1", "PYTHONWARNINGS": "ignore::UserWarning:mutmut.configuration"}
    dotted = module.removesuffix(".py").replace("/", ".")
    names = [f"{dotted}.x*{name}__mutmut_*" for name in functions]  # mutmut's names: x_f, xǁClassǁmethod
    with open(work / "mutmut.log", "w", encoding="utf-8") as log:
        run = subprocess.run([MUTMUT, "run", "--max-children", str(children), *names], cwd=work, env=env,
                             stdout=log, stderr=subprocess.STDOUT)
    status = {name: s for name, s in results(work).items() if s not in ("not checked", "skipped")}
    if run.returncode != 0 or not any(s in ("killed", "timeout", "survived") for s in status.values()):
        # mutmut stops before the first mutant when one of the selected tests fails on the
        # unchanged code ("Failed to run clean test"): the run checks nothing, and says why here
        tail = (work / "mutmut.log").read_text(encoding="utf-8", errors="replace")[-3000:]
        print(f"{module}: mutmut exited {run.returncode}; the end of {work / 'mutmut.log'}:\n{tail}", file=sys.stderr)
    survivors = sorted(name for name, s in status.items() if s in ("survived", "no tests"))
    killed = sum(1 for s in status.values() if s in ("killed", "timeout"))
    (work / "survivors.txt").write_text("".join(f"{n}: {status[n]}\n" for n in survivors), encoding="utf-8")
    return killed, len(status), survivors


def main(argv: list[str]) -> int:
    """`[MODULE ...] [--functions NAME,NAME]`: a slow module's score for some of its functions."""
    functions = argv[argv.index("--functions") + 1].split(",") if "--functions" in argv else []
    modules = [a for a in argv if a != "--functions" and a != ",".join(functions)] or list(MODULES)
    children = int(os.environ.get("MUTMUT_CHILDREN", "2"))
    for module in modules:
        if module not in MODULES:
            print(f"{module}: not configured (one of {', '.join(MODULES)})", file=sys.stderr)
            return 2
        killed, total, survivors = mutate(module, children, functions)
        share = f"{100 * killed / total:.1f} %" if total else "no mutants"
        print(f"{module}: {killed} of {total} mutants killed ({share}); {len(survivors)} survive", flush=True)
        for name in survivors:
            print(f"    {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
