#!/usr/bin/env node
// The `playground` command. The project runs its TypeScript directly through tsx (no build step for the server).
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../playground-server/cli.ts');
process.exitCode = await main(process.argv.slice(2));
