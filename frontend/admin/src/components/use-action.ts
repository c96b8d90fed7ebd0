/** One button's call: busy while it runs, its error kept to be shown beside it. */
import { useState } from "react";

export function useAction(): { busy: boolean; error: unknown; run: (action: () => Promise<unknown>) => Promise<boolean> } {
	const [busy, setBusy] = useState(false);
	const [error, setError] = useState<unknown>();
	async function run(action: () => Promise<unknown>): Promise<boolean> {
		setBusy(true);
		setError(undefined);
		try {
			await action();
			return true;
		} catch (err) {
			setError(err);
			return false;
		} finally {
			setBusy(false);
		}
	}
	return { busy, error, run };
}
