/**
 * Support/oppose counts on a bill, for its detail page. The stances themselves (PUT/DELETE
 * /bills/{session}/{number}/stance, one per citizen) belong to the citizen module of this service,
 * built on another branch; until it is wired in, a bill answers zeros from here.
 *
 * For the coordinator: replace the body with the citizen module's count over its table, e.g.
 * `SELECT count(*) FILTER (WHERE stance = 'support')::int AS support, count(*) FILTER (WHERE stance = 'oppose')::int AS oppose
 *  FROM web.bill_stances WHERE session = $1 AND bill_number = $2`, and emit the module's own
 * change event to `CACHE_CLEAN_EVENTS` (../shared/cache-invalidation.ts) so a cached bill shows a new stance.
 */
import type { SqlExecutor } from "../../runtime/storage/database.ts";

export interface StanceCounts {
	support: number;
	oppose: number;
}

export function stanceCounts(_db: SqlExecutor, _session: string, _number: string): Promise<StanceCounts> {
	return Promise.resolve({ support: 0, oppose: 0 });
}
