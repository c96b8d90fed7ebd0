/**
 * Encoding of rows in PostgreSQL's COPY text format, shared by both backends' bulk loaders.
 * Text (not CSV or binary) because it is the format both pg-copy-streams and PGlite's
 * `COPY ... FROM '/dev/blob'` accept and because NULL versus empty string is unambiguous in it.
 */

const NEEDS_ESCAPE = /[\\\n\r\t]/;

function escapeText(text: string): string {
	// Most fields have nothing to escape; testing first skips building a new string for them.
	if (!NEEDS_ESCAPE.test(text)) return text;
	return text.replace(/[\\\n\r\t]/g, (c) => (c === "\\" ? "\\\\" : c === "\n" ? "\\n" : c === "\r" ? "\\r" : "\\t"));
}

/** An element that needs no quotes: none of the array syntax's own characters, no blanks, not NULL. */
const BARE_ELEMENT = /^[^{},"\\\s]+$/;

function arrayElement(value: unknown): string {
	if (value === null || value === undefined) return "NULL";
	if (Array.isArray(value)) return arrayLiteral(value);
	if (typeof value === "boolean") return value ? "t" : "f";
	if (typeof value === "number") return String(value);
	const text = scalarText(value);
	// Most elements (slugs, ids, codes) go bare: quoting every one was most of the encoding's cost.
	if (BARE_ELEMENT.test(text) && !(text.length === 4 && text.toUpperCase() === "NULL")) return text;
	return `"${text.replace(/["\\]/g, (c) => `\\${c}`)}"`;
}

/** A PostgreSQL array literal (`{a,"b c",NULL}`), as the array type's input function reads it. */
export function arrayLiteral(values: readonly unknown[]): string {
	let out = "{";
	for (let i = 0; i < values.length; i++) out += (i === 0 ? "" : ",") + arrayElement(values[i]);
	return `${out}}`;
}

function scalarText(value: unknown): string {
	if (typeof value === "string") return value;
	if (typeof value === "number" || typeof value === "bigint") return String(value);
	if (typeof value === "boolean") return value ? "t" : "f";
	if (value instanceof Date) return value.toISOString();
	if (value instanceof Uint8Array) return `\\x${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("hex")}`;
	return JSON.stringify(value);
}

/** One value as a COPY text field: `\N` for NULL, arrays as array literals, objects as JSON. */
export function copyField(value: unknown): string {
	if (value === null || value === undefined) return "\\N";
	if (Array.isArray(value)) return escapeText(arrayLiteral(value));
	return escapeText(scalarText(value));
}

export function copyLine(row: readonly unknown[]): string {
	let line = "";
	for (let i = 0; i < row.length; i++) line += (i === 0 ? "" : "\t") + copyField(row[i]);
	return `${line}\n`;
}

/** Rows as COPY text in ~64 kB chunks: one write per row costs more than the encoding itself. */
export async function* copyChunks(rows: Iterable<readonly unknown[]> | AsyncIterable<readonly unknown[]>): AsyncGenerator<string> {
	let chunk = "";
	for await (const row of rows) {
		chunk += copyLine(row);
		if (chunk.length >= 65_536) {
			yield chunk;
			chunk = "";
		}
	}
	if (chunk) yield chunk;
}
