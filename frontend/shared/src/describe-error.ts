/** What went wrong, in words a person understands, in either language; never a stack or a blank page. */
import { ApiError } from "./api-client.ts";
import type { Lang } from "./i18n.tsx";

const TEXT: Record<string, Record<Lang, string>> = {
	routeMissing: { en: "This part of the platform is not available yet.", fr: "Cette partie de la plateforme n’est pas encore disponible." },
	notFound: { en: "We could not find this. Check the address.", fr: "Introuvable. Vérifiez l’adresse." },
	network: { en: "The server could not be reached. Check your connection and try again.", fr: "Le serveur est injoignable. Vérifiez votre connexion et réessayez." },
	timeout: { en: "The server took too long to answer. Try again in a moment.", fr: "Le serveur a mis trop de temps à répondre. Réessayez dans un instant." },
	unauthorized: { en: "Sign in to do this.", fr: "Connectez-vous pour faire ceci." },
	forbidden: { en: "Your account may not do this.", fr: "Votre compte n’a pas le droit de faire ceci." },
	rateLimited: { en: "Too many requests. Wait a minute and try again.", fr: "Trop de requêtes. Attendez une minute et réessayez." },
	unavailable: { en: "The service is busy or restarting. Try again in a moment.", fr: "Le service est occupé ou redémarre. Réessayez dans un instant." },
	invalid: { en: "Some of what was sent is not valid:", fr: "Certaines valeurs envoyées ne sont pas valides :" },
	unknown: { en: "Something went wrong. Try again.", fr: "Une erreur est survenue. Réessayez." }
};

function fieldProblems(data: unknown): string[] {
	if (!Array.isArray(data)) return [];
	return data.flatMap((item: unknown) => {
		if (typeof item !== "object" || item === null) return [];
		const entry = item as { field?: unknown; message?: unknown };
		const message = typeof entry.message === "string" ? entry.message : "";
		return message ? [typeof entry.field === "string" && entry.field ? `${entry.field}: ${message}` : message] : [];
	});
}

export function describeError(err: unknown, lang: Lang): string {
	if (!(err instanceof ApiError)) return TEXT.unknown?.[lang] ?? "";
	const say = (key: string) => TEXT[key]?.[lang] ?? "";
	if (err.routeMissing) return say("routeMissing");
	switch (err.status) {
		case 0:
			return say(err.type === "TIMEOUT" ? "timeout" : "network");
		case 401:
			// The sign-in routes explain a refused password themselves.
			return err.type === "UNAUTHORIZED" ? say("unauthorized") : err.message;
		case 403:
			return say("forbidden");
		case 404:
			return say("notFound");
		case 409:
			return err.message;
		case 400:
		case 422: {
			const problems = fieldProblems(err.data);
			return problems.length > 0 ? `${say("invalid")} ${problems.join("; ")}` : err.message;
		}
		case 429:
			return err.type === "RATE_LIMITED" ? say("rateLimited") : err.message;
		case 502:
		case 503:
		case 504:
			return say("unavailable");
		default:
			return say("unknown");
	}
}
