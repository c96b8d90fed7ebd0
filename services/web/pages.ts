/**
 * The web service's lists: the platform's one list shape (runtime/list-page.ts) at the web
 * routes' paths, which its handlers name without the `/api/v1` prefix.
 */
import { type Page, type QueryValue, listPage } from "../../runtime/list-page.ts";
import { API_PREFIX } from "./routes.ts";

export type { Page, Pagination } from "../../runtime/list-page.ts";

export function pageOf<T>(path: string, params: Record<string, QueryValue> & { limit: number; offset: number }, objects: T[], total: number): Page<T> {
	return listPage(`${API_PREFIX}${path}`, params, objects, total);
}
