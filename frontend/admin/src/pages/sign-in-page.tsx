/**
 * Sign-in for operators and admins: password, then the second factor they must have. On a first
 * sign-in the account enrols (QR code of the otpauth URI, then the first code) and sees its
 * recovery codes once. A citizen's or editor's session is tried against an operator route: the API
 * refuses it, the session is dropped and the page says why.
 */
import { type FormEvent, type ReactNode, useId, useState } from "react";
import { ApiError } from "@openpolicy/frontend-shared/api-client.ts";
import type { MfaChallenge, MfaEnrolment, TokenPair } from "@openpolicy/frontend-shared/api-types.ts";
import { describeError } from "@openpolicy/frontend-shared/describe-error.ts";
import { QrCode } from "@openpolicy/frontend-shared/ui/qr-code.tsx";
import { CodeStep, PasswordStep } from "@openpolicy/frontend-shared/ui/sign-in-steps.tsx";
import { useBusyAction } from "@openpolicy/frontend-shared/ui/use-busy-action.ts";
import { useI18n } from "../i18n.ts";
import { usePlatform } from "../platform.tsx";

type Step =
	| { kind: "password" }
	| { kind: "verify"; challenge: MfaChallenge }
	| { kind: "enrol"; challenge: MfaChallenge; enrolment: MfaEnrolment }
	| { kind: "recovery"; codes: string[]; tokens: TokenPair };

function field(form: FormData, name: string): string {
	const value = form.get(name);
	return typeof value === "string" ? value.trim() : "";
}

export function SignInPage({ onSignedIn }: { onSignedIn: () => void }) {
	const { api, admin, session } = usePlatform();
	const i18n = useI18n();
	const id = useId();
	const [step, setStep] = useState<Step>({ kind: "password" });
	const { busy, error, setError, run } = useBusyAction<ReactNode>((err) => describeError(err, i18n.lang));

	/** Keeps the session only if the API lets it read the cluster (what every operator may). */
	async function admit(tokens: TokenPair): Promise<void> {
		session.signedIn(tokens);
		try {
			await admin.health.cluster();
		} catch (err) {
			if (err instanceof ApiError && (err.status === 403 || err.status === 401)) {
				session.signOut();
				setStep({ kind: "password" });
				setError(i18n.t("signIn.refused", { role: tokens.user.role }));
				return;
			}
			throw err;
		}
		onSignedIn();
	}

	function signIn(event: FormEvent<HTMLFormElement>): void {
		event.preventDefault();
		const form = new FormData(event.currentTarget);
		void run(async () => {
			const answer = await api.auth.login(field(form, "email"), field(form, "password"));
			if (!("mfaRequired" in answer)) return admit(answer);
			if (answer.next === "verify") return setStep({ kind: "verify", challenge: answer });
			setStep({ kind: "enrol", challenge: answer, enrolment: await api.auth.enroll(answer.challenge) });
		});
	}

	function verify(event: FormEvent<HTMLFormElement>, challenge: MfaChallenge): void {
		event.preventDefault();
		const code = field(new FormData(event.currentTarget), "code");
		void run(async () => admit(await api.auth.verify(challenge.challenge, code)));
	}

	function activate(event: FormEvent<HTMLFormElement>, challenge: MfaChallenge): void {
		event.preventDefault();
		const code = field(new FormData(event.currentTarget), "code");
		void run(async () => {
			const answer = await api.auth.activate(challenge.challenge, code);
			if (answer.tokens) setStep({ kind: "recovery", codes: answer.recoveryCodes, tokens: answer.tokens });
		});
	}

	const problem = error ? (
		<p role="alert" className="notice notice-error">
			{error}
		</p>
	) : null;

	if (step.kind === "recovery") {
		return (
			<section aria-labelledby={`${id}-rc`}>
				<h1 id={`${id}-rc`}>{i18n.t("recovery.title")}</h1>
				<p>{i18n.t("recovery.text")}</p>
				<ul className="recovery-codes" data-testid="recovery-codes">
					{step.codes.map((code) => (
						<li key={code}>{code}</li>
					))}
				</ul>
				{problem}
				<button type="button" disabled={busy} onClick={() => void run(() => admit(step.tokens))}>
					{i18n.t("recovery.done")}
				</button>
			</section>
		);
	}
	if (step.kind === "enrol") {
		return (
			<CodeStep heading="h1" title={i18n.t("enrol.title")} codeLabel={i18n.t("enrol.code")} submitLabel={i18n.t("enrol.activate")} numeric busy={busy} problem={problem} onSubmit={(event) => activate(event, step.challenge)}>
				<p>{i18n.t("enrol.text")}</p>
				<QrCode text={step.enrolment.otpauthUri} label={i18n.t("enrol.qr")} />
				<p>
					{i18n.t("enrol.secret")} <code data-testid="totp-secret">{step.enrolment.secret}</code>
				</p>
			</CodeStep>
		);
	}
	if (step.kind === "verify") {
		return <CodeStep heading="h1" title={i18n.t("signIn.title")} codeLabel={i18n.t("signIn.code")} submitLabel={i18n.t("signIn.verify")} busy={busy} problem={problem} onSubmit={(event) => verify(event, step.challenge)} />;
	}
	return <PasswordStep heading="h1" title={i18n.t("signIn.title")} emailLabel={i18n.t("signIn.email")} passwordLabel={i18n.t("signIn.password")} submitLabel={i18n.t("signIn.submit")} busy={busy} problem={problem} onSubmit={signIn} />;
}
