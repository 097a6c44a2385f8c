import type {Table} from '../catalog/types.js';

export interface TableOrder {
	/** Parents before children. */
	ordered: string[];
	/** Groups of tables that reference each other in a cycle (self-references excluded). */
	cycles: string[][];
}

/**
 * Topological order over the foreign keys among the selected tables (Tarjan's strongly connected
 * components, which come out children-first and are reversed). Ties keep the input order, so the
 * result is stable from run to run.
 */
export function orderTables(tables: Table[]): TableOrder {
	const selected = new Map(tables.map((table) => [table.id, table]));
	const parentsOf = (table: Table) =>
		[...new Set(table.foreignKeys.map((fk) => fk.references))].filter((id) => id !== table.id && selected.has(id));

	let counter = 0;
	const index = new Map<string, number>();
	const low = new Map<string, number>();
	const stack: string[] = [];
	const onStack = new Set<string>();
	const components: string[][] = [];

	const visit = (id: string) => {
		index.set(id, counter);
		low.set(id, counter);
		counter++;
		stack.push(id);
		onStack.add(id);
		for (const parent of parentsOf(selected.get(id)!)) {
			if (!index.has(parent)) {
				visit(parent);
				low.set(id, Math.min(low.get(id)!, low.get(parent)!));
			} else if (onStack.has(parent)) {
				low.set(id, Math.min(low.get(id)!, index.get(parent)!));
			}
		}
		if (low.get(id) === index.get(id)) {
			const component: string[] = [];
			let member: string;
			do {
				member = stack.pop()!;
				onStack.delete(member);
				component.push(member);
			} while (member !== id);
			components.push(component.reverse());
		}
	};
	for (const table of tables) if (!index.has(table.id)) visit(table.id);

	// Tarjan emits a component only after all components it points to (its parents): already parents-first.
	return {ordered: components.flat(), cycles: components.filter((component) => component.length > 1)};
}
