/** Loading and error states every page shows the same way; errors are announced to screen readers. */
import type { ReactNode } from "react";
import { describeError } from "../describe-error.ts";
import type { Lang } from "../i18n.tsx";

export function Loading({ label }: { label: string }) {
	return (
		<p className="notice notice-loading" role="status" aria-live="polite">
			{label}
		</p>
	);
}

export function ErrorNotice({ error, lang, retry, retryLabel }: { error: unknown; lang: Lang; retry?: () => void; retryLabel?: string }) {
	return (
		<div className="notice notice-error" role="alert">
			<p>{describeError(error, lang)}</p>
			{retry && retryLabel ? (
				<button type="button" onClick={retry}>
					{retryLabel}
				</button>
			) : null}
		</div>
	);
}

export function InfoNotice({ children }: { children: ReactNode }) {
	return (
		<p className="notice notice-info" role="status">
			{children}
		</p>
	);
}
