import type {Catalog, Column, Table, UniqueKey} from '../catalog/types.js';
import {quoteIdent} from '../catalog/names.js';
import type {ColumnPlan, Finding, SyncOptions, SyncPlan, TablePlan} from './types.js';
import {orderTables} from './order-tables.js';
import {accessFindings} from './access-findings.js';

const migrations = {
	hint: 'Run your migrations on both databases so their schemas match, or leave this table out.',
	flagHint: 'Run your migrations on both databases so their schemas match, or leave this table out (--exclude).',
};

/** Catalog × Catalog × selection × options → what will be written, in which order, and what stands in the way. */
export function buildPlan(source: Catalog, target: Catalog, selectedIds: string[], options: SyncOptions): SyncPlan {
	const findings: Finding[] = [];
	const tablePlans = new Map<string, TablePlan>();

	for (const id of selectedIds) {
		const sourceTable = source.tables.get(id)!;
		const targetTable = target.tables.get(id);
		if (!targetTable) {
			findings.push({
				table: id,
				severity: 'blocking',
				code: 'table-missing-on-target',
				message: `Table ${id} exists in the source but not in the target database ${target.database}.`,
				...migrations,
			});
			continue;
		}
		const plan = planTable(sourceTable, targetTable, options, findings);
		if (plan) tablePlans.set(id, plan);
	}

	const order = orderTables([...tablePlans.values()].map((plan) => plan.target));
	const deferredConstraints: string[] = [];
	for (const cycle of order.cycles) {
		const members = new Set(cycle);
		const cycleKeys = cycle.flatMap((id) =>
			tablePlans
				.get(id)!
				.target.foreignKeys.filter((fk) => members.has(fk.references) && fk.references !== id)
				.map((fk) => ({table: tablePlans.get(id)!.target, fk})),
		);
		const fixed = cycleKeys.filter(({fk}) => !fk.deferrable);
		if (fixed.length === 0) {
			for (const {table, fk} of cycleKeys)
				deferredConstraints.push(`${quoteIdent(table.schema)}.${quoteIdent(fk.name)}`);
		} else {
			findings.push({
				table: cycle[0],
				severity: 'blocking',
				code: 'foreign-key-cycle',
				message: `Tables ${cycle.join(' → ')} reference each other through foreign keys that cannot be deferred (${fixed.map(({table, fk}) => `${table.id}.${fk.name}`).join(', ')}), so no insert order works.`,
				hint: 'Make those foreign keys DEFERRABLE in a migration on both databases (pgconvoy never alters your constraints), or sync one of these tables on its own.',
			});
		}
	}

	const ordered = order.ordered.map((id) => tablePlans.get(id)!);
	findings.push(...accessFindings(source, target, ordered));
	const selected = new Set(ordered.map((plan) => plan.id));
	for (const plan of ordered) {
		for (const fk of plan.target.foreignKeys) {
			if (fk.references === plan.id || selected.has(fk.references)) continue;
			findings.push({
				table: plan.id,
				severity: 'warning',
				code: 'parent-not-selected',
				parent: fk.references,
				message: `${plan.id} references ${fk.references} (${fk.name}), which is not selected: rows whose parent is missing on the target will make the sync fail and roll back.`,
				hint: `Add ${fk.references} to the tables if the target may lack those parents.`,
			});
		}
		if (plan.target.triggers.length > 0) {
			findings.push({
				table: plan.id,
				severity: 'warning',
				code: 'target-triggers',
				message: `Triggers on the target table ${plan.id} will fire for every written row: ${plan.target.triggers.join(', ')}.`,
			});
		}
		if (plan.target.rowSecurity) {
			findings.push({
				table: plan.id,
				severity: 'warning',
				code: 'target-row-security',
				message: `Row-level security is enabled on the target table ${plan.id}: rows the target role cannot see look missing.`,
				hint: 'Sync as a role that bypasses RLS (table owner or BYPASSRLS).',
			});
		}
	}

	const major = (catalog: Catalog) => Math.floor(catalog.serverVersionNumber / 10000);
	const hashMethod = major(source) === major(target) && major(source) >= 14 ? 'record' : 'text';
	return {options, tables: ordered, deferredConstraints, findings, hashMethod};
}

