/**
 * A list page's result: loading, the error with a retry, or the page of results and the pager.
 * With `empty`, an empty page shows that instead (and no pager).
 */
import type { ReactNode } from "react";
import type { Pagination } from "@openpolicy/frontend-shared/api-types.ts";
import { ErrorNotice, Loading } from "@openpolicy/frontend-shared/ui/notices.tsx";
import type { Resource } from "@openpolicy/frontend-shared/ui/use-resource.ts";
import { useI18n } from "../i18n.ts";
import { Pager } from "./pager.tsx";

interface Page {
	objects: readonly unknown[];
	pagination: Pagination;
}

export function PagedList<T extends Page>({ resource, onOffset, empty, children }: { resource: Resource<T | undefined>; onOffset: (offset: number) => void; empty?: ReactNode; children: (page: T) => ReactNode }) {
	const i18n = useI18n();
	if (resource.state === "loading") return <Loading label={i18n.t("common.loading")} />;
	if (resource.state === "failed") return <ErrorNotice error={resource.error} lang={i18n.lang} retry={resource.reload} retryLabel={i18n.t("common.retry")} />;
	const page = resource.data;
	if (page === undefined) return null;
	if (empty !== undefined && page.objects.length === 0) return <>{empty}</>;
	return (
		<>
			{children(page)}
			<Pager pagination={page.pagination} onOffset={onOffset} />
		</>
	);
}
