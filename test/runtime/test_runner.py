"""Unit tests of the Flink SQL runner (runtime/flink-sql-runner/main.py), without PyFlink.

Run from the repository root: python3 -m unittest discover -s test/runtime -p 'test_*.py'
"""

import json
import os
import sys
import tempfile
import unittest
from unittest import mock

RUNNER_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "runtime", "flink-sql-runner")
sys.path.insert(0, os.path.abspath(RUNNER_DIR))

import main as runner  # noqa: E402  pylint: disable=wrong-import-position


class FakeResult:
    def __init__(self, calls):
        self.calls = calls

    def wait(self):
        self.calls.append(("wait",))


class FakeStatementSet:
    def __init__(self, calls):
        self.calls = calls

    def add_insert_sql(self, sql):
        self.calls.append(("add_insert_sql", sql))

    def execute(self):
        self.calls.append(("execute_statement_set",))
        return FakeResult(self.calls)


class FakeTableEnvironment:
    """Records every call, in order."""

    def __init__(self):
        self.calls = []

    def execute_sql(self, sql):
        self.calls.append(("execute_sql", sql))

    def create_statement_set(self):
        self.calls.append(("create_statement_set",))
        return FakeStatementSet(self.calls)


def write_properties(groups):
    handle = tempfile.NamedTemporaryFile("w", suffix=".json", delete=False, encoding="utf-8")
    json.dump([{"PropertyGroupId": gid, "PropertyMap": props} for gid, props in groups.items()], handle)
    handle.close()
    return handle.name


class SplitStatementsTest(unittest.TestCase):
    def test_splits_on_semicolons(self):
        self.assertEqual(
            runner.split_statements("CREATE TABLE a (x INT); INSERT INTO b SELECT * FROM a;"),
            ["CREATE TABLE a (x INT)", "INSERT INTO b SELECT * FROM a"])

    def test_last_statement_needs_no_semicolon(self):
        self.assertEqual(runner.split_statements("SET 'a' = 'b'; INSERT INTO t VALUES (1)"),
                         ["SET 'a' = 'b'", "INSERT INTO t VALUES (1)"])

    def test_semicolon_inside_single_quotes_does_not_split(self):
        sql = "INSERT INTO t SELECT 'a;b', 'it''s; fine' FROM s"
        self.assertEqual(runner.split_statements(sql + ";"), [sql])

    def test_semicolon_inside_identifiers_does_not_split(self):
        sql = 'SELECT `we;ird`, "odd;name", `a``b;c` FROM t'
        self.assertEqual(runner.split_statements(sql), [sql])

    def test_semicolon_inside_comments_does_not_split(self):
        script = "-- setup; not a statement\nCREATE TABLE a (x INT) /* one; two */;\nINSERT INTO b SELECT x FROM a; -- done;"
        self.assertEqual(runner.split_statements(script), [
            "-- setup; not a statement\nCREATE TABLE a (x INT) /* one; two */",
            "INSERT INTO b SELECT x FROM a",
        ])

    def test_comment_markers_inside_quotes_are_text(self):
        sql = "INSERT INTO t SELECT '-- not a comment;', '/* nor this; */' FROM s"
        self.assertEqual(runner.split_statements(sql + ";\n"), [sql])

    def test_empty_statements_and_comment_only_pieces_are_dropped(self):
        self.assertEqual(runner.split_statements(";;  ;\n-- only a comment\n;/* x */;"), [])

    def test_optimizer_hints_stay_in_the_statement(self):
        sql = "INSERT INTO t SELECT /*+ OPTIONS('scan.startup.mode'='latest-offset') */ * FROM s"
        self.assertEqual(runner.split_statements(sql + ";"), [sql])

    def test_unterminated_quote_fails(self):
        with self.assertRaisesRegex(runner.RunnerError, "unterminated ' quote"):
            runner.split_statements("SELECT 'oops FROM t;")

    def test_unterminated_block_comment_fails(self):
        with self.assertRaisesRegex(runner.RunnerError, r"unterminated /\* comment"):
            runner.split_statements("SELECT 1 /* oops")


