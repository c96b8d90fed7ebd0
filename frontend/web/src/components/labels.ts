/** How the data's codes read in the current language. */
import type { PartyRef } from "@openpolicy/frontend-shared/api-types.ts";
import type { I18n } from "@openpolicy/frontend-shared/i18n.tsx";
import type { MessageKey } from "../messages.ts";

type T = I18n<MessageKey>;

export function partyName(i18n: T, party: (PartyRef & { short_name_fr?: string | null }) | null | undefined): string {
	if (!party) return i18n.t("common.independent");
	return i18n.pick(party.short_name_en ?? party.name_en ?? party.key, party.short_name_fr ?? null);
}

export function resultText(i18n: T, result: string): string {
	return result === "Passed" || result === "Failed" || result === "Tie" ? i18n.t(`result.${result}`) : result;
}

export function ballotText(i18n: T, ballot: string | null | undefined): string {
	switch (ballot) {
		case "Yes":
			return i18n.t("common.yes");
		case "No":
			return i18n.t("common.no");
		case "Paired":
			return i18n.t("common.paired");
		case "Didn't vote":
			return i18n.t("common.didntVote");
		default:
			return ballot ?? "—";
	}
}

export function ballotClass(ballot: string | null | undefined): string {
	return ballot === "Yes" ? "yes" : ballot === "No" ? "no" : "";
}

/** App addresses for API objects: `/api/v1/bills/44-1/C-10` → `/bills/44-1/C-10`. */
export function appPath(apiUrl: string): string {
	return apiUrl.replace(/^\/api\/v1/, "");
}

export function billPath(session: string, number: string): string {
	return `/bills/${session}/${number}`;
}

export function votePath(session: string, number: number | string): string {
	return `/votes/${session}/${number}`;
}

export const PROVINCES = ["NL", "PE", "NS", "NB", "QC", "ON", "MB", "SK", "AB", "BC", "YT", "NT", "NU"] as const;
