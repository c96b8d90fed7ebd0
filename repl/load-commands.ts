/**
 * Loads every operator command from repl/commands/ (files named `*.command.ts`), so adding a
 * command is adding a file. A file that does not export a command is an error, not a silent skip.
 */
import { readdir } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { type ReplCommand, isReplCommand } from "./repl-command.ts";

export const COMMANDS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), "commands");

export async function loadCommands(dir: string = COMMANDS_DIR): Promise<ReplCommand[]> {
	const files = (await readdir(dir)).filter((f) => f.endsWith(".command.ts")).sort();
	const commands: ReplCommand[] = [];
	for (const file of files) {
		const mod = (await import(pathToFileURL(path.join(dir, file)).href)) as { default?: unknown };
		if (!isReplCommand(mod.default)) throw new Error(`${file} must export a ReplCommand as its default export`);
		commands.push(mod.default);
	}
	return commands;
}
