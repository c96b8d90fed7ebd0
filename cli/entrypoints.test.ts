/**
 * The first start on a machine whose Node is older than 24: every npm script brings Node 24
 * through scripts/with-node.sh, and every bin/ entrypoint run on an old Node answers with one line.
 * The old Node is a stand-in `process` in a vm context, because the Node running the tests is 24;
 * the script still goes through V8 as plain JavaScript, which is how Node 20 reads a .ts file in
 * bin/'s CommonJS scope, so a type annotation slipping into a guard fails here.
 */
import fs from "node:fs";
import path from "node:path";
import vm from "node:vm";
import { describe, expect, it } from "vitest";

const ROOT = path.join(import.meta.dirname, "..");
const BIN = path.join(ROOT, "bin");
const entrypoints = fs.readdirSync(BIN).filter((file) => file.endsWith(".ts"));

interface GuardRun {
	stderr: string;
	exitCode: number | undefined;
}

function runOn(nodeVersion: string, file: string): GuardRun {
	let stderr = "";
	const oldProcess = {
		version: `v${nodeVersion}`,
		versions: { node: nodeVersion },
		exitCode: undefined as number | undefined,
		stderr: { write: (text: string): boolean => ((stderr += text), true) }
	};
	new vm.Script(fs.readFileSync(path.join(BIN, file), "utf8"), { filename: file }).runInContext(vm.createContext({ process: oldProcess }));
	return { stderr, exitCode: oldProcess.exitCode };
}

describe("bin/ entrypoints on a Node older than 24", () => {
	it("are all guards in a CommonJS scope, each handing over to its program in cli/", () => {
		expect(JSON.parse(fs.readFileSync(path.join(BIN, "package.json"), "utf8"))).toMatchObject({ type: "commonjs" });
		expect(entrypoints).toEqual(expect.arrayContaining(["node.ts", "repl.ts", "etl.ts", "migrate.ts"]));
		for (const file of entrypoints) {
			expect(fs.readFileSync(path.join(BIN, file), "utf8")).toContain(`import("../cli/${file}")`);
			expect(fs.existsSync(path.join(ROOT, "cli", file)), `cli/${file}`).toBe(true);
		}
	});

	it.each(entrypoints)("%s says in one line which npm command brings Node 24, with exit code 2", (file) => {
		const run = runOn("20.20.2", file);
		expect(run.exitCode).toBe(2);
		expect(run.stderr).toMatch(/^openpolicy: this is Node v20\.20\.2; the platform needs Node 24\. Run `npm (start|run \w+)[^`]*`, which brings Node 24[^\n]*\n$/);
	});
});

describe("npm scripts", () => {
	const scripts = (JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts;

	it("all run through scripts/with-node.sh, so they bring Node 24 themselves", () => {
		expect(Object.keys(scripts)).toEqual(expect.arrayContaining(["start", "test", "node", "repl", "etl", "migrate", "bench"]));
		// Each step of a script is a shell script that needs no Node (starting NATS, PostgreSQL and
		// Redis, installing the programs the tests drive), another npm script, or a Node command
		// through the launcher.
		expect(scripts.pretest).toMatch(/^bash scripts\/ensure-services\.sh && bash scripts\/ensure-test-tools\.sh && /);
		for (const [name, command] of Object.entries(scripts)) {
			for (const step of command.split(" && ")) expect(step, name).toMatch(/^(sh scripts\/with-node\.sh |bash scripts\/[\w-]+\.sh$|npm run [\w:-]+$)/);
		}
	});

	it("start a bin/ entrypoint where they start a platform program", () => {
		for (const name of ["start", "node", "repl", "etl", "migrate"]) expect(scripts[name]).toMatch(/ node bin\/\w+\.ts$/);
	});
});
