/**
 * A form's action in flight: `busy` while it runs (to disable its button), and what it failed
 * with, cleared when the next one starts. `describe` turns the thrown value into what is kept.
 */
import { useState } from "react";

export function useBusyAction<E>(describe: (err: unknown) => E) {
	const [error, setError] = useState<E>();
	const [busy, setBusy] = useState(false);

	async function run(action: () => Promise<void>): Promise<void> {
		setBusy(true);
		setError(undefined);
		try {
			await action();
		} catch (err) {
			setError(describe(err));
		} finally {
			setBusy(false);
		}
	}

	return { busy, error, setError, run };
}
