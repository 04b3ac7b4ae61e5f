"""Mutation testing of the integration's ordering, availability, errors and back-off.

Changes one AST node at a time in the functions listed in TARGETS, runs the
tests that cover the function against each such mutant in a throw-away copy of
the repository (the quickest first, up to the first failure), and reports
every mutant no test kills, with its diff.

    scripts/mutate --jobs 2
    scripts/mutate --target custom_components/mycirrus/api/limiter.py:RateLimiter.pause
    scripts/mutate --list

The whole suite runs once, in a copy, with per-test coverage and durations;
the map of lines to tests is cached in the temp directory, keyed by tests/ and
custom_components/.
Tests that fail without a mutant are left out; a function no test covers gets the
whole suite ("not covered"). Logging calls stay unless --mutate-logging is given.
Nothing is written in the repository. Exit status 1 when a mutant survived.
"""

from __future__ import annotations

import argparse
import ast
from collections import Counter
from concurrent.futures import ThreadPoolExecutor, as_completed
import copy
from dataclasses import dataclass
import difflib
import hashlib
import json
import os
from pathlib import Path
import queue
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

TARGETS: dict[str, list[str]] = {
    # Acoustics: averaging, hourly rows; rating windows and levels.
    "custom_components/mycirrus/acoustics.py": [
        "stored_kind",
        "energetic_mean",
        "energetic",
        "_arithmetic_mean",
        "measured",
        "hour_floor",
        "hourly_rows",
        "conditions_poor",
    ],
    "custom_components/mycirrus/rating.py": [
        "RatingHours.__post_init__",
        "RatingHours.nominal",
        "rating_windows",
        "last_ended",
        "_window",
        "_day_levels",
        "rating_levels",
        "lden",
    ],
    "custom_components/mycirrus/hub/stored/periods.py": [
        "PeriodKeeper.end_of",
        "PeriodKeeper.per_hour",
        "PeriodKeeper._apply",
    ],
    # Which hours are complete, and when they are read again.
    "custom_components/mycirrus/hub/stored/gaps.py": [
        "hour_complete",
        "_overlaps",
        "_covered",
        "_ranges",
        "GapTracker.judged",
        "GapTracker.flowing",
        "GapTracker.status",
        "GapTracker.status_changed",
        "GapTracker.plan",
        "GapTracker._requests",
    ],
    "custom_components/mycirrus/hub/stored/work.py": [
        "whole_hours",
        "_ours",
        "_verdicts",
    ],
    # The order of what is learnt, availability and the checks asked for.
    "custom_components/mycirrus/model.py": [
        "InstrumentRecord.shown",
        "InstrumentRecord.known_offline",
        "check_running",
        "check_result",
        "ended",
        "is_current",
        "stale_at",
        "is_due",
        "polled",
        "failed",
        "pushed",
        "requested",
        "settled",
        "linked",
        "_merged",
    ],
    "custom_components/mycirrus/results.py": ["result_state", "action_refused"],
    # The one error mapping.
    "custom_components/mycirrus/errors.py": [
        "meaning",
        "flow_error",
        "action_error",
        "action_failure",
        "round_error",
    ],
    # The hub: polling, the store, push, checks, presses, pauses, stored data.
    "custom_components/mycirrus/hub/status.py": [
        "MyCirrusCoordinator._async_update_data",
        "MyCirrusCoordinator._due",
        "MyCirrusCoordinator._all_forbidden",
        "MyCirrusCoordinator._async_ask",
        "MyCirrusCoordinator._failed",
        "MyCirrusCoordinator.async_schedule_fetch",
        "MyCirrusCoordinator._async_fetch",
    ],
    "custom_components/mycirrus/hub/store.py": [
        "InstrumentStore.current",
        "InstrumentStore.async_pushed",
        "InstrumentStore.async_auth_failed",
        "InstrumentStore._apply_outcome",
        "InstrumentStore._replace",
        "InstrumentStore._arm",
        "InstrumentStore._expire",
        "_async_issues",
    ],
    "custom_components/mycirrus/hub/hub.py": [
        "MyCirrusHub.async_auth_failed",
        "MyCirrusHub.async_entry_updated",
        "MyCirrusHub.reachable",
        "MyCirrusHub.live_available",
    ],
    "custom_components/mycirrus/hub/actions.py": ["ActionSender.async_press"],
    "custom_components/mycirrus/hub/checks.py": ["CheckFollower._async_follow"],
    "custom_components/mycirrus/hub/push.py": [
        "MyCirrusPush.backoff",
        "MyCirrusPush.async_sync",
        "MyCirrusPush.async_halt",
        "MyCirrusPush.live_available",
        "MyCirrusPush.async_live_issue",
    ],
    "custom_components/mycirrus/hub/link.py": [
        "error_subject",
        "LiveLink._async_start_live_data",
        "LiveLink._async_live_refused",
    ],
    "custom_components/mycirrus/hub/details.py": [
        "InstrumentDetails.async_refresh_when_due",
        "InstrumentDetails._async_fetch_unlisted",
    ],
    "custom_components/mycirrus/hub/ratelimit.py": [
        "_Limiters.async_load",
        "async_get_limiter",
        "async_forget_limiter",
        "_remaining",
    ],
    "custom_components/mycirrus/hub/stored/failures.py": ["EndpointFailures.note"],
    "custom_components/mycirrus/hub/stored/coordinator.py": [
        "StoredDataCoordinator._start",
        "StoredDataCoordinator.noise_serials",
        "canonical",
    ],
    "custom_components/mycirrus/hub/stored/events.py": [
        "EventMemory.follow",
        "EventMemory.found",
        "EventMemory.take",
    ],
    "custom_components/mycirrus/hub/stored/progress.py": [
        "ReadProgress.begin",
        "ReadProgress.read",
        "ReadProgress.skip",
    ],
    "custom_components/mycirrus/hub/stored/backfill.py": [
        "Backfill.plan",
        "Backfill._async_fill",
    ],
    "custom_components/mycirrus/scopes.py": ["DataScopes.async_ask"],
    "custom_components/mycirrus/hub/stored/statistics.py": [
        "StatisticsImporter.async_import",
    ],
    "custom_components/mycirrus/api/client.py": [
        "_http_error",
        "_parse_retry_after",
        "_error_body",
    ],
    "custom_components/mycirrus/api/limiter.py": [
        "RateLimiter.pause",
        "RateLimiter.remaining",
        "RateLimiter.check",
        "RateLimiter.accepted",
        "RateLimiter.restore",
    ],
    "custom_components/mycirrus/__init__.py": ["async_remove_config_entry_device"],
    "custom_components/mycirrus/issues.py": [
        "async_prune_issues",
        "async_check_results",
    ],
}

