/**
 * Each trigger's notice: its id (derived from the source event, so a redelivered event makes the
 * same id and the outbox adds nothing), its subject for the feeds, and its words in English and
 * French. Pure functions: what to say is decided here, who hears it in decide.ts.
 */
import { contentHash } from "../../../runtime/canonical-json.ts";
import type { Alert } from "../../monitoring/monitoring.contract.ts";
import type { SecurityEvent } from "../../auth/auth.contract.ts";
import type { FollowEvent } from "../notification.contract.ts";
import type { NoticeEvent } from "../outbox/outbox-store.ts";

export interface FieldChange {
	from: unknown;
	to: unknown;
}

function str(value: unknown): string {
	return value === null || value === undefined ? "" : String(value);
}

export function billLink(publicUrl: string, session: string, number: string): string {
	return `${publicUrl}/bills/${session}/${number}`;
}

/** A followed bill's status changed (bill.updated with statusCode or statusTextEn among the changes). */
export function billStatusNotice(publicUrl: string, payload: { session: string; number: string; changes: Record<string, FieldChange> }): NoticeEvent | undefined {
	const status = payload.changes.statusTextEn ?? payload.changes.statusCode;
	if (!status) return undefined;
	const bill = `${payload.session}/${payload.number}`;
	const to = str(status.to) || "—";
	const from = str(status.from) || "—";
	return {
		id: `bill.updated:${contentHash(payload)}`,
		kind: "bill.status",
		subject: `bill:${bill}`,
		title: { en: `Bill ${payload.number} (${payload.session}): ${to}`, fr: `Projet de loi ${payload.number} (${payload.session}) : ${to}` },
		body: { en: `The status of bill ${payload.number} changed from “${from}” to “${to}”.`, fr: `Le statut du projet de loi ${payload.number} est passé de « ${from} » à « ${to} ».` },
		link: billLink(publicUrl, payload.session, payload.number),
		public: true,
		data: { session: payload.session, number: payload.number, changes: payload.changes }
	};
}

export interface VoteFacts {
	session: string;
	number: number;
	date: string;
	descriptionEn: string;
	descriptionFr: string | null;
	result: string;
	billNumber: string | null;
	yeaTotal: number;
	nayTotal: number;
}

export function voteFacts(vote: Record<string, unknown>, session: string, number: number): VoteFacts {
	return {
		session,
		number,
		date: str(vote.date),
		descriptionEn: str(vote.descriptionEn),
		descriptionFr: vote.descriptionFr === null || vote.descriptionFr === undefined ? null : str(vote.descriptionFr),
		result: str(vote.result),
		billNumber: vote.billNumber === null || vote.billNumber === undefined ? null : str(vote.billNumber),
		yeaTotal: Number(vote.yeaTotal ?? 0),
		nayTotal: Number(vote.nayTotal ?? 0)
	};
}

const RESULT_FR: Record<string, string> = { Passed: "adoptée", Failed: "rejetée", Tie: "à égalité" };
const BALLOT_FR: Record<string, string> = { Yes: "pour", No: "contre", Paired: "pairé", "Didn't vote": "n’a pas voté" };
const BALLOT_EN: Record<string, string> = { Yes: "voted Yes", No: "voted No", Paired: "was paired", "Didn't vote": "did not vote" };

/** A followed bill got a vote. */
export function billVoteNotice(publicUrl: string, vote: VoteFacts): NoticeEvent | undefined {
	if (!vote.billNumber) return undefined;
	const bill = `${vote.session}/${vote.billNumber}`;
	return {
		id: `vote.recorded:${vote.session}/${vote.number}:bill`,
		kind: "bill.vote",
		subject: `bill:${bill}`,
		title: { en: `Vote on bill ${vote.billNumber}: ${vote.result}`, fr: `Vote sur le projet de loi ${vote.billNumber} : ${RESULT_FR[vote.result] ?? vote.result}` },
		body: {
			en: `Vote ${vote.number} (${vote.date}): ${vote.descriptionEn}. Yeas ${vote.yeaTotal}, nays ${vote.nayTotal}.`,
			fr: `Vote ${vote.number} (${vote.date}) : ${vote.descriptionFr ?? vote.descriptionEn}. Pour ${vote.yeaTotal}, contre ${vote.nayTotal}.`
		},
		link: `${publicUrl}/votes/${vote.session}/${vote.number}`,
		public: true,
		data: { ...vote }
	};
}

/** A followed politician's ballot on a vote: one notice per vote, saying whether against the party. */
export function ballotNotice(publicUrl: string, vote: VoteFacts, ballot: { slug: string; name: string; ballot: string; dissent: boolean | null }): NoticeEvent {
	const against = ballot.dissent === true;
	return {
		id: `vote.recorded:${vote.session}/${vote.number}:ballot:${ballot.slug}`,
		kind: "politician.ballot",
		subject: `politician:${ballot.slug}`,
		title: {
			en: `${ballot.name} ${BALLOT_EN[ballot.ballot] ?? ballot.ballot} on vote ${vote.number}${against ? ", against their party" : ""}`,
			fr: `${ballot.name} : ${BALLOT_FR[ballot.ballot] ?? ballot.ballot} au vote ${vote.number}${against ? ", contre son parti" : ""}`
		},
		body: {
			en: `${vote.descriptionEn} (${vote.date}, ${vote.result}). ${ballot.name} ${BALLOT_EN[ballot.ballot] ?? ballot.ballot}${against ? ", against the party's position" : ""}.`,
			fr: `${vote.descriptionFr ?? vote.descriptionEn} (${vote.date}, ${RESULT_FR[vote.result] ?? vote.result}). ${ballot.name} : ${BALLOT_FR[ballot.ballot] ?? ballot.ballot}${against ? ", contre la position de son parti" : ""}.`
		},
		link: `${publicUrl}/votes/${vote.session}/${vote.number}`,
		public: true,
		data: { session: vote.session, vote: vote.number, politician: ballot.slug, ballot: ballot.ballot, againstParty: against }
	};
}

