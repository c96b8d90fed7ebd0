/** Multi-row INSERT in batches over any executor (a database or an open transaction). */
import type { InsertOptions, SqlExecutor } from "./database.ts";
import { quoteIdent, quoteQualified } from "./sql-identifiers.ts";

const MAX_PARAMETERS = 65_535;

export async function insertRows(
	executor: SqlExecutor,
	table: string,
	columns: readonly string[],
	rows: Iterable<readonly unknown[]> | AsyncIterable<readonly unknown[]>,
	options: InsertOptions = {}
): Promise<number> {
	if (columns.length === 0) throw new Error("insertRows needs at least one column");
	const batchSize = Math.max(1, Math.min(options.batchSize ?? 1_000, Math.floor(MAX_PARAMETERS / columns.length)));
	const head = `INSERT INTO ${quoteQualified(table)} (${columns.map(quoteIdent).join(", ")}) VALUES `;
	const suffix = options.suffix ? ` ${options.suffix}` : "";
	let batch: unknown[] = [];
	let batchRows = 0;
	let inserted = 0;
	// Statement text for a full batch is built once; only a short last batch needs its own.
	let fullBatchText: string | undefined;
	const textFor = (n: number): string => {
		const tuples: string[] = [];
		for (let r = 0; r < n; r++) {
			const base = r * columns.length;
			tuples.push(`(${columns.map((_, c) => `$${base + c + 1}`).join(",")})`);
		}
		return head + tuples.join(",") + suffix;
	};
	const flush = async (): Promise<void> => {
		if (batchRows === 0) return;
		const text = batchRows === batchSize ? (fullBatchText ??= textFor(batchSize)) : textFor(batchRows);
		const result = await executor.query(text, batch);
		inserted += result.rowCount;
		batch = [];
		batchRows = 0;
	};
	for await (const row of rows) {
		if (row.length !== columns.length) throw new Error(`insertRows: a row has ${row.length} values for ${columns.length} columns`);
		for (const value of row) batch.push(value === undefined ? null : value);
		if (++batchRows === batchSize) await flush();
	}
	await flush();
	return inserted;
}
