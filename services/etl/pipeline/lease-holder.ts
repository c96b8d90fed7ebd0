/**
 * The process that holds a run's lease, and whether it is known to be gone.
 *
 * A lease names a node; a node is a process. On the machine that ran it, `process.kill(pid, 0)`
 * answering ESRCH proves the process is gone (a SIGKILL, an OOM kill) without waiting for the TTL.
 * The check is trusted only within the same host name and the same pid namespace: two containers
 * sharing a host name (host networking) each number their processes from 1, so a pid from another
 * namespace says nothing here. A reused pid makes a dead holder look alive: the lease then expires
 * as before, the safe direction.
 */
import fs from "node:fs";
import os from "node:os";

export interface LeaseHolder {
	nodeID: string;
	pid: number;
	hostname: string;
	/** The pid namespace (`pid:[4026531836]` on Linux), null where the system does not say. */
	pidNamespace: string | null;
}

function pidNamespace(): string | null {
	try {
		return fs.readlinkSync("/proc/self/ns/pid");
	} catch {
		return null;
	}
}

export function thisProcess(nodeID: string): LeaseHolder {
	return { nodeID, pid: process.pid, hostname: os.hostname(), pidNamespace: pidNamespace() };
}

/**
 * Why the holder is known to be gone, or undefined when it may be alive: only a process of this
 * machine (same host and pid namespace), other than this one, that the kernel says does not exist.
 */
export function localHolderGone(holder: { pid: number | null; hostname: string | null; pidNamespace: string | null }, self: LeaseHolder = thisProcess("")): string | undefined {
	if (holder.pid === null || holder.hostname !== self.hostname || holder.pidNamespace !== self.pidNamespace || holder.pid === self.pid) return undefined;
	try {
		process.kill(holder.pid, 0);
		return undefined;
	} catch (err) {
		// EPERM: it exists under another user. Only ESRCH says it is gone.
		return (err as NodeJS.ErrnoException).code === "ESRCH" ? `its process ${holder.pid} on ${holder.hostname} no longer exists` : undefined;
	}
}