/** A new bill matches a saved keyword search. */
export function searchMatchNotice(publicUrl: string, bill: { session: string; number: string; titleEn: string; titleFr: string | null }, search: string): NoticeEvent {
	return {
		id: `bill.created:${bill.session}/${bill.number}:search:${contentHash(search).slice(0, 24)}`,
		kind: "search.match",
		subject: `search:${search}`,
		title: { en: `New bill ${bill.number} matches “${search}”`, fr: `Le nouveau projet de loi ${bill.number} correspond à « ${search} »` },
		body: { en: bill.titleEn, fr: bill.titleFr ?? bill.titleEn },
		link: billLink(publicUrl, bill.session, bill.number),
		public: true,
		data: { session: bill.session, number: bill.number, search }
	};
}

const SECURITY_WORDS: Record<SecurityEvent["action"], { en: string; fr: string }> = {
	"login.succeeded": { en: "New sign-in to your account", fr: "Nouvelle connexion à votre compte" },
	"mfa.enabled": { en: "A second factor was turned on for your account", fr: "Un deuxième facteur a été activé pour votre compte" },
	"mfa.recovery-code-used": { en: "A recovery code was used to sign in", fr: "Un code de récupération a servi à vous connecter" },
	"password.changed": { en: "Your password was changed", fr: "Votre mot de passe a été changé" }
};

export function securityNotice(publicUrl: string, event: SecurityEvent): NoticeEvent {
	const words = SECURITY_WORDS[event.action];
	const where = event.ip ? ` (${event.ip})` : "";
	return {
		id: `auth.security:${event.id}`,
		kind: "account.security",
		subject: null,
		title: words,
		body: {
			en: `${words.en} at ${event.at}${where}. If this was not you, change your password and review your sessions.`,
			fr: `${words.fr} le ${event.at}${where}. Si ce n’était pas vous, changez votre mot de passe et vérifiez vos sessions.`
		},
		link: `${publicUrl}/account/security`,
		public: false,
		data: { action: event.action, at: event.at, ...(event.ip ? { ip: event.ip } : {}) }
	};
}

export function alertNotice(publicUrl: string, alert: Alert, transition: "fired" | "resolved"): NoticeEvent {
	const at = transition === "fired" ? (alert.firedAt ?? alert.startedAt) : (alert.resolvedAt ?? "");
	const label = transition === "fired" ? { en: "Alert", fr: "Alerte" } : { en: "Resolved", fr: "Résolue" };
	return {
		id: `alert.${transition}:${alert.id}:${at}`,
		kind: transition === "fired" ? "alert.fired" : "alert.resolved",
		subject: null,
		title: { en: `${label.en} [${alert.severity}] ${alert.rule} ${alert.subject}`, fr: `${label.fr} [${alert.severity}] ${alert.rule} ${alert.subject}` },
		body: { en: alert.summary, fr: alert.summary },
		link: `${publicUrl}/admin/alerts/${alert.id}`,
		public: false,
		data: { alert }
	};
}

export function welcomeNotice(publicUrl: string, follow: FollowEvent): NoticeEvent {
	return {
		id: `follow.welcome:${follow.userId}`,
		kind: "follow.welcome",
		subject: null,
		title: { en: "You will be told when it changes", fr: "Vous serez averti des changements" },
		body: {
			en: `You now follow ${follow.target}. Notices arrive in your inbox and by email, as they happen; you can choose a daily digest or turn either off in your notification settings.`,
			fr: `Vous suivez maintenant ${follow.target}. Les avis arrivent dans votre boîte de réception et par courriel, au fur et à mesure; vous pouvez choisir un résumé quotidien ou les désactiver dans vos préférences.`
		},
		link: `${publicUrl}/account/notifications`,
		public: false,
		data: { follow: follow.id, kind: follow.kind, target: follow.target }
	};
}

export function webhookDisabledNotice(publicUrl: string, hook: { id: string; url: string; failingSince: Date | null; disabledReason: string | null }): NoticeEvent {
	return {
		id: `webhook.disabled:${hook.id}:${hook.failingSince?.toISOString() ?? ""}`,
		kind: "webhook.disabled",
		subject: null,
		title: { en: "A webhook was disabled", fr: "Un webhook a été désactivé" },
		body: {
			en: `Deliveries to ${hook.url} have failed since ${hook.failingSince?.toISOString() ?? "?"} (${hook.disabledReason ?? ""}). It is disabled; fix the receiver and enable it again.`,
			fr: `Les envois vers ${hook.url} échouent depuis ${hook.failingSince?.toISOString() ?? "?"} (${hook.disabledReason ?? ""}). Il est désactivé; corrigez le récepteur puis réactivez-le.`
		},
		link: `${publicUrl}/account/webhooks`,
		public: false,
		data: { webhook: hook.id, url: hook.url }
	};
}
