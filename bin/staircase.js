#!/usr/bin/env node
// The installed `staircase` command: the compiled CLI (run `npm run build` first when working from a clone;
// inside the repository `npm run staircase -- <command>` runs the sources directly).
await import('../dist/cli/main.js');
