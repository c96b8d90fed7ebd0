/**
 * How an exported value becomes text, written as SQL so PostgreSQL formats every line (decision
 * 0017): the same expressions run on both backends, so a CSV from PGlite and one from PostgreSQL
 * are byte-for-byte equal, and Node only moves finished lines.
 *
 * CSV is RFC 4180: every text field is quoted with its quotes doubled (so commas, quotes, CR/LF
 * and accents need no case of their own, and an empty string `""` stays distinct from a missing
 * value, which is an empty field); numbers, booleans (`true`/`false`), dates (`YYYY-MM-DD`) and
 * times (UTC, `...Z`) go bare; records end with CRLF. NDJSON is one JSON object per line, with the
 * same names and the same date and time text.
 */

export type ExportFormat = "csv" | "ndjson";

export type ColumnKind = "text" | "integer" | "boolean" | "date" | "timestamp";

export interface ExportColumn {
	/** The header name and the NDJSON key. */
	name: string;
	/** The SQL expression of the value, over the statement's FROM. */
	sql: string;
	kind: ColumnKind;
	/**
	 * The value is never NULL (a NOT NULL column or array): its field needs no coalesce, so its
	 * quotes merge with the separators into one literal. Measured on a million ballots, fewer
	 * operators per record took the server's formatting from about twice COPY's time to about COPY's.
	 */
	notNull?: boolean;
}

export const CSV_RECORD_END = "\r\n";
export const NDJSON_RECORD_END = "\n";

export function recordEnd(format: ExportFormat): string {
	return format === "csv" ? CSV_RECORD_END : NDJSON_RECORD_END;
}

/** The header row: column names are plain identifiers, so they need no quoting. */
export function csvHeader(columns: readonly ExportColumn[]): string {
	return columns.map((c) => c.name).join(",") + CSV_RECORD_END;
}

const TIMESTAMP_TEXT = `'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'`;

/** A value as SQL text in the JSON and CSV shape, NULL when the value is: not settings-dependent (DateStyle, TimeZone). */
function valueText(column: ExportColumn): string {
	switch (column.kind) {
		case "date":
			return `to_char(${column.sql}, 'YYYY-MM-DD')`;
		case "timestamp":
			return `to_char((${column.sql}) AT TIME ZONE 'UTC', ${TIMESTAMP_TEXT})`;
		default:
			return `(${column.sql})::text`;
	}
}

/** One field as pieces: SQL literals (merged later) and expressions. */
function csvPieces(column: ExportColumn): { literal?: string; sql?: string }[] {
	if (column.kind === "text") {
		const quoted = `replace(${column.sql}, '"', '""')`;
		// `||` with NULL is NULL, so a missing value becomes the empty field.
		return column.notNull ? [{ literal: '"' }, { sql: quoted }, { literal: '"' }] : [{ sql: `coalesce('"' || ${quoted} || '"', '')` }];
	}
	return [{ sql: column.notNull ? valueText(column) : `coalesce(${valueText(column)}, '')` }];
}

function sqlLiteral(text: string): string {
	return `'${text.replace(/'/g, "''")}'`;
}

/** The CSV fields of `columns` joined by commas, as one SQL expression (`trailingComma` for a prefix). */
export function csvFieldsSql(columns: readonly ExportColumn[], trailingComma = false): string {
	const pieces = columns.flatMap((column, i) => [...(i > 0 ? [{ literal: "," }] : []), ...csvPieces(column)]);
	if (trailingComma) pieces.push({ literal: "," });
	const merged: string[] = [];
	let literal = "";
	for (const piece of pieces) {
		if (piece.literal !== undefined) {
			literal += piece.literal;
			continue;
		}
		if (literal) merged.push(sqlLiteral(literal));
		literal = "";
		if (piece.sql) merged.push(piece.sql);
	}
	if (literal) merged.push(sqlLiteral(literal));
	return merged.join(" || ");
}

function jsonValue(column: ExportColumn): string {
	return column.kind === "date" || column.kind === "timestamp" ? valueText(column) : column.sql;
}

/** The SQL expression of one record (without its line end). */
export function recordSql(columns: readonly ExportColumn[], format: ExportFormat): string {
	if (format === "csv") return csvFieldsSql(columns);
	return `json_build_object(${columns.map((c) => `'${c.name}', ${jsonValue(c)}`).join(", ")})::text`;
}

export const CONTENT_TYPES: Record<ExportFormat, string> = {
	csv: "text/csv; charset=utf-8; header=present",
	ndjson: "application/x-ndjson; charset=utf-8"
};
