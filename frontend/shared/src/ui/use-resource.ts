/**
 * Loads what a page shows, with its loading and error states; a newer request (another filter,
 * another page) aborts the one before, so an old answer never overwrites a newer one.
 */
import { useCallback, useEffect, useRef, useState } from "react";

export type Resource<T> =
	| { state: "loading"; data: undefined; error: undefined; reload: () => void }
	| { state: "ready"; data: T; error: undefined; reload: () => void }
	| { state: "failed"; data: undefined; error: unknown; reload: () => void };

export function useResource<T>(load: (signal: AbortSignal) => Promise<T>, deps: readonly unknown[]): Resource<T> {
	const [result, setResult] = useState<{ state: "loading" } | { state: "ready"; data: T } | { state: "failed"; error: unknown }>({ state: "loading" });
	const [generation, setGeneration] = useState(0);
	const loadRef = useRef(load);
	loadRef.current = load;
	useEffect(() => {
		const controller = new AbortController();
		setResult({ state: "loading" });
		loadRef.current(controller.signal).then(
			(data) => {
				if (!controller.signal.aborted) setResult({ state: "ready", data });
			},
			(error: unknown) => {
				if (!controller.signal.aborted) setResult({ state: "failed", error });
			}
		);
		return () => controller.abort();
		// The caller names what the load depends on, as with useEffect.
	}, [...deps, generation]);
	const reload = useCallback(() => setGeneration((g) => g + 1), []);
	if (result.state === "ready") return { state: "ready", data: result.data, error: undefined, reload };
	if (result.state === "failed") return { state: "failed", data: undefined, error: result.error, reload };
	return { state: "loading", data: undefined, error: undefined, reload };
}