# A line whose mutants cannot be told from the original, with the reason said
# beside it in the code, e.g. `return self.records  # pragma: no mutate (...)`.
PRAGMA = "pragma: no mutate"

# Each operator and what it becomes: one mutant per arrow.
SWAPS = """== -> !=, != -> ==, < -> <=, < -> >, <= -> <, > -> >=, > -> <, >= -> >,
is -> is not, is not -> is, in -> not in, not in -> in, and -> or, or -> and,
+ -> -, - -> +, * -> /, / -> *"""
STATEMENTS: dict[type[ast.stmt], tuple[str, type[ast.stmt]]] = {
    ast.Raise: ("raise -> pass", ast.Pass),
    ast.Continue: ("continue -> break", ast.Break),
    ast.Break: ("break -> continue", ast.Continue),
}
LOGGERS = {"_LOGGER", "LOGGER", "_logger", "logger"}
COPY_IGNORE = shutil.ignore_patterns(
    ".venv", ".git", "__pycache__", ".*_cache", ".coverage", ".coverage.*", "htmlcov"
)
CACHE = Path(tempfile.gettempdir()) / "mycirrus-mutate"
PYTEST = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-o", "addopts="]

type Func = ast.FunctionDef | ast.AsyncFunctionDef
type Scope = Func | ast.ClassDef
type Option = tuple[str, str | None, Any]  # label, field (None: the node), new value
FUNCS = (ast.FunctionDef, ast.AsyncFunctionDef)


def _operator(symbol: str) -> type[Any]:
    node: Any = ast.parse(f"a {symbol} b", mode="eval").body
    return type(node.ops[0] if isinstance(node, ast.Compare) else node.op)


