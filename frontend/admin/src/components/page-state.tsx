/** The loading and error states of a resource, in the dashboard's language. */
import type { ReactNode } from "react";
import { ErrorNotice, Loading } from "@openpolicy/frontend-shared/ui/notices.tsx";
import type { Resource } from "@openpolicy/frontend-shared/ui/use-resource.ts";
import { useI18n } from "../i18n.ts";

export function PageState<T>({ resource, children }: { resource: Resource<T>; children: (data: T) => ReactNode }) {
	const i18n = useI18n();
	if (resource.state === "loading") return <Loading label={i18n.t("common.loading")} />;
	if (resource.state === "failed") return <ErrorNotice error={resource.error} lang={i18n.lang} retry={resource.reload} retryLabel={i18n.t("common.retry")} />;
	return <>{children(resource.data)}</>;
}

export function usePageTitle(title: string): void {
	if (typeof document !== "undefined") document.title = `${title} · OpenPolicy admin`;
}