class ClassifyTest(unittest.TestCase):
    def test_kinds(self):
        self.assertEqual(runner.classify("insert into t select 1"), "insert")
        self.assertEqual(runner.classify("-- lead\n/* c */ INSERT OVERWRITE t SELECT 1"), "insert")
        self.assertEqual(runner.classify("SELECT * FROM t"), "query")
        self.assertEqual(runner.classify("WITH x AS (SELECT 1) SELECT * FROM x"), "query")
        self.assertEqual(runner.classify("CREATE TABLE t (x INT)"), "statement")
        self.assertEqual(runner.classify("SET 'table.exec.state.ttl' = '1 h'"), "statement")


class PropertiesTest(unittest.TestCase):
    def test_load_properties_reads_the_service_format(self):
        path = write_properties({"sql.statements": {"statement.000": "SELECT 1"}, "other": {"k": "v"}})
        self.addCleanup(os.unlink, path)
        self.assertEqual(runner.load_properties(path),
                         {"sql.statements": {"statement.000": "SELECT 1"}, "other": {"k": "v"}})

    def test_load_properties_rejects_another_shape(self):
        handle = tempfile.NamedTemporaryFile("w", suffix=".json", delete=False)
        json.dump({"sql.statements": {}}, handle)
        handle.close()
        self.addCleanup(os.unlink, handle.name)
        with self.assertRaisesRegex(runner.RunnerError, "expected a JSON list"):
            runner.load_properties(handle.name)

    def test_properties_path_defaults_to_the_service_path_and_can_be_overridden(self):
        with mock.patch.dict(os.environ, {}, clear=True):
            self.assertEqual(runner.properties_path(), "/etc/flink/application_properties.json")
        with mock.patch.dict(os.environ, {"FLINK_SQL_RUNNER_PROPERTIES": "/tmp/p.json"}):
            self.assertEqual(runner.properties_path(), "/tmp/p.json")

    def test_entries_are_ordered_and_chunks_joined_across_groups(self):
        groups = {
            "sql.statements.1": {"statement.010": "INSERT INTO b SELECT * FROM a"},
            "sql.statements": {
                "statement.001.001": "x INT)",
                "statement.000": "SET 'a' = 'b'",
                "statement.001": "CREATE TABLE a (",
                "statement.001.002": " WITH ('connector' = 'datagen')",
            },
            "kinesis.source.0": {"stream.name": "orders"},
        }
        self.assertEqual(runner.sql_entries(groups), [
            "SET 'a' = 'b'",
            "CREATE TABLE a (x INT) WITH ('connector' = 'datagen')",
            "INSERT INTO b SELECT * FROM a",
        ])

    def test_a_missing_chunk_fails(self):
        with self.assertRaisesRegex(runner.RunnerError, r"statement 0 is missing part\(s\) \[1\]"):
            runner.sql_entries({"sql.statements": {"statement.000": "a", "statement.000.002": "c"}})

    def test_an_unexpected_key_fails(self):
        with self.assertRaisesRegex(runner.RunnerError, "got 'sql'"):
            runner.sql_entries({"sql.statements": {"sql": "SELECT 1"}})

    def test_statements_from_properties_splits_entries_and_unwraps_statement_sets(self):
        groups = {"sql.statements": {
            "statement.000": "CREATE TABLE a (x INT); CREATE TABLE b (x INT);",
            "statement.001": "BEGIN STATEMENT SET; INSERT INTO b SELECT x FROM a; END;",
            "statement.002": "EXECUTE STATEMENT SET BEGIN INSERT INTO b SELECT x + 1 FROM a; INSERT INTO b SELECT 0 FROM a; END;",
        }}
        self.assertEqual(runner.statements_from_properties(groups), [
            "CREATE TABLE a (x INT)",
            "CREATE TABLE b (x INT)",
            "INSERT INTO b SELECT x FROM a",
            "INSERT INTO b SELECT x + 1 FROM a",
            "INSERT INTO b SELECT 0 FROM a",
        ])

    def test_no_sql_fails(self):
        with self.assertRaisesRegex(runner.RunnerError, "no SQL"):
            runner.statements_from_properties({"sql.statements": {"statement.000": "-- nothing;"}})

    def test_local_pipeline_jars_points_at_the_run_options_jar(self):
        groups = {"kinesis.analytics.flink.run.options": {"python": "main.py", "jarfile": "lib/c.jar"}}
        self.assertEqual(runner.local_pipeline_jars(groups, "/app"), "file:///app/lib/c.jar")
        self.assertIsNone(runner.local_pipeline_jars({}, "/app"))


