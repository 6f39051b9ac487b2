// Policy dry run: `npm run decide -- --policy <dir or bundle> <facts.json>` prints the decision as JSON,
// so an admin can see what a policy change does to a scenario before pushing it.
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { decide, FactsSchema } from '../src/decide';
import { formatIssues } from '../src/policy/bundle';
import { loadPolicy } from '../src/policy/files';

const usage = 'usage: npm run decide -- --policy <policies dir or bundle.json> <facts.json>';

async function main(): Promise<number> {
  let values: { policy?: string | undefined };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      options: { policy: { type: 'string' } },
      allowPositionals: true,
    }));
  } catch (error) {
    console.error(`${(error as Error).message}\n${usage}`);
    return 2;
  }
  const factsPath = positionals[0];
  if (!factsPath || positionals.length > 1) {
    console.error(usage);
    return 2;
  }
  const loaded = await loadPolicy(values.policy ?? 'policies');
  if (!loaded.ok) {
    console.error(`policy rejected (nothing applied):\n  ${loaded.errors.join('\n  ')}`);
    return 1;
  }
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(factsPath, 'utf8'));
  } catch (error) {
    console.error(`${factsPath}: ${(error as Error).message}`);
    return 1;
  }
  const facts = FactsSchema.safeParse(raw);
  if (!facts.success) {
    console.error(`facts rejected:\n  ${formatIssues(facts.error).join('\n  ')}`);
    return 1;
  }
  // Outcome first: it is what an admin looks for.
  const { outcome, ...rest } = decide(loaded.value, facts.data);
  console.log(JSON.stringify({ outcome, ...rest }, null, 2));
  return 0;
}

process.exitCode = await main();