SYMBOLS: dict[type[Any], str] = {}
REPLACE: dict[type[Any], list[type[Any]]] = {}
for _old, _new in (pair.split(" -> ") for pair in re.split(r",\s+", SWAPS)):
    SYMBOLS |= {_operator(_old): _old, _operator(_new): _new}
    REPLACE.setdefault(_operator(_old), []).append(_operator(_new))


def _arrow(old: ast.AST, new: type[ast.AST]) -> str:
    return f"{SYMBOLS[type(old)]} -> {SYMBOLS[new]}"


def _is_docstring(node: ast.stmt) -> bool:
    return isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)


def _is_none(node: ast.expr | None) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


class Mutator(ast.NodeTransformer):
    """Numbers the mutation points of a function body; applies the one ``target``.

    Children are visited before their parent, in the same order on every pass,
    so a number names the same point in every deep copy of the function. Each
    mutant changes one node.
    """

    def __init__(self, target: int = -1, *, logging: bool = False) -> None:
        self.target = target
        self.logging = logging
        self.points: list[tuple[str, int]] = []
        self._returns: list[bool] = []  # whether a return may give a value

    def _hit(self, node: ast.AST, label: str) -> bool:
        self.points.append((label, getattr(node, "lineno", 0)))
        return len(self.points) - 1 == self.target

    def body(self, node: Scope) -> Scope:
        # Only the body: decorators, defaults, annotations and docstrings stay.
        skip = 1 if node.body and _is_docstring(node.body[0]) else 0
        self._returns.append(isinstance(node, FUNCS) and not _is_none(node.returns))
        node.body[skip:] = [self.visit(stmt) for stmt in node.body[skip:]]
        self._returns.pop()
        return node

    visit_FunctionDef = visit_AsyncFunctionDef = visit_ClassDef = body

    def visit_JoinedStr(self, node: ast.JoinedStr) -> ast.AST:
        for part in node.values:  # the expressions, not the text around them
            if isinstance(part, ast.FormattedValue):
                part.value = self.visit(part.value)
        return node

    def visit_Expr(self, node: ast.Expr) -> ast.AST:
        call = node.value.value if isinstance(node.value, ast.Await) else node.value
        logs = isinstance(call, ast.Call) and ast.unparse(call.func).split(".")[0]
        if isinstance(call, ast.Constant) or (logs in LOGGERS and not self.logging):
            return node
        return self.generic_visit(node)

    def generic_visit(self, node: ast.AST) -> ast.AST:
        super().generic_visit(node)
        for label, field, value in self._options(node):
            if self._hit(node, label):
                if field is None:
                    return value  # type: ignore[no-any-return]
                setattr(node, field, value)
        return node

    def _options(self, node: ast.AST) -> list[Option]:
        """Return each mutation of the node: a field's new value, or a new node."""
        match node:
            case ast.Compare(ops=ops):
                return [
                    (_arrow(op, new), "ops", [*ops[:i], new(), *ops[i + 1 :]])
                    for i, op in enumerate(ops)
                    for new in REPLACE[type(op)]
                ]
            case ast.BoolOp(op=op) | ast.BinOp(op=op) | ast.AugAssign(op=op):
                return [
                    (_arrow(op, new), "op", new()) for new in REPLACE.get(type(op), [])
                ]
            case ast.UnaryOp(op=ast.Not(), operand=operand):
                return [("not x -> x", None, operand)]
            case ast.Constant(value=bool() as value):
                return [(f"{value} -> {not value}", None, ast.Constant(not value))]
            case ast.Constant(value=int() | float() as n):
                options: list[Option] = [
                    (f"{n!r} -> {n + 1!r}", None, ast.Constant(n + 1))
                ]
                if n:
                    options.append((f"{n!r} -> 0", None, ast.Constant(n * 0)))
                return options
            case ast.Constant(value=str() as value) if value != "XX":
                text = textwrap.shorten(repr(value), 24, placeholder="...")
                return [(f"{text} -> 'XX'", None, ast.Constant("XX"))]
            case ast.Call(func=ast.Name(id="min" | "max" as name)):
                other = "max" if name == "min" else "min"
                return [(f"{name} -> {other}", "func", ast.Name(other, ast.Load()))]
            case ast.Return(value=ast.expr() as value) if not _is_none(value):
                gives = self._returns[-1]  # a function typed "-> None" does not
                return [("return -> return None", "value", ast.Constant(None))] * gives
            case ast.If(test=test):
                same = test.value if isinstance(test, ast.Constant) else None
                bools = [value for value in (True, False) if value is not same]
                return [(f"if test -> {v}", "test", ast.Constant(v)) for v in bools]
            case ast.Expr(value=ast.Call() | ast.Await(value=ast.Call())):
                return [("call -> pass", None, ast.Pass())]
            case ast.Raise() | ast.Continue() | ast.Break():
                label, new = STATEMENTS[type(node)]
                return [(label, None, new())]
        return []


