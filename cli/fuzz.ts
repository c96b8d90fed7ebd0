/**
 * `npm run fuzz -- [--seconds N] [--seed S] [--concurrency C] [--url http://host:port] [--skip kind,kind]`: the route
 * fuzzer for longer than the test's bounded run. Without --url it starts its own node with every
 * service (as `npm start` would, embedded PGlite, or DATABASE_URL when set). Prints what it found,
 * grouped; exits 1 when it found anything, 2 on bad usage.
 */
import { parseArgs } from "node:util";
import { declaredResponses, fuzzCallers, startFuzzNode } from "../test/fuzz/fuzz-node.ts";
import { fuzzRoutes } from "../test/fuzz/route-fuzzer.ts";

let args;
try {
	args = parseArgs({ options: { seconds: { type: "string", default: "300" }, seed: { type: "string" }, concurrency: { type: "string", default: "4" }, url: { type: "string" }, skip: { type: "string" } } }).values;
} catch (err) {
	process.stderr.write(`fuzz: ${err instanceof Error ? err.message : String(err)}\n`);
	process.exit(2);
}
const seconds = Number(args.seconds);
const concurrency = Number(args.concurrency);
if (!Number.isFinite(seconds) || seconds <= 0 || !Number.isInteger(concurrency) || concurrency < 1) {
	process.stderr.write("fuzz: --seconds must be a positive number and --concurrency a positive whole number\n");
	process.exit(2);
}

const own = args.url ? undefined : await startFuzzNode(process.env.DATABASE_URL);
const baseUrl = args.url ?? own?.baseUrl ?? "";
try {
	process.stdout.write(`fuzzing ${baseUrl} for ${seconds} s\n`);
	const report = await fuzzRoutes({
		baseUrl,
		callers: fuzzCallers(own?.env ?? process.env),
		seconds,
		concurrency,
		...(args.skip ? { skipKinds: args.skip.split(",") } : {}),
		...(args.seed !== undefined ? { seed: Number(args.seed) } : {}),
		responseOf: await declaredResponses()
	});
	process.stdout.write(`seed ${report.seed}: ${report.requests} requests over ${report.routes} routes\nstatuses ${JSON.stringify(report.byStatus)}\nkinds ${JSON.stringify(report.byKind)}\n`);
	process.stdout.write(`node healthy at the end: ${report.healthyAtEnd}${own ? `, alive: ${own.node.alive}` : ""}\n`);
	for (const line of report.summary) process.stdout.write(`FOUND ${line}\n`);
	if (own && !own.node.alive) process.stdout.write(`the node died; its last output:\n${own.node.output().slice(-6_000)}\n`);
	process.exitCode = report.summary.length === 0 && report.healthyAtEnd && (own?.node.alive ?? true) ? 0 : 1;
} finally {
	await own?.node.kill();
}
