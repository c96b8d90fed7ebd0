/** Starts a benchmark node in a child process and waits until it says it is ready. */
import { type ChildProcess, fork } from "node:child_process";

export interface ChildNode {
	process: ChildProcess;
	/** The HTTP port it serves, 0 for a node without one. */
	port: number;
	stop(): Promise<void>;
}

const START_TIMEOUT_MS = 30_000;

export function startChildNode(script: string, args: string[], env: NodeJS.ProcessEnv): Promise<ChildNode> {
	const child = fork(script, args, { env: { ...process.env, ...env }, stdio: ["ignore", "inherit", "inherit", "ipc"] });
	const stop = (): Promise<void> =>
		new Promise((resolve) => {
			if (child.exitCode !== null || child.signalCode !== null) return resolve();
			child.once("exit", () => resolve());
			// Moleculer stops its services on SIGTERM; SIGKILL after a grace period in case it hangs.
			child.kill("SIGTERM");
			setTimeout(() => child.kill("SIGKILL"), 10_000).unref();
		});
	return new Promise((resolve, reject) => {
		const timer = setTimeout(() => {
			void stop();
			reject(new Error(`${args.join(" ")} did not start within ${START_TIMEOUT_MS / 1000} s`));
		}, START_TIMEOUT_MS);
		child.once("exit", (code) => {
			clearTimeout(timer);
			reject(new Error(`${args.join(" ")} exited with code ${code} before it was ready`));
		});
		child.on("message", (message: { ready?: boolean; port?: number }) => {
			if (!message.ready) return;
			clearTimeout(timer);
			child.removeAllListeners("exit");
			child.disconnect();
			resolve({ process: child, port: message.port ?? 0, stop });
		});
	});
}