@dataclass(frozen=True)
class Target:
    path: str
    qualname: str
    source: str
    func: Func
    start: int  # the first line, decorators included
    lines: range  # the body less its docstring: tests covering these are chosen


@dataclass(frozen=True)
class Mutant:
    target: Target
    label: str
    line: int
    text: str  # the whole mutated file
    diff: str


def find_targets(base: Path, wanted: dict[str, list[str]]) -> list[Target]:
    targets = []
    for path, names in wanted.items():
        if not (base / path).is_file():
            # A target that moved must be listed anew, not left out unseen.
            raise SystemExit(f"mutate: {path} does not exist")
        source = (base / path).read_text()
        for qualname in names:
            node: ast.AST | None = ast.parse(source)
            for part in qualname.split("."):
                scopes = [n for n in getattr(node, "body", []) if hasattr(n, "name")]
                node = next((n for n in scopes if n.name == part), None)
            if not isinstance(node, FUNCS):
                raise SystemExit(f"mutate: no function {qualname} in {path}")
            body = node.body[1:] if _is_docstring(node.body[0]) else node.body
            start = min([node.lineno] + [d.lineno for d in node.decorator_list])
            first = body[0].lineno if body else node.lineno
            lines = range(first, (node.end_lineno or first) + 1)
            targets.append(Target(path, qualname, source, node, start, lines))
    return targets


def mutants_of(target: Target, *, logging: bool) -> list[Mutant]:
    func, name = target.func, f"{target.path}:{target.qualname}"
    original = ast.unparse(func)
    indent = target.source.splitlines()[func.lineno - 1][: func.col_offset]
    lines = target.source.splitlines(keepends=True)
    end = func.end_lineno or func.lineno
    before, after = "".join(lines[: target.start - 1]), "".join(lines[end:])
    counter = Mutator(logging=logging)
    counter.body(copy.deepcopy(func))
    seen, mutants = {original}, []
    source_lines = target.source.splitlines()
    for index, (label, line) in enumerate(counter.points):
        if PRAGMA in source_lines[line - 1]:
            continue  # an equivalent mutant, said so in the code
        code = ast.unparse(Mutator(index, logging=logging).body(copy.deepcopy(func)))
        if code in seen:
            continue
        seen.add(code)
        new = textwrap.indent(code, indent).splitlines()
        # Padded, so that the lines after the function keep their numbers.
        new += [""] * (end - target.start + 1 - len(new))
        text = before + "\n".join(new) + "\n" + after
        try:
            compile(text, target.path, "exec")
        except SyntaxError as err:
            print(f"skipped: {target.path}:{line} {label}: {err}", file=sys.stderr)
            continue
        old, mutated = original.splitlines(), code.splitlines()
        diff = difflib.unified_diff(old, mutated, name, name, lineterm="")
        mutants.append(Mutant(target, label, line, text, "\n".join(diff)))
    return sorted(mutants, key=lambda m: m.line)


def run(args: list[str], cwd: Path, limit: float) -> tuple[int | None, str]:
    """Run pytest in ``cwd``; its status is None when it outlasted ``limit``."""
    # No .pyc files: a mutant of the same size in the same second could reuse one.
    env = os.environ | {"PYTHONDONTWRITEBYTECODE": "1"}
    env["COVERAGE_FILE"] = str(cwd.parent / ".coverage")
    try:
        done = subprocess.run(
            PYTEST + args, cwd=cwd, env=env, capture_output=True, text=True,
            timeout=limit, check=False,
        )  # fmt: skip
    except subprocess.TimeoutExpired:  # killed by subprocess.run
        return None, ""
    return done.returncode, done.stdout + done.stderr


