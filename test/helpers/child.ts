/**
 * A child process a test owns: its output kept for failure messages, signals, and a wait for its
 * exit. Every child is also killed when the test worker exits, whatever happened to the test,
 * so a failed or aborted run leaves no orphan on the shared machine.
 */
import { type ChildProcess, spawn } from "node:child_process";

/** Keep the tail of a chatty child's output; the end is what explains a failure. */
const OUTPUT_LIMIT = 64 * 1024;

export interface ExitStatus {
	code: number | null;
	signal: NodeJS.Signals | null;
}

const living = new Set<ChildProcess>();
process.once("exit", () => {
	for (const child of living) child.kill("SIGKILL");
});

export interface ChildOptions {
	name: string;
	command: string;
	args: string[];
	env: NodeJS.ProcessEnv;
	cwd?: string;
}

export class ManagedChild {
	readonly name: string;
	readonly process: ChildProcess;
	private log = "";
	private exitStatus: ExitStatus | undefined;
	private readonly exited: Promise<ExitStatus>;

	constructor(options: ChildOptions) {
		this.name = options.name;
		this.process = spawn(options.command, options.args, {
			env: options.env,
			...(options.cwd ? { cwd: options.cwd } : {}),
			stdio: ["ignore", "pipe", "pipe"]
		});
		living.add(this.process);
		const keep = (chunk: Buffer): void => {
			this.log += chunk.toString("utf8");
			if (this.log.length > OUTPUT_LIMIT) this.log = this.log.slice(-OUTPUT_LIMIT);
		};
		this.process.stdout?.on("data", keep);
		this.process.stderr?.on("data", keep);
		this.exited = new Promise((resolve) => {
			this.process.once("error", (err) => {
				keep(Buffer.from(`\n[harness] could not run ${options.command}: ${err.message}\n`));
				this.exitStatus ??= { code: null, signal: null };
				living.delete(this.process);
				resolve(this.exitStatus);
			});
			this.process.once("exit", (code, signal) => {
				this.exitStatus = { code, signal };
				living.delete(this.process);
				resolve(this.exitStatus);
			});
		});
	}

	get pid(): number | undefined {
		return this.process.pid;
	}

	/** True until the process has exited (a SIGSTOPped process is still alive). */
	get alive(): boolean {
		return this.exitStatus === undefined;
	}

	get exit(): ExitStatus | undefined {
		return this.exitStatus;
	}

	/** Everything it wrote to stdout and stderr so far (the last 64 kB). */
	output(): string {
		return this.log;
	}

	/** Output with a header, for failure messages. */
	describe(): string {
		const state = this.exitStatus ? `exited (code ${this.exitStatus.code}, signal ${this.exitStatus.signal})` : "running";
		return `--- ${this.name} (pid ${this.pid ?? "?"}, ${state}) ---\n${this.log || "(no output)"}`;
	}

	signal(signal: NodeJS.Signals): void {
		if (!this.alive) throw new Error(`${this.name} has already exited; cannot send ${signal}\n${this.describe()}`);
		this.process.kill(signal);
	}

	/** Resolves with the exit status; fails after `timeoutMs` with the process's output. */
	async waitForExit(timeoutMs = 10_000): Promise<ExitStatus> {
		let timer: NodeJS.Timeout | undefined;
		const timeout = new Promise<never>((_, reject) => {
			timer = setTimeout(() => reject(new Error(`${this.name} did not exit within ${timeoutMs} ms\n${this.describe()}`)), timeoutMs);
		});
		try {
			return await Promise.race([this.exited, timeout]);
		} finally {
			clearTimeout(timer);
		}
	}

	/** Kills it for good (a stopped process dies on SIGKILL too) and waits until it is gone. */
	async kill(): Promise<void> {
		if (!this.alive) return;
		this.process.kill("SIGKILL");
		await this.exited;
	}
}
