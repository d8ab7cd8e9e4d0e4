/** The kiln binary's entry point; see run.ts. */
import { main } from './run.js';

// Set the exit code rather than exiting, so piped stdout drains first.
process.exitCode = await main(process.argv.slice(2));
