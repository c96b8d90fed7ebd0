/** Quoting of SQL identifiers, so table and schema names never need string pasting by callers. */

export function quoteIdent(name: string): string {
	return `"${name.replaceAll('"', '""')}"`;
}

/** "etl.bills" → "etl"."bills"; "bills" → "bills". */
export function quoteQualified(name: string): string {
	return name.split(".").map(quoteIdent).join(".");
}

/** Service and schema names the platform creates: lower-case identifiers that never need quoting by hand. */
export function assertSchemaName(name: string): string {
	if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`"${name}" is not a valid schema name (lower-case letters, digits, _)`);
	return name;
}
