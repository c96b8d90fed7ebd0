/** A state as a word with a colour behind it (the word alone carries the meaning). */
export function StatusBadge({ status, label }: { status: string; label?: string }) {
	return <span className={`status status-${status}`}>{label ?? status}</span>;
}
