import { awscdk, javascript, JsonFile } from 'projen';

const CDK_VERSION = '2.276.0';

const project = new awscdk.AwsCdkConstructLibrary({
  name: 'cdk-kinesis-kit',
  description: 'AWS CDK constructs for a whole Amazon Kinesis streaming platform: streams sized from throughput, consumers, Firehose delivery, analytics, a shard autoscaler and monitoring.',
  author: 'cdk-kinesis-kit contributors',
  authorAddress: 'maintainers@cdk-kinesis-kit.dev',
  repositoryUrl: 'https://github.com/cdk-kinesis-kit/cdk-kinesis-kit.git',
  keywords: ['cdk', 'aws-cdk', 'kinesis', 'streaming', 'autoscaling', 'firehose'],
  license: 'Apache-2.0',
  defaultReleaseBranch: 'main',
  packageManager: javascript.NodePackageManager.NPM,
  projenrcTs: true,

  cdkVersion: CDK_VERSION,
  cdkVersionPinning: false,
  constructsVersion: '10.5.1',
  jsiiVersion: '~6.0.0',

  // jsii targets. The registries behind them are not reachable from the build machines, so the
  // build checks them with `jsii-pacmak --code-only` (task `verify:targets`).
  publishToPypi: {
    distName: 'cdk-kinesis-kit',
    module: 'cdk_kinesis_kit',
  },
  publishToMaven: {
    javaPackage: 'io.github.cdkkinesiskit',
    mavenGroupId: 'io.github.cdk-kinesis-kit',
    mavenArtifactId: 'cdk-kinesis-kit',
  },
  publishToNuget: {
    dotNetNamespace: 'CdkKinesisKit',
    packageId: 'CdkKinesisKit',
  },
  publishToGo: {
    moduleName: 'github.com/cdk-kinesis-kit/cdk-kinesis-kit-go',
  },

  devDeps: [
    'cdk-nag@^3.0.2',
    'aws-cdk@2.1148.1',
    'esbuild@^0.28.2',
    '@aws-sdk/client-kinesis@^3',
    '@aws-sdk/client-cloudwatch@^3',
    '@aws-sdk/client-dynamodb@^3',
    '@smithy/node-http-handler@^4',
    'aws-sdk-client-mock@^4.1.0',
    'kinesis-local@0.6.2',
    '@types/aws-lambda@^8',
    // Mutation testing of the autoscaler's handler and policy (`mutation`). 9.x: 10.x needs Node 22.
    '@stryker-mutator/core@~9.6.1',
    '@stryker-mutator/jest-runner@~9.6.1',
  ],

  // Snapshots never update silently: `test` runs jest with --ci, `test:update` rewrites them.
  jestOptions: {
    updateSnapshot: javascript.UpdateSnapshot.NEVER,
    jestConfig: {
      snapshotSerializers: ['<rootDir>/test/setup/asset-hash-serializer.ts'],
      testTimeout: 60_000,
      testMatch: ['<rootDir>/test/**/*.test.ts'],
    },
  },
  eslintOptions: {
    dirs: ['src'],
    devdirs: ['test', 'lambda', 'bench', 'examples', 'projenrc', '.projenrc.ts'],
  },

  gitignore: ['/assets/', 'cdk.out/', '/bench/results/tmp/', '.jsii-verify/', '/reports/', '.stryker-tmp/'],
  npmignoreEnabled: true,
  npmIgnoreOptions: {
    ignorePatterns: ['/lambda/', '/bench/', '/examples/', 'cdk.out/', '/.ci/', '/.jsii-verify/', '/reports/', '.stryker-tmp/', '/stryker.config.json'],
  },
  githubOptions: { mergify: false },
  release: false,
  depsUpgrade: false,
  buildWorkflow: false,
  pullRequestTemplate: false,
});

// A build that changes a tracked file is a failed build: fail on jsii warnings too.
project.compileTask.reset('jsii --fail-on-warnings --silence-warnings=reserved-word');

// Lambda handlers: TypeScript in lambda/, bundled by esbuild into assets/, which ships in the
// npm package so users never need esbuild or Docker at their own synth.
const HANDLERS = ['autoscaler'];
const bundle = project.addTask('bundle', {
  description: 'Bundle the Lambda handlers in lambda/ into assets/ with esbuild',
});
for (const handler of HANDLERS) {
  bundle.exec([
    'esbuild',
    `lambda/${handler}/index.ts`,
    '--bundle',
    '--platform=node',
    '--target=node22',
    '--minify',
    '--legal-comments=none',
    `--outfile=assets/${handler}/index.js`,
  ].join(' '));
}
project.preCompileTask.spawn(bundle);
// The construct tests synthesize the autoscaler's function from assets/, so `projen test` bundles
// first: it then works on a fresh clone without a build.
project.testTask.prependSpawn(bundle);
project.tasks.tryFind('test:update')?.prependSpawn(bundle);
project.npmignore?.addPatterns('!/assets/');
// The Flink SQL runner ships in the package: FlinkSqlApplication zips it at synth.
project.npmignore?.addPatterns('!/runtime/', '__pycache__/', '*.pyc');
project.gitignore.addPatterns('__pycache__/', '*.pyc');

