/** The platform's SSE stream for as long as a page is shown, with its connection state. */
import { useEffect, useRef, useState } from "react";
import { openEventStream, type StreamState } from "@openpolicy/frontend-shared/event-stream.ts";
import { usePlatform } from "../platform.tsx";

export function usePlatformEvents(onEvent: (name: string, data: unknown) => void): StreamState {
	const { session } = usePlatform();
	const [state, setState] = useState<StreamState>("connecting");
	const handler = useRef(onEvent);
	handler.current = onEvent;
	useEffect(() => openEventStream({ url: "/api/v1/events", tokens: session, onEvent: (name, data) => handler.current(name, data), onState: setState }), [session]);
	return state;
}