def fingerprint(base: Path) -> str:
    digest = hashlib.sha256(f"{sys.executable} {sys.version}".encode())
    for top in ("tests", "custom_components"):
        for file in sorted((base / top).rglob("*")):
            if file.is_file() and "__pycache__" not in file.parts:
                digest.update(f"\0{file.relative_to(base)}\0".encode())
                digest.update(file.read_bytes())
    return digest.hexdigest()[:20]


def coverage_map(base: Path, timeout: int) -> dict[str, Any]:
    """Return which tests run each line, and which tests fail unmutated (cached)."""
    cache = CACHE / f"coverage-{fingerprint(base)}-{timeout}.json"
    if cache.is_file():
        print(f"per-test coverage from {cache}")
        return dict(json.loads(cache.read_text()))
    print("running the whole suite once with per-test coverage ...", flush=True)
    from coverage import CoverageData  # noqa: PLC0415 - only this needs it

    began = time.monotonic()
    repo = base.parent / "coverage" / "repo"
    shutil.copytree(base, repo)
    args = ["-q", "-rfE", "--durations=0", "--durations-min=0"]
    args += [f"--timeout={timeout}", "--cov=custom_components"]
    args += ["--cov-context=test", "--cov-report=", "--cov-fail-under=0"]
    status, out = run(args, repo, 3600)
    if not (repo.parent / ".coverage").is_file():
        sys.exit(f"{out[-3000:]}\nthe coverage run wrote no data (status {status})")
    # Tests that fail, or files that cannot be collected, are left out later.
    summary = out.partition("short test summary info")[2]
    found = re.finditer(
        r"^(?:FAILED|ERROR) (tests.*?)(?: - .*)?$", summary, re.MULTILINE
    )
    data = CoverageData(basename=str(repo.parent / ".coverage"))
    data.read()
    tests: dict[str, int] = {}
    lines: dict[str, dict[str, list[int]]] = {}
    for measured in data.measured_files():
        path = Path(measured).resolve().relative_to(repo).as_posix()
        by_line = lines.setdefault(path, {})
        for line, contexts in data.contexts_by_lineno(measured).items():
            ids = {c.split("|")[0] for c in contexts if c}  # nodeid|run
            by_line[str(line)] = sorted(tests.setdefault(t, len(tests)) for t in ids)
    seconds = time.monotonic() - began
    tally = re.findall(r"^=* ?(\d+ (?:passed|failed).*?) in ", out, re.MULTILINE)
    done = tally[-1] if tally else "no tally"
    print(f"coverage run: {done} ({seconds:.0f} s, exit status {status})")
    failing = sorted({m[1] for m in found})
    # How long each test takes: its mutants' runs try the quickest first.
    durations: dict[str, float] = {}
    for took, test in re.findall(r"^([\d.]+)s \w+ +(tests/\S+)$", out, re.MULTILINE):
        durations[test] = durations.get(test, 0.0) + float(took)
    result = {
        "tests": list(tests),
        "lines": lines,
        "failing": failing,
        "durations": durations,
    }
    CACHE.mkdir(exist_ok=True)
    cache.write_text(json.dumps(result))
    return result


def selection(cov: dict[str, Any], target: Target) -> tuple[list[str], bool]:
    """Return pytest's arguments for a target's mutants, and whether tests cover it."""
    failing = set(cov["failing"])
    by_line = cov["lines"].get(target.path, {})
    indexes = {i for line in target.lines for i in by_line.get(str(line), [])}
    if ids := sorted({cov["tests"][i] for i in indexes} - failing):
        # Quickest first: a mutant is most often killed by a short test.
        took = cov.get("durations", {})
        return sorted(ids, key=lambda test: took.get(test, 0.0)), True
    # No test covers it: the whole suite, less what fails without a mutant.
    skip = [("--deselect" if "::" in f else "--ignore", f) for f in sorted(failing)]
    return ["tests", *[arg for pair in skip for arg in pair]], False


