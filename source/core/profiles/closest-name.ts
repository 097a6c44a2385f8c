/**
 * "Did you mean …?" for mistyped commands, options and profile names. A few dozen candidates at most,
 * so a plain edit distance is enough (no dependency earns its place for this).
 */
export function closestName(typed: string, candidates: readonly string[]): string | undefined {
	const wanted = typed.toLowerCase();
	if (wanted === '') return undefined;
	// A short typo budget: one edit for short names, about one in three letters for longer ones.
	const budget = Math.max(1, Math.floor(wanted.length / 3));
	let best: {name: string; distance: number} | undefined;
	for (const name of candidates) {
		const candidate = name.toLowerCase();
		// A clear prefix ("--dry" for "--dry-run") counts as close whatever its length.
		const distance = wanted.length >= 3 && candidate.startsWith(wanted) ? 1 : editDistance(wanted, candidate);
		if (distance <= budget && (!best || distance < best.distance)) best = {name, distance};
	}
	return best?.name;
}

/** Optimal string alignment distance: Levenshtein plus swapped neighbours ("snyc" → "sync" is one edit). */
export function editDistance(a: string, b: string): number {
	const rows = a.length + 1;
	const columns = b.length + 1;
	const d: number[][] = Array.from({length: rows}, (_, i) =>
		Array.from({length: columns}, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
	);
	for (let i = 1; i < rows; i++) {
		for (let j = 1; j < columns; j++) {
			const cost = a[i - 1] === b[j - 1] ? 0 : 1;
			d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
			if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
				d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
		}
	}
	return d[a.length][b.length];
}
