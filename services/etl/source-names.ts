/** The sources a run may name, as `etl.run` and the CLI accept them (others read them through etl.contract.ts). */
import type { SourceName } from "./records/raw-document.ts";

export const SOURCE_NAMES = ["ocd", "openparliament", "legisinfo", "ourcommons"] as const satisfies readonly SourceName[];

export function isSourceName(value: string): value is SourceName {
	return (SOURCE_NAMES as readonly string[]).includes(value);
}
