/** Number and duration formatting shared by the plain renderer and the wizard. */
const integer = new Intl.NumberFormat('en-US');

export function formatCount(value: number): string {
	return integer.format(value);
}

export function formatDuration(ms: number): string {
	if (ms < 1000) return `${ms} ms`;
	if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
	const minutes = Math.floor(ms / 60_000);
	return `${minutes} min ${Math.round((ms % 60_000) / 1000)} s`;
}
