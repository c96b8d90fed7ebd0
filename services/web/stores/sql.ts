/**
 * SQL pieces every web store shares. Dates leave the database as text, so pg (a Date for `date`)
 * and PGlite answer the same JSON, and timestamps as ISO 8601 in UTC.
 */

/** `date` column → 'YYYY-MM-DD' (or null). */
export function isoDate(column: string): string {
	return `to_char(${column}, 'YYYY-MM-DD')`;
}

/** `timestamptz` column → '2024-05-01T12:00:00.000Z' (or null), whatever the session's time zone. */
export function isoTimestamp(column: string): string {
	return `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
}

/** Collects positional parameters while a WHERE clause is built: `where.add("b.session = ?", value)`. */
export class Conditions {
	readonly params: unknown[] = [];
	private readonly parts: string[] = [];

	/** Each `?` in `sql` takes the next of `values`. */
	add(sql: string, ...values: unknown[]): this {
		let i = 0;
		this.parts.push(
			sql.replace(/\?/g, () => {
				this.params.push(values[i++]);
				return `$${this.params.length}`;
			})
		);
		return this;
	}

	/** A placeholder for one more parameter, for use outside the WHERE clause (LIMIT, ORDER BY). */
	param(value: unknown): string {
		this.params.push(value);
		return `$${this.params.length}`;
	}

	get sql(): string {
		return this.parts.length === 0 ? "TRUE" : this.parts.join(" AND ");
	}
}
