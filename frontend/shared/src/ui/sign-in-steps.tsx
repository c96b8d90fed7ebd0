/**
 * The two steps of a sign-in both apps share: email and password, then the one-time code of the
 * second factor. Each app brings its own words, heading level and what it does with the answer.
 */
import { type FormEvent, type ReactNode, useId } from "react";

interface StepProps {
	heading: "h1" | "h2";
	title: string;
	submitLabel: string;
	busy: boolean;
	/** The last failure, announced by the caller's own alert. */
	problem: ReactNode;
	onSubmit: (event: FormEvent<HTMLFormElement>) => void;
}

function Submit({ problem, busy, label }: { problem: ReactNode; busy: boolean; label: string }) {
	return (
		<>
			{problem}
			<button type="submit" disabled={busy}>
				{label}
			</button>
		</>
	);
}

export function PasswordStep({ heading: Heading, title, submitLabel, busy, problem, onSubmit, emailLabel, passwordLabel }: StepProps & { emailLabel: string; passwordLabel: string }) {
	const id = useId();
	return (
		<form className="form" onSubmit={onSubmit} aria-labelledby={`${id}-title`}>
			<Heading id={`${id}-title`}>{title}</Heading>
			<div className="field">
				<label htmlFor={`${id}-email`}>{emailLabel}</label>
				<input id={`${id}-email`} name="email" type="email" autoComplete="username" required />
			</div>
			<div className="field">
				<label htmlFor={`${id}-password`}>{passwordLabel}</label>
				<input id={`${id}-password`} name="password" type="password" autoComplete="current-password" required />
			</div>
			<Submit problem={problem} busy={busy} label={submitLabel} />
		</form>
	);
}

/** `children` stand between the heading and the code field (the enrolment's QR code and secret). */
export function CodeStep({ heading: Heading, title, submitLabel, busy, problem, onSubmit, codeLabel, numeric = false, autoFocus = false, children }: StepProps & { codeLabel: string; numeric?: boolean; autoFocus?: boolean; children?: ReactNode }) {
	const id = useId();
	return (
		<form className="form" onSubmit={onSubmit} aria-labelledby={`${id}-title`}>
			<Heading id={`${id}-title`}>{title}</Heading>
			{children}
			<div className="field">
				<label htmlFor={`${id}-code`}>{codeLabel}</label>
				<input id={`${id}-code`} name="code" inputMode={numeric ? "numeric" : undefined} autoComplete="one-time-code" required autoFocus={autoFocus} />
			</div>
			<Submit problem={problem} busy={busy} label={submitLabel} />
		</form>
	);
}
