import { useEffect } from "react";

/** The tab's title follows the page, so history and screen readers say where one is. */
export function usePageTitle(title: string): void {
	useEffect(() => {
		document.title = title ? `${title} · OpenPolicy` : "OpenPolicy";
	}, [title]);
}