// The four language targets cannot be built offline, but their generated code can: this checks
// that every public type maps to Python, Java, .NET and Go.
const verifyTargets = project.addTask('verify:targets', {
  description: 'Generate the Python, Java, .NET and Go bindings (code only) to prove the API maps to every jsii target',
});
verifyTargets.exec('rm -rf .jsii-verify');
verifyTargets.exec('jsii-pacmak --code-only --outdir .jsii-verify --target python --target java --target dotnet --target go');
verifyTargets.exec('rm -rf .jsii-verify');
project.postCompileTask.spawn(verifyTargets);

// `package` makes the npm package only: the Maven, NuGet, PyPI and Go toolchains' registries are
// out of reach here, so `package-all` is for release machines. `verify:targets` covers the rest.
project.packageTask.reset();
project.packageTask.spawn(project.tasks.tryFind('package:js')!);

// The main job: synthesize the example app with no AWS account, then print each stack's resources.
const synthExample = project.addTask('synth:example', {
  description: 'Synthesize the example app in examples/ into cdk.out and summarize each stack',
});
synthExample.spawn(bundle);
synthExample.exec('cdk synth --quiet --app "ts-node --prefer-ts-exts --project examples/tsconfig.json examples/app.ts" --output cdk.out');
synthExample.exec('ts-node --project examples/tsconfig.json examples/summarize.ts cdk.out');

// Type-checking configs for the example app, the benchmark (both run under ts-node) and the
// Lambda handlers (bundled by esbuild); eslint finds each file's project through them.
for (const dir of ['examples', 'bench', 'lambda']) {
  new JsonFile(project, `${dir}/tsconfig.json`, {
    obj: {
      extends: '../tsconfig.json',
      compilerOptions: { rootDir: '..', noEmit: true, noUnusedLocals: false },
      include: ['**/*.ts'],
    },
  });
}

project.addTask('bench', {
  description: 'Run the autoscaler benchmark on generated traces; writes bench/results/',
  exec: 'ts-node --project bench/tsconfig.json bench/autoscaler.ts',
  receiveArgs: true,
});

project.addTask('bench:unseen', {
  description: 'Run the autoscaler benchmark on traces the defaults were not tuned on; prints a table',
  exec: 'ts-node --project bench/tsconfig.json bench/unseen.ts',
  receiveArgs: true,
});

project.addTask('bench:bursty', {
  description: 'Run the autoscaler benchmark on random diurnal traces with heavy bursts; prints a table and a summary',
  exec: 'ts-node --project bench/tsconfig.json bench/bursty.ts',
  receiveArgs: true,
});

// Mutation testing of the autoscaler's Lambda: Stryker changes the handler and the policy one
// mutant at a time and runs the tests that cover each change; a mutant no test fails survives.
// It prints the score and each survivor, and writes reports/mutation/mutation.{html,json}. Not
// part of `test`: it takes about twenty minutes on two cores. Extra arguments go to `stryker run`, e.g.
// `npx projen mutation --mutate lambda/autoscaler/policy.ts`.
new JsonFile(project, 'stryker.config.json', {
  obj: {
    $schema: './node_modules/@stryker-mutator/core/schema/stryker-schema.json',
    testRunner: 'jest',
    coverageAnalysis: 'perTest',
    mutate: ['lambda/autoscaler/policy.ts', 'lambda/autoscaler/handler.ts'],
    jest: {
      configFile: 'package.json',
      config: {
        collectCoverage: false,
        // The handler's and the policy's own tests, against mocks. The kinesis-local suite starts
        // a server for every mutant it covers, and the benchmark's tests simulate weeks of
        // traffic: with either, a run takes hours, not minutes.
        testMatch: ['<rootDir>/test/lambda/autoscaler/policy.test.ts', '<rootDir>/test/lambda/autoscaler/handler.test.ts'],
      },
    },
    reporters: ['clear-text', 'progress', 'html', 'json'],
    timeoutMS: 20000,
    thresholds: { high: 95, low: 85, break: null },
  },
});
project.addTask('mutation', {
  description: 'Mutation-test the autoscaler\'s handler and policy with Stryker; prints the score and the survivors (about an hour)',
  exec: 'stryker run',
  receiveArgs: true,
});

project.synth();
