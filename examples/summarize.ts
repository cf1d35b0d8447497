import * as fs from 'fs';
import * as path from 'path';

// Prints each stack of a cloud assembly with its resource counts by type.
const outdir = process.argv[2] ?? 'cdk.out';
const manifest = JSON.parse(fs.readFileSync(path.join(outdir, 'manifest.json'), 'utf-8'));

for (const [name, artifact] of Object.entries<any>(manifest.artifacts ?? {})) {
  if (artifact.type !== 'aws:cloudformation:stack') {
    continue;
  }
  const template = JSON.parse(fs.readFileSync(path.join(outdir, artifact.properties.templateFile), 'utf-8'));
  const counts = new Map<string, number>();
  for (const resource of Object.values<any>(template.Resources ?? {})) {
    counts.set(resource.Type, (counts.get(resource.Type) ?? 0) + 1);
  }
  const total = [...counts.values()].reduce((a, b) => a + b, 0);
  console.log(`${name} (${artifact.properties.templateFile}): ${total} resources`);
  for (const [type, count] of [...counts.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    console.log(`  ${String(count).padStart(4)}  ${type}`);
  }
}
