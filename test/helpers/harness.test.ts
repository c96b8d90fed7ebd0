/**
 * The harness's own promises, so a cluster test that fails points at the platform, not the harness:
 * waits fail with what they saw, children are captured and always cleaned up, fixture names are
 * checked, and the private NATS server restarts on its port.
 */
import { afterAll, describe, expect, it } from "vitest";
import { ManagedChild, PrivateNatsServer, SHARED_NATS_URL, holdsFor, portAccepts, randomNamespace, spawnNode, waitFor } from "./cluster.ts";

const children: ManagedChild[] = [];
function child(script: string): ManagedChild {
	const c = new ManagedChild({ name: "probe", command: process.execPath, args: ["-e", script], env: process.env });
	children.push(c);
	return c;
}

afterAll(async () => {
	await Promise.all(children.map((c) => c.kill()));
});

describe("waitFor and holdsFor", () => {
	it("resolves with the first truthy value", async () => {
		let n = 0;
		await expect(waitFor(() => (++n >= 3 ? n : false), { intervalMs: 1 })).resolves.toBe(3);
	});

	it("fails after the deadline, saying what it waited for and what it saw", async () => {
		await expect(
			waitFor(
				() => {
					throw new Error("still booting");
				},
				{ timeoutMs: 100, message: "the moon" }
			)
		).rejects.toThrow(/Timed out after 100 ms waiting for the moon \(last error: still booting\)/);
	});

	it("holdsFor fails as soon as the condition stops holding", async () => {
		let n = 0;
		await expect(holdsFor(() => ++n < 3, { forMs: 5_000, intervalMs: 1, message: "n below 3" })).rejects.toThrow(/n below 3/);
		expect(n).toBe(3);
	});
});

describe("ManagedChild", () => {
	it("captures stdout and stderr and the exit code", async () => {
		const c = child("process.stdout.write('out-line\\n'); process.stderr.write('err-line\\n'); process.exitCode = 3;");
		expect(await c.waitForExit()).toEqual({ code: 3, signal: null });
		expect(c.output()).toContain("out-line");
		expect(c.output()).toContain("err-line");
		expect(c.alive).toBe(false);
		expect(() => c.signal("SIGTERM")).toThrow(/already exited/);
	});

	it("a stopped child is alive, and kill() ends it anyway", async () => {
		const c = child("setInterval(() => undefined, 1000);");
		c.signal("SIGSTOP");
		expect(c.alive).toBe(true);
		await c.kill();
		expect(c.exit).toEqual({ code: null, signal: "SIGKILL" });
	});
});

describe("the fixture node", () => {
	it("refuses an unknown fixture with exit code 2 and its name", async () => {
		const node = await spawnNode({ nodeID: "bad", namespace: randomNamespace("harness"), transporter: SHARED_NATS_URL, fixtures: ["no-such-fixture"] });
		children.push(node);
		expect(await node.waitForExit(20_000)).toEqual({ code: 2, signal: null });
		expect(node.output()).toMatch(/no-such-fixture/);
	});
});

describe("PrivateNatsServer", () => {
	it("starts, stops and starts again on the same port", async () => {
		const server = await PrivateNatsServer.create();
		try {
			await server.start();
			expect(await portAccepts(server.port)).toBe(true);
			await server.stop();
			expect(server.running).toBe(false);
			expect(await portAccepts(server.port)).toBe(false);
			await server.start();
			expect(await portAccepts(server.port)).toBe(true);
			expect(server.url).toBe(`nats://127.0.0.1:${server.port}`);
		} finally {
			await server.kill();
		}
		expect(server.running).toBe(false);
	});
});
