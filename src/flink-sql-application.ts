import * as fs from 'fs';
import * as path from 'path';
import { AssetHashType, DockerImage, Token } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { ApplicationCode, FlinkApplication, FlinkApplicationOptions } from './flink-application';
import { chunkString, MAX_PROPERTIES_PER_GROUP, MAX_PROPERTY_LENGTH } from './private/flink-helpers';
import { KinesisKitValidationError } from './private/validation';

/** The directory of the Python runner this library ships (`runtime/flink-sql-runner`). */
const RUNNER_DIR = path.join(__dirname, '..', 'runtime', 'flink-sql-runner');
/** The runner's entry point, at the root of the application's zip. */
const RUNNER_MAIN = 'main.py';
/** Where the connector JAR goes in the application's zip. */
const JAR_DIR = 'lib';
/** The property group (and its overflow groups) that carries the SQL. */
const STATEMENTS_GROUP = 'sql.statements';

/**
 * Properties of a `FlinkSqlApplication`.
 */
export interface FlinkSqlApplicationProps extends FlinkApplicationOptions {
  /**
   * The Flink SQL to run, in order. An entry may hold one statement or several separated by
   * semicolons (a whole script): the runner splits them, ignoring semicolons inside quotes,
   * identifiers and comments. `CREATE TABLE`, `CREATE VIEW`, `SET` and other statements run
   * in order; every `INSERT` joins one statement set, submitted as the application's single
   * job. A bare `SELECT` is an error: its rows would have nowhere to go.
   *
   * The SQL travels in the runtime property group `sql.statements` (more groups
   * `sql.statements.<n>` past 50 entries), an entry longer than a property value
   * (2,048 characters) split across keys `statement.<i>.<part>`, so it can hold tokens such as
   * `stream.streamArn`. A token counts as 256 characters towards the split.
   */
  readonly statements: string[];

  /**
   * A local path to the connector JAR the SQL needs, such as `flink-sql-connector-kinesis`
   * (`org.apache.flink:flink-sql-connector-kinesis:5.0.0-1.20` for Flink 1.20, from Maven
   * Central). It is copied into the application's zip next to the runner at synth (no Docker
   * needed), as Managed Service for Apache Flink requires of a Python application; the service
   * takes one JAR, so build an uber-JAR to combine connectors. A JAR kept in S3 must be
   * downloaded by the build first.
   *
   * @default - no JAR: only the connectors built into the runtime (such as `filesystem`,
   * `datagen` and `print`) are available
   */
  readonly connectorJar?: string;
}

/**
 * Runs Flink SQL on Managed Service for Apache Flink: the successor of Kinesis Data Analytics
 * for SQL, whose applications can no longer be created.
 *
 * It is a `FlinkApplication` running a small Python (PyFlink) runner this library ships in
 * `runtime/flink-sql-runner/main.py`. The runner reads the statements from the application's
 * runtime properties, runs the DDL in order and submits every `INSERT` as one statement set.
 * Sources and sinks are wired as for any `FlinkApplication` (`addSource`, `addSink`, ...), with
 * their grants; their names and ARNs can go straight into the SQL as tokens.
 *
 * @example
 * const sql = new FlinkSqlApplication(this, 'Counts', {
 *   runtime: FlinkRuntime.FLINK_1_20,
 *   connectorJar: 'jars/flink-sql-connector-kinesis-5.0.0-1.20.jar',
 *   statements: [
 *     `CREATE TABLE orders (...) WITH ('connector' = 'kinesis', 'stream.arn' = '${orders.streamArn}', ...)`,
 *     `CREATE TABLE counts (...) WITH ('connector' = 'kinesis', 'stream.arn' = '${counts.streamArn}', ...)`,
 *     'INSERT INTO counts SELECT ... FROM TABLE(TUMBLE(TABLE orders, DESCRIPTOR(ts), INTERVAL \'1\' MINUTE)) GROUP BY ...',
 *   ],
 * });
 * sql.addSource(orders);
 * sql.addSink(counts);
 */
