/**
 * Daily digests: a user who chose `daily` for email has each item held (status `held`) until
 * their morning; then one transaction turns that user's due items into `digested` and records a
 * single digest email in the outbox, which is sent like any delivery. Two nodes collecting at
 * once cannot both take an item: the UPDATE that marks it is the claim.
 */
import { createHash } from "node:crypto";
import type { Database } from "../../../runtime/storage/database.ts";
import { renderDigest } from "../messages.ts";
import type { Language } from "../notification.contract.ts";
import { unsubscribeToken } from "../unsubscribe-token.ts";
import { insertDecision } from "./outbox-store.ts";

interface HeldRow extends Record<string, unknown> {
	id: string;
	message: Record<string, unknown> | string;
}

interface DigestItem {
	title: string;
	body: string;
	link: string | null;
}

export async function collectDigests(db: Database, links: { publicUrl: string; unsubscribeSecret: string }, limit = 20): Promise<number> {
	const { rows: groups } = await db.query<{ user_id: string; target: string }>(
		"SELECT user_id, target FROM notification.deliveries WHERE status = 'held' AND next_attempt_at <= now() GROUP BY user_id, target LIMIT $1",
		[limit]
	);
	let made = 0;
	for (const group of groups) {
		const recorded = await db.transaction(async (tx) => {
			const { rows } = await tx.query<HeldRow>(
				`UPDATE notification.deliveries SET status = 'digested', finished_at = now()
				WHERE status = 'held' AND channel = 'email' AND user_id = $1 AND target = $2 AND next_attempt_at <= now() RETURNING id, message`,
				[group.user_id, group.target]
			);
			if (rows.length === 0) return false;
			const messages = rows.map((r) => (typeof r.message === "string" ? (JSON.parse(r.message) as Record<string, unknown>) : r.message));
			const language: Language = messages[0]?.language === "fr" ? "fr" : "en";
			const items = messages.map((m) => m.digest as DigestItem);
			const ids = rows.map((r) => r.id).sort();
			const urls = {
				unsubscribeUrl: `${links.publicUrl}/unsubscribe/${unsubscribeToken(links.unsubscribeSecret, { userId: group.user_id, channel: "email" })}`,
				preferencesUrl: `${links.publicUrl}/account/notifications`
			};
			const email = renderDigest(items, language, urls);
			const id = `digest:${group.user_id}:${createHash("sha256").update(ids.join(",")).digest("hex").slice(0, 32)}`;
			await insertDecision(
				tx,
				{ id, kind: "digest", subject: null, title: { en: email.subject, fr: email.subject }, body: { en: "", fr: "" }, link: null, public: false, data: { items: ids.length } },
				() => Promise.resolve([{ userId: group.user_id, channel: "email", target: group.target, message: { ...email } }])
			);
			return true;
		});
		if (recorded) made++;
	}
	return made;
}
