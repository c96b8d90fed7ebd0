/**
 * `npm run restore -- FILE [--force]`: a backup into an empty database; the program is cli/restore.ts.
 * Every file in bin/ parses on any Node (a CommonJS scope from bin/package.json, no type syntax), so
 * a Node older than 24 gets one line saying what to run instead of a stack trace
 * (docs/decisions/0031-first-start-on-an-older-node.md).
 */
if (Number(process.versions.node.split(".")[0]) < 24) {
	process.stderr.write(`openpolicy: this is Node ${process.version}; the platform needs Node 24. Run \`npm run restore -- FILE\`, which brings Node 24 (or first \`. scripts/ensure-node.sh\`).\n`);
	process.exitCode = 2;
} else void import("../cli/restore.ts");