export class FlinkSqlApplication extends FlinkApplication {
  /**
   * The number of SQL entries passed to the runner.
   */
  public readonly statementCount: number;

  constructor(scope: Construct, id: string, props: FlinkSqlApplicationProps) {
    const where = scope.node.path ? `${scope.node.path}/${id}` : id;
    const groups = statementGroups(where, props.statements);
    const jar = props.connectorJar === undefined ? undefined : checkConnectorJar(where, props.connectorJar);
    super(scope, id, {
      ...props,
      code: runnerCode(jar),
      python: {
        mainFile: RUNNER_MAIN,
        jarFile: jar ? `${JAR_DIR}/${path.basename(jar)}` : undefined,
      },
    });
    this.statementCount = props.statements.length;
    for (const [groupId, properties] of groups) {
      this.addPropertyGroup(groupId, properties);
    }
  }
}

/**
 * The property groups that carry the statements: keys `statement.<i>` for the first chunk of
 * entry i and `statement.<i>.<part>` for the next ones, 50 keys per group.
 */
function statementGroups(where: string, statements: string[]): Array<[string, { [key: string]: string }]> {
  if (statements.length === 0) {
    throw new KinesisKitValidationError(where, 'statements must hold at least 1 statement, got 0');
  }
  const entries: Array<[string, string]> = [];
  statements.forEach((statement, i) => {
    if (!Token.isUnresolved(statement) && statement.trim().length === 0) {
      throw new KinesisKitValidationError(where, `statements[${i}] must hold SQL, got an empty string`);
    }
    chunkString(statement, MAX_PROPERTY_LENGTH).forEach((chunk, part) => {
      const index = String(i).padStart(3, '0');
      entries.push([part === 0 ? `statement.${index}` : `statement.${index}.${String(part).padStart(3, '0')}`, chunk]);
    });
  });
  const groups: Array<[string, { [key: string]: string }]> = [];
  for (let start = 0; start < entries.length; start += MAX_PROPERTIES_PER_GROUP) {
    const n = start / MAX_PROPERTIES_PER_GROUP;
    groups.push([n === 0 ? STATEMENTS_GROUP : `${STATEMENTS_GROUP}.${n}`,
      Object.fromEntries(entries.slice(start, start + MAX_PROPERTIES_PER_GROUP))]);
  }
  return groups;
}

/** Fails unless the connector JAR is an existing `.jar` file; returns its absolute path. */
function checkConnectorJar(where: string, jar: string): string {
  const absolute = path.resolve(jar);
  if (!jar.endsWith('.jar') || !fs.existsSync(absolute) || !fs.statSync(absolute).isFile()) {
    throw new KinesisKitValidationError(where,
      `connectorJar must be the path of a local .jar file, got '${jar}' (${fs.existsSync(absolute) ? 'not a .jar file' : 'no such file'})`);
  }
  return absolute;
}

/**
 * The application's zip: the runner, and the JAR under `lib/`. Bundled locally by copying
 * files, so that no Docker is needed; hashed on the output, so that a new JAR is a new asset.
 */
function runnerCode(jar: string | undefined): ApplicationCode {
  return ApplicationCode.fromAsset(RUNNER_DIR, {
    exclude: ['__pycache__', '*.pyc'],
    assetHashType: AssetHashType.OUTPUT,
    bundling: {
      // Never pulled: local bundling always succeeds, so synth needs no Docker.
      image: DockerImage.fromRegistry('none'),
      local: {
        tryBundle(outputDir: string): boolean {
          fs.copyFileSync(path.join(RUNNER_DIR, RUNNER_MAIN), path.join(outputDir, RUNNER_MAIN));
          if (jar) {
            fs.mkdirSync(path.join(outputDir, JAR_DIR), { recursive: true });
            fs.copyFileSync(jar, path.join(outputDir, JAR_DIR, path.basename(jar)));
          }
          return true;
        },
      },
    },
  });
}