function planTable(source: Table, target: Table, options: SyncOptions, findings: Finding[]): TablePlan | undefined {
	const sourceColumns = new Map(source.columns.map((column) => [column.name, column]));
	const targetColumns = new Map(target.columns.map((column) => [column.name, column]));
	let blocked = false;

	for (const column of source.columns) {
		if (!targetColumns.has(column.name)) {
			findings.push({
				table: target.id,
				severity: 'warning',
				code: 'source-only-column',
				message: `Column ${target.id}.${column.name} exists only in the source; it will not be copied.`,
				...migrations,
			});
		}
	}
	for (const column of target.columns) {
		if (sourceColumns.has(column.name) || !column.notNull || column.hasDefault || column.generated || column.identity)
			continue;
		blocked = true;
		findings.push({
			table: target.id,
			severity: 'blocking',
			code: 'target-column-required',
			message: `Column ${target.id}.${column.name} exists only in the target, is NOT NULL and has no default, so no row can be inserted.`,
			...migrations,
		});
	}

	const key = chooseKey(source, target, options.keys);
	if (!key) {
		findings.push({
			table: target.id,
			severity: 'blocking',
			code: 'no-key',
			message: `Table ${target.id} has no primary key or unique index on NOT NULL columns, so its rows cannot be matched.`,
			hint: 'Give the table a primary key, or a unique index on NOT NULL columns, on both databases.',
			flagHint: `Name the columns that identify a row: --key ${target.id}=col1,col2`,
		});
		return undefined;
	}
	if (key.origin === '--key') {
		const nullable = key.columns.filter(
			(name) => !sourceColumns.get(name)?.notNull || !targetColumns.get(name)?.notNull,
		);
		if (nullable.length > 0) {
			findings.push({
				table: target.id,
				severity: 'warning',
				code: 'key-nullable',
				message: `Key column${nullable.length > 1 ? 's' : ''} ${nullable.join(', ')} of ${target.id} may hold NULL, which cannot identify a row: a NULL key stops the sync.`,
				hint: 'Prefer NOT NULL columns as the key.',
			});
		}
	}
	for (const name of key.columns) {
		if (!sourceColumns.has(name) || !targetColumns.has(name)) {
			findings.push({
				table: target.id,
				severity: 'blocking',
				code: 'key-column-missing',
				message: `Key column ${name} of ${target.id} is missing in the ${sourceColumns.has(name) ? 'target' : 'source'}.`,
				...migrations,
			});
			return undefined;
		}
	}

	const columns: ColumnPlan[] = [];
	const pair = (name: string, isKey: boolean) => {
		const sourceColumn = sourceColumns.get(name)!;
		const targetColumn = targetColumns.get(name)!;
		const sameType = sourceColumn.typeWithModifier === targetColumn.typeWithModifier;
		if (sourceColumn.type !== targetColumn.type) {
			findings.push({
				table: target.id,
				severity: 'warning',
				code: 'type-mismatch',
				message: `Column ${target.id}.${name} is ${sourceColumn.type} in the source and ${targetColumn.type} in the target; values cross as text and must parse on the target.`,
			});
		}
		// Cast to what an assignment would store (numeric(10,2) rounds), but never to a length limit: an
		// explicit cast to varchar(n) truncates where the write would fail.
		// A domain's base type: the domain itself may exist only on the target, and its CHECK is the target's to apply.
		const castType = targetColumn.textLike ? targetColumn.baseType : targetColumn.baseTypeWithModifier;
		const castable = sameType || targetColumn.builtIn;
		columns.push({
			name,
			key: isKey,
			source: sourceColumn,
			target: targetColumn,
			binarySafe: sourceColumn.type === targetColumn.type && sourceColumn.builtIn && targetColumn.builtIn,
			comparison: castable ? targetColumn.comparison : 'text',
			...(sameType || !castable ? {} : {sourceCast: castType}),
			compared: isKey || targetColumn.identity !== 'a',
		});
		if (isKey && !targetColumn.equalImage && !targetColumn.keyCanonical) {
			blocked = true;
			findings.push({
				table: target.id,
				severity: 'blocking',
				code: 'key-equality-inexact',
				message: `Key column ${target.id}.${name} is ${targetColumn.type}, whose equality is not identity (values can be equal yet differ), and pgconvoy cannot match such keys exactly.`,
				hint: 'Give the table a primary key or unique index on columns of an exactly comparable type (text, integer, uuid…).',
				flagHint: `Match rows on other columns: --key ${target.id}=col1,col2`,
			});
		}
		if (targetColumn.largeObject) {
			findings.push({
				table: target.id,
				severity: 'warning',
				code: 'large-object-column',
				message: `Column ${target.id}.${name} is ${targetColumn.type}: if it holds large object references, only the number is copied, not the object, and on the target it points at whatever object has that OID there.`,
				hint: 'Copy the large objects yourself (lo_export/lo_import or pg_dump --large-objects) and fix the references, or leave this table out.',
			});
		}
	};
	for (const name of key.columns) pair(name, true);
	for (const column of target.columns) {
		if (column.generated || key.columns.includes(column.name) || !sourceColumns.has(column.name)) continue;
		pair(column.name, false);
	}
	if (blocked) return undefined;
	return {
		id: target.id,
		source,
		target,
		key: key.columns,
		keySource: key.origin,
		columns,
		overridingSystemValue: columns.some((column) => column.target.identity === 'a'),
	};
}

/** The key rows are matched on: --key, else the target's (or source's) primary key or unique NOT NULL index. */
export function chooseKey(
	source: Table,
	target: Table,
	keys: Record<string, string[]>,
): {columns: string[]; origin: TablePlan['keySource']} | undefined {
	const given = keys[target.id];
	if (given) return {columns: given, origin: '--key'};
	const sourceNames = new Set(source.columns.filter((column) => !column.generated).map((column) => column.name));
	const usable = (key: UniqueKey) => key.columns.every((name) => sourceNames.has(name));
	const found =
		target.uniqueKeys.find(usable) ??
		source.uniqueKeys.find((key) =>
			key.columns.every((name) => target.columns.some((column: Column) => column.name === name)),
		);
	if (!found) return undefined;
	return {columns: found.columns, origin: found.primary ? 'primary key' : 'unique index'};
}
