"""Runs Flink SQL on Amazon Managed Service for Apache Flink.

Shipped with cdk-kinesis-kit's ``FlinkSqlApplication``, which deploys this file as the entry
point of a Python (PyFlink) application and passes the SQL in the application's runtime
properties:

* property groups ``sql.statements``, ``sql.statements.1``, ``sql.statements.2``, ... hold keys
  ``statement.<i>`` (the first chunk of entry i) and ``statement.<i>.<part>`` (the next chunks
  of a long entry); chunks are joined in order, entries kept in order;
* each entry may hold several statements separated by semicolons; they are split here,
  ignoring semicolons inside quotes, identifiers and comments;
* statements other than INSERT run in order with ``TableEnvironment.execute_sql``; every
  INSERT joins one statement set, submitted at the end as the application's single job.
  ``BEGIN STATEMENT SET; ... END;`` and ``EXECUTE STATEMENT SET BEGIN ... END;`` blocks are
  accepted: their INSERTs join the same set.

The service writes the properties to ``/etc/flink/application_properties.json``. For a local
run, point ``FLINK_SQL_RUNNER_PROPERTIES`` at a file of the same shape and set ``IS_LOCAL=1``:
the runner then adds the JAR named in ``kinesis.analytics.flink.run.options`` to
``pipeline.jars`` and waits for the job.

PyFlink is imported only when the job runs, so the module imports (and its tests run) without it.
"""

from __future__ import annotations

import json
import logging
import os
import re
from typing import Dict, Iterator, List, Optional, Tuple

DEFAULT_PROPERTIES_PATH = "/etc/flink/application_properties.json"
PROPERTIES_PATH_ENV = "FLINK_SQL_RUNNER_PROPERTIES"
LOCAL_ENV = "IS_LOCAL"
RUN_OPTIONS_GROUP = "kinesis.analytics.flink.run.options"

_STATEMENTS_GROUP = re.compile(r"^sql\.statements(?:\.\d+)?$")
_STATEMENT_KEY = re.compile(r"^statement\.(\d+)(?:\.(\d+))?$")
_BEGIN_SET = re.compile(r"^BEGIN\s+STATEMENT\s+SET$", re.IGNORECASE)
_EXECUTE_SET = re.compile(r"^EXECUTE\s+STATEMENT\s+SET\s+BEGIN\s+", re.IGNORECASE)
_END = re.compile(r"^END$", re.IGNORECASE)
_FIRST_WORD = re.compile(r"[A-Za-z]+")

LOG = logging.getLogger("flink-sql-runner")

PropertyGroups = Dict[str, Dict[str, str]]


class RunnerError(Exception):
    """The SQL or the properties cannot be run; the message says why."""


def properties_path() -> str:
    """The properties file: ``FLINK_SQL_RUNNER_PROPERTIES``, else the service's path."""
    return os.environ.get(PROPERTIES_PATH_ENV) or DEFAULT_PROPERTIES_PATH


def load_properties(path: str) -> PropertyGroups:
    """Reads the service's properties file: a JSON list of PropertyGroupId/PropertyMap objects."""
    with open(path, encoding="utf-8") as handle:
        data = json.load(handle)
    if not isinstance(data, list):
        raise RunnerError(f"{path}: expected a JSON list of property groups, got {type(data).__name__}")
    groups: PropertyGroups = {}
    for group in data:
        if not isinstance(group, dict) or "PropertyGroupId" not in group:
            raise RunnerError(f"{path}: every property group needs a PropertyGroupId, got {group!r}")
        properties = group.get("PropertyMap") or {}
        groups[str(group["PropertyGroupId"])] = {str(k): str(v) for k, v in properties.items()}
    return groups


def sql_entries(groups: PropertyGroups) -> List[str]:
    """The SQL entries, in order, each joined from its chunks."""
    chunks: Dict[int, Dict[int, str]] = {}
    for group_id, properties in groups.items():
        if not _STATEMENTS_GROUP.match(group_id):
            continue
        for key, value in properties.items():
            match = _STATEMENT_KEY.match(key)
            if not match:
                raise RunnerError(
                    f"property group {group_id!r}: expected keys statement.<i> or statement.<i>.<part>, got {key!r}")
            entry, part = int(match.group(1)), int(match.group(2) or 0)
            parts = chunks.setdefault(entry, {})
            if part in parts:
                raise RunnerError(f"statement {entry} part {part} is given twice (key {key!r} in {group_id!r})")
            parts[part] = value
    entries = []
    for entry in sorted(chunks):
        parts = chunks[entry]
        missing = sorted(set(range(max(parts) + 1)) - set(parts))
        if missing:
            raise RunnerError(f"statement {entry} is missing part(s) {missing}")
        entries.append("".join(parts[p] for p in sorted(parts)))
    return entries


