#!/usr/bin/env node
// Committed entry point: npm links this file as the `latchkey` command at install time,
// before the TypeScript build has produced dist/.
import "../dist/bin.js";
