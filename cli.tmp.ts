import { run } from './src/cli/main.js';
process.exitCode = await run(['node', 'vigie', ...process.argv.slice(2)]);