def _scan(script: str) -> Iterator[Tuple[str, str]]:
    """Splits SQL into (kind, text) pieces: kind is code, quoted, comment or semicolon.

    Quotes are '...' (strings), "..." and `...` (identifiers); a doubled quote character inside
    stands for itself. Comments are -- to the end of the line and /* ... */ (hints included).
    """
    i, n = 0, len(script)
    start = 0
    while i < n:
        char = script[i]
        pair = script[i:i + 2]
        if pair in ("--", "/*") or char in ("'", '"', "`", ";"):
            if start < i:
                yield "code", script[start:i]
            if pair == "--":
                end = script.find("\n", i)
                end = n if end == -1 else end
                yield "comment", script[i:end]
            elif pair == "/*":
                end = script.find("*/", i + 2)
                if end == -1:
                    raise RunnerError(f"unterminated /* comment at character {i}: {_preview(script[i:])}")
                end += 2
                yield "comment", script[i:end]
            elif char == ";":
                end = i + 1
                yield "semicolon", ";"
            else:
                end = i + 1
                while True:
                    close = script.find(char, end)
                    if close == -1:
                        raise RunnerError(f"unterminated {char} quote at character {i}: {_preview(script[i:])}")
                    if script[close + 1:close + 2] == char:
                        end = close + 2
                        continue
                    end = close + 1
                    break
                yield "quoted", script[i:end]
            i = start = end
            continue
        i += 1
    if start < n:
        yield "code", script[start:]


def strip_comments(sql: str) -> str:
    """The statement without its comments, trimmed."""
    return "".join(text for kind, text in _scan(sql) if kind != "comment").strip()


def split_statements(script: str) -> List[str]:
    """Splits a script on semicolons outside quotes and comments; drops empty statements."""
    statements: List[str] = []
    current: List[str] = []
    has_sql = False
    for kind, text in _scan(script):
        if kind == "semicolon":
            if has_sql:
                statements.append("".join(current).strip())
            current, has_sql = [], False
            continue
        current.append(text)
        if kind == "quoted" or (kind == "code" and text.strip()):
            has_sql = True
    if has_sql:
        statements.append("".join(current).strip())
    return statements


def unwrap_statement_sets(statements: List[str]) -> List[str]:
    """Drops statement-set markers: the INSERTs inside join the runner's one statement set."""
    result = []
    for statement in statements:
        code = strip_comments(statement)
        if _BEGIN_SET.match(code) or _END.match(code):
            continue
        execute = _EXECUTE_SET.match(code)
        result.append(code[execute.end():] if execute else statement)
    return result


def classify(statement: str) -> str:
    """``insert``, ``query`` (SELECT, WITH, VALUES) or ``statement`` (everything else)."""
    match = _FIRST_WORD.search(strip_comments(statement))
    word = match.group(0).upper() if match else ""
    if word == "INSERT":
        return "insert"
    if word in ("SELECT", "WITH", "VALUES"):
        return "query"
    return "statement"


def statements_from_properties(groups: PropertyGroups) -> List[str]:
    """Every statement to run, in order."""
    statements: List[str] = []
    for entry in sql_entries(groups):
        statements.extend(split_statements(entry))
    statements = unwrap_statement_sets(statements)
    if not statements:
        raise RunnerError("no SQL: the property group sql.statements holds no statement")
    return statements


def run_statements(table_env, statements: List[str], wait: bool = False):
    """Runs the statements: others in order, INSERTs as one statement set executed last.

    Everything is checked before anything runs. Returns the statement set's TableResult.
    """
    kinds = [classify(s) for s in statements]
    for number, (statement, kind) in enumerate(zip(statements, kinds), start=1):
        if kind == "query":
            raise RunnerError(
                f"statement {number} is a query, whose rows would have nowhere to go in an application: "
                f"write them to a sink table with INSERT INTO: {_preview(statement)}")
    if "insert" not in kinds:
        raise RunnerError("no INSERT statement: an application needs at least one INSERT INTO a sink table")

    statement_set = table_env.create_statement_set()
    for number, (statement, kind) in enumerate(zip(statements, kinds), start=1):
        LOG.info("statement %d (%s): %s", number, kind, _preview(statement))
        if kind == "insert":
            statement_set.add_insert_sql(statement)
        else:
            table_env.execute_sql(statement)
    result = statement_set.execute()
    if wait:
        result.wait()
    return result


def local_pipeline_jars(groups: PropertyGroups, base_dir: str) -> Optional[str]:
    """For a local run, the ``file://`` URL of the JAR named in the run options, if any."""
    jar = groups.get(RUN_OPTIONS_GROUP, {}).get("jarfile")
    if not jar:
        return None
    return "file://" + os.path.abspath(os.path.join(base_dir, jar))


def create_table_environment(groups: PropertyGroups, local: bool, base_dir: str):  # pragma: no cover - needs PyFlink
    """A streaming TableEnvironment. PyFlink is imported here, not at module load."""
    from pyflink.table import EnvironmentSettings, TableEnvironment  # pylint: disable=import-outside-toplevel

    table_env = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
    jars = local_pipeline_jars(groups, base_dir) if local else None
    if jars:
        table_env.get_config().set("pipeline.jars", jars)
    return table_env


def main() -> None:  # pragma: no cover - needs PyFlink
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    local = bool(os.environ.get(LOCAL_ENV))
    groups = load_properties(properties_path())
    statements = statements_from_properties(groups)
    LOG.info("running %d statement(s)", len(statements))
    table_env = create_table_environment(groups, local, os.path.dirname(os.path.abspath(__file__)))
    run_statements(table_env, statements, wait=local)


def _preview(sql: str, limit: int = 120) -> str:
    flat = " ".join(sql.split())
    return flat if len(flat) <= limit else flat[:limit - 3] + "..."


if __name__ == "__main__":  # pragma: no cover
    main()