def attempt(
    mutant: Mutant, tests: list[str], workers: queue.Queue[Path], timeout: int
) -> tuple[str, float]:
    """Run the tests against a mutant in a worker's copy; return what became of it."""
    repo = workers.get()
    began = time.monotonic()
    file = repo / mutant.target.path
    try:
        file.write_text(mutant.text)
        args = ["-x", "-q", f"--timeout={timeout}", *tests]
        status, out = run(args, repo, timeout * 10)
    finally:
        file.write_text(mutant.target.source)
        workers.put(repo)
    seconds = time.monotonic() - began
    if status is None or "+ Timeout +" in out:
        return "timeout", seconds
    if status in {3, 4, 5}:  # internal error, usage error, no tests: nothing proved
        print(out[-2000:], file=sys.stderr)
        return "error", seconds
    return ("survived" if status == 0 else "killed"), seconds


def run_all(
    base: Path, mutants: list[Mutant], cov: dict[str, Any], jobs: int, timeout: int
) -> list[str]:
    chosen = {t: selection(cov, t) for t in {m.target for m in mutants}}
    width = max(len(f"{m.target.path}:{m.line}") for m in mutants)
    results = [""] * len(mutants)
    workers: queue.Queue[Path] = queue.Queue()
    for n in range(jobs):
        shutil.copytree(base, base.parent / f"w{n}" / "repo")
        workers.put(base.parent / f"w{n}" / "repo")
    with ThreadPoolExecutor(jobs) as pool:
        futures = {
            pool.submit(attempt, m, chosen[m.target][0], workers, timeout): (i, m)
            for i, m in enumerate(mutants)
        }
        try:
            for future in as_completed(futures):
                i, m = futures[future]
                status, seconds = future.result()
                # Ran the whole suite, as no test covers the function.
                results[i] = (
                    status if chosen[m.target][1] else f"{status} (not covered)"
                )
                place = f"{m.target.path}:{m.line}".ljust(width)
                print(f"{place}  {m.label:<24} {results[i]:<8} {seconds:6.1f} s")
        except KeyboardInterrupt:  # pytest had it too: start no more runs
            pool.shutdown(cancel_futures=True)
            raise
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add = parser.add_argument
    add("--target", action="append", metavar="FILE:QUALNAME", help="replaces TARGETS")
    add("--list", action="store_true", help="list the mutants and stop")
    add("--jobs", type=int, default=2, help="parallel workers (2)")
    add("--timeout", type=int, default=60, help="seconds a test may take (60)")
    add("--mutate-logging", action="store_true", help="mutate logging calls too")
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    wanted = TARGETS if not args.target else {}
    for spec in args.target or []:
        path, _, qualname = spec.rpartition(":")
        wanted.setdefault(path, []).append(qualname)
    began = time.monotonic()
    # One snapshot of the tree, as others may be editing it: it is what is tested.
    with tempfile.TemporaryDirectory(prefix="mycirrus-mutate-") as name:
        base = Path(name).resolve() / "repo"
        shutil.copytree(ROOT, base, ignore=COPY_IGNORE)
        targets = find_targets(base, wanted)
        mutants = [
            m for t in targets for m in mutants_of(t, logging=args.mutate_logging)
        ]
        if args.list or not mutants:
            for m in mutants:
                print(f"{m.target.path}:{m.line}  {m.target.qualname}  {m.label}")
            print(f"{len(mutants)} mutants in {len(targets)} functions")
            return 0
        cov = coverage_map(base, args.timeout)
        if cov["failing"]:
            print(f"{len(cov['failing'])} left out, failing without a mutant:")
            print("\n".join(f"  {test}" for test in cov["failing"]))
        results = run_all(base, mutants, cov, max(1, args.jobs), args.timeout)
    counts = Counter(results)
    totals = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
    print(f"\n{len(mutants)} mutants, {time.monotonic() - began:.0f} s: {totals}")
    for m, status in zip(mutants, results, strict=True):
        if status.startswith(("survived", "error")):
            print(f"\n{status.upper()}: {m.target.path}:{m.line} {m.label}\n{m.diff}")
    return 1 if any(s.startswith(("survived", "error")) for s in results) else 0


if __name__ == "__main__":
    sys.exit(main())