class RunStatementsTest(unittest.TestCase):
    def test_ddl_runs_in_order_and_inserts_join_one_statement_set(self):
        env = FakeTableEnvironment()
        runner.run_statements(env, [
            "CREATE TABLE a (x INT)",
            "INSERT INTO b SELECT x FROM a",
            "CREATE VIEW v AS SELECT x FROM a",
            "INSERT INTO c SELECT x FROM v",
        ])
        self.assertEqual(env.calls, [
            ("create_statement_set",),
            ("execute_sql", "CREATE TABLE a (x INT)"),
            ("add_insert_sql", "INSERT INTO b SELECT x FROM a"),
            ("execute_sql", "CREATE VIEW v AS SELECT x FROM a"),
            ("add_insert_sql", "INSERT INTO c SELECT x FROM v"),
            ("execute_statement_set",),
        ])

    def test_wait_waits_for_the_job(self):
        env = FakeTableEnvironment()
        runner.run_statements(env, ["INSERT INTO b SELECT 1"], wait=True)
        self.assertEqual(env.calls[-1], ("wait",))

    def test_a_query_fails_before_anything_runs(self):
        env = FakeTableEnvironment()
        with self.assertRaisesRegex(runner.RunnerError, "statement 2 is a query"):
            runner.run_statements(env, ["CREATE TABLE a (x INT)", "SELECT * FROM a", "INSERT INTO b SELECT 1"])
        self.assertEqual(env.calls, [])

    def test_no_insert_fails_before_anything_runs(self):
        env = FakeTableEnvironment()
        with self.assertRaisesRegex(runner.RunnerError, "no INSERT statement"):
            runner.run_statements(env, ["CREATE TABLE a (x INT)"])
        self.assertEqual(env.calls, [])

    def test_end_to_end_from_a_properties_file(self):
        path = write_properties({
            "kinesis.analytics.flink.run.options": {"python": "main.py", "jarfile": "lib/c.jar"},
            "sql.statements": {
                "statement.000": "CREATE TABLE src (x INT) WITH ('connector' = 'datagen'); "
                                 "CREATE TABLE dst (x INT) WITH ('connector' = 'print');",
                "statement.001": "INSERT INTO dst SELECT x FROM src; -- the job",
            },
        })
        self.addCleanup(os.unlink, path)
        env = FakeTableEnvironment()
        with mock.patch.dict(os.environ, {"FLINK_SQL_RUNNER_PROPERTIES": path}):
            statements = runner.statements_from_properties(runner.load_properties(runner.properties_path()))
        runner.run_statements(env, statements)
        self.assertEqual([c[0] for c in env.calls],
                         ["create_statement_set", "execute_sql", "execute_sql", "add_insert_sql", "execute_statement_set"])
        self.assertEqual(env.calls[3], ("add_insert_sql", "INSERT INTO dst SELECT x FROM src"))


class ModuleTest(unittest.TestCase):
    def test_the_module_imports_without_pyflink(self):
        self.assertNotIn("pyflink", sys.modules)


if __name__ == "__main__":
    unittest.main()
