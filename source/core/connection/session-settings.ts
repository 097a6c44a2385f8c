/**
 * Settings pinned on every session, so both servers produce the same text for the same value and
 * nothing depends on a role's search_path. Sent in the startup packet: no extra round trip.
 */
export const fixedSessionSettings: Record<string, string> = {
	search_path: 'pg_catalog',
	TimeZone: 'UTC',
	DateStyle: 'ISO',
	IntervalStyle: 'postgres',
	extra_float_digits: '3',
	bytea_output: 'hex',
	client_encoding: 'UTF8',
	// A sort of a few hundred thousand keys should not spill to disk.
	work_mem: '64MB',
};

export function startupOptions(settings: Record<string, string>): string {
	return Object.entries(settings)
		.map(([name, value]) => `-c ${name}=${value.replaceAll('\\', '\\\\').replaceAll(' ', '\\ ')}`)
		.join(' ');
}
