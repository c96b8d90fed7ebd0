import type { Pagination } from "@openpolicy/frontend-shared/api-types.ts";
import { useI18n } from "../i18n.ts";

/** Previous/next through a list, keeping the offset in the address so a page can be shared. */
export function Pager({ pagination, onOffset }: { pagination: Pagination; onOffset: (offset: number) => void }) {
	const { t } = useI18n();
	const { offset, limit, total } = pagination;
	if (total <= limit && offset === 0) return null;
	return (
		<nav className="pager" aria-label={t("common.pageOf", { from: offset + 1, to: Math.min(offset + limit, total), total })}>
			<button type="button" className="secondary" disabled={pagination.previous_url === null} onClick={() => onOffset(Math.max(0, offset - limit))}>
				{t("common.previous")}
			</button>
			<span>{t("common.pageOf", { from: total === 0 ? 0 : offset + 1, to: Math.min(offset + limit, total), total })}</span>
			<button type="button" className="secondary" disabled={pagination.next_url === null} onClick={() => onOffset(offset + limit)}>
				{t("common.next")}
			</button>
		</nav>
	);
}
