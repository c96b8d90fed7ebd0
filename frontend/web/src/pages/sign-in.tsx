/** Sign in (with the second factor when the account has one) and sign up. */
import { type FormEvent, useId, useState } from "react";
import type { MfaChallenge, TokenPair } from "@openpolicy/frontend-shared/api-types.ts";
import { describeError } from "@openpolicy/frontend-shared/describe-error.ts";
import { CodeStep, PasswordStep } from "@openpolicy/frontend-shared/ui/sign-in-steps.tsx";
import { useBusyAction } from "@openpolicy/frontend-shared/ui/use-busy-action.ts";
import { useI18n } from "../i18n.ts";
import { usePlatform } from "../platform.tsx";

function isChallenge(answer: TokenPair | MfaChallenge): answer is MfaChallenge {
	return "mfaRequired" in answer;
}

function field(form: FormData, name: string): string {
	const value = form.get(name);
	return typeof value === "string" ? value : "";
}

function Problem({ error }: { error: unknown }) {
	const i18n = useI18n();
	if (error === undefined) return null;
	return (
		<p role="alert" className="notice notice-error">
			{describeError(error, i18n.lang)}
		</p>
	);
}

export function SignInForm() {
	const { api, session } = usePlatform();
	const i18n = useI18n();
	const [challenge, setChallenge] = useState<MfaChallenge>();
	const { busy, error, run } = useBusyAction((err) => err);

	function signIn(event: FormEvent<HTMLFormElement>): void {
		event.preventDefault();
		const form = new FormData(event.currentTarget);
		void run(async () => {
			const answer = await api.auth.login(field(form, "email"), field(form, "password"));
			if (isChallenge(answer)) setChallenge(answer);
			else session.signedIn(answer);
		});
	}

	function verify(event: FormEvent<HTMLFormElement>): void {
		event.preventDefault();
		const form = new FormData(event.currentTarget);
		const current = challenge;
		if (!current) return;
		void run(async () => session.signedIn(await api.auth.verify(current.challenge, field(form, "code"))));
	}

	if (challenge?.next === "enroll") return <p className="notice notice-info">{i18n.t("account.enrollNeeded")}</p>;
	if (challenge) {
		return <CodeStep heading="h2" title={i18n.t("account.signIn")} codeLabel={i18n.t("account.code")} submitLabel={i18n.t("account.verify")} numeric autoFocus busy={busy} problem={<Problem error={error} />} onSubmit={verify} />;
	}
	return <PasswordStep heading="h2" title={i18n.t("account.signIn")} emailLabel={i18n.t("account.email")} passwordLabel={i18n.t("account.password")} submitLabel={i18n.t("account.signIn")} busy={busy} problem={<Problem error={error} />} onSubmit={signIn} />;
}

export function SignUpForm({ onCreated }: { onCreated: () => void }) {
	const { api, session } = usePlatform();
	const i18n = useI18n();
	const id = useId();
	const [error, setError] = useState<unknown>();
	const [busy, setBusy] = useState(false);

	function signUp(event: FormEvent<HTMLFormElement>): void {
		event.preventDefault();
		const form = new FormData(event.currentTarget);
		const email = field(form, "email");
		const password = field(form, "password");
		setBusy(true);
		setError(undefined);
		(async () => {
			await api.auth.register(email, password, field(form, "displayName"));
			// A new account is a citizen's, which needs no second factor: sign straight in.
			const answer = await api.auth.login(email, password);
			if (!isChallenge(answer)) {
				session.signedIn(answer);
				onCreated();
			}
		})()
			.catch(setError)
			.finally(() => setBusy(false));
	}

	return (
		<form className="form" onSubmit={signUp} aria-labelledby={`${id}-title`}>
			<h2 id={`${id}-title`}>{i18n.t("account.signUp")}</h2>
			<div className="field">
				<label htmlFor={`${id}-name`}>{i18n.t("account.displayName")}</label>
				<input id={`${id}-name`} name="displayName" autoComplete="name" required maxLength={100} />
			</div>
			<div className="field">
				<label htmlFor={`${id}-email`}>{i18n.t("account.email")}</label>
				<input id={`${id}-email`} name="email" type="email" autoComplete="email" required />
			</div>
			<div className="field">
				<label htmlFor={`${id}-password`}>{i18n.t("account.password")}</label>
				<input id={`${id}-password`} name="password" type="password" autoComplete="new-password" required minLength={12} aria-describedby={`${id}-hint`} />
				<small id={`${id}-hint`} className="muted">
					{i18n.t("account.passwordHint")}
				</small>
			</div>
			<Problem error={error} />
			<button type="submit" disabled={busy}>
				{i18n.t("account.signUp")}
			</button>
		</form>
	);
}
