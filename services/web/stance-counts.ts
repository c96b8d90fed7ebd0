/**
 * Support/oppose counts on one bill, for its detail page: the citizen module's count over its
 * stances table (services/web/citizen), keyed as that module keys bills (`44-1/C-10`).
 */
import type { SqlExecutor } from "../../runtime/storage/database.ts";
import { type StanceCounts, stanceCounts as countStances } from "./citizen/citizen-store.ts";

export type { StanceCounts };

export async function stanceCounts(db: SqlExecutor, session: string, number: string): Promise<StanceCounts> {
	const id = `${session}/${number}`;
	return (await countStances(db, [id])).get(id) ?? { support: 0, oppose: 0 };
}
