/** What pgconvoy knows of one database's tables, read once per run. */
/**
 * How a column's values are compared so that "unchanged" means "reads back identical":
 * - `native`: the value itself. Its type's equality is bytewise (btree "equal image" support
 *   function, amproc 4, says so for the column's collation: PostgreSQL's nbtree deduplication uses
 *   the same test) and its hash depends on the value alone (not on an OID that differs per database).
 * - `send`: its binary send form (typsend), as bytea. Exact (1.5 and 1.50, -0 and 0, 'A' and 'a'
 *   under citext all differ), independent of formatting settings, and the same on every server
 *   for built-in types, enums (labels), ranges and extension base types.
 * - `text`: its text form, under the pinned comparison settings: composites (record_send carries
 *   column type OIDs) and arrays of non-built-in types (array_send carries the element type's OID).
 */
export type Comparison = 'native' | 'send' | 'text';

/**
 * For a key column whose equality is not bytewise: the text form that is equal exactly when the
 * values are equal, so both sides can order and merge keys the way the target's unique index
 * matches them. `lower`: citext (citext_eq compares lower()); `trim-scale`: numeric (1.5 = 1.50);
 * `float-zero`: float4/float8 (-0 = 0).
 */
export type KeyCanonical = 'lower' | 'trim-scale' | 'float-zero';

export interface Column {
	name: string;
	/** format_type() without typmod: `integer`, `character varying`, `public.role_kind`. */
	type: string;
	/** format_type() with typmod: `numeric(10,2)`, `character varying(40)`. */
	typeWithModifier: string;
	/** The same for a domain's base type (the type itself otherwise): what a value is cast to on the other side, where the domain may not exist. */
	baseTypeWithModifier: string;
	/** A domain's base type without typmod (`bpchar`, `character varying`), the type itself otherwise. */
	baseType: string;
	typeOid: number;
	/** A built-in type (or array of one): its binary COPY form is the same on any server. */
	builtIn: boolean;
	comparison: Comparison;
	/** Schema-qualified send function, for `comparison: 'send'`. */
	sendFunction?: string;
	/** Equality is identity (equal image): a key of this type matches by its exact value. */
	equalImage: boolean;
	/**
	 * `OPERATOR(public.=)`: the equality of its default btree operator class, schema-qualified, so a
	 * comparison means what the unique index means under any search_path (citext's `=` lives in the
	 * extension's schema; unqualified under search_path = pg_catalog it would be text's `=`).
	 */
	equalityOperator?: string;
	keyCanonical?: KeyCanonical;
	/** The labels of its enum type (or of its array's element enum type), in order: a label missing on the other side cannot be written. */
	enumLabels?: string[];
	/** An array type (`text[]`, `mood[]`). */
	isArray: boolean;
	/** `oid` or the `lo` extension's domain: probably a large object reference, which COPY does not carry. */
	largeObject: boolean;
	notNull: boolean;
	hasDefault: boolean;
	/** `GENERATED ALWAYS AS (...)`, STORED or (PostgreSQL 18) VIRTUAL: computed by the server, never written. */
	generated: boolean;
	/** '' none, 'a' GENERATED ALWAYS AS IDENTITY, 'd' BY DEFAULT. */
	identity: '' | 'a' | 'd';
	/** Integer-like, for key ordering and sequences. */
	integer: boolean;
	/** text/varchar/char: ordered with COLLATE "C". */
	textLike: boolean;
}

export interface UniqueKey {
	name: string;
	columns: string[];
	primary: boolean;
}

/** Any unique index on plain columns (not partial, no expressions), usable as a key or not. */
export interface UniqueIndex extends UniqueKey {
	/** UNIQUE NULLS NOT DISTINCT (PostgreSQL 15+): NULLs collide too. */
	nullsNotDistinct: boolean;
	/** Backs a DEFERRABLE constraint: checked at the end of the statement or transaction, not per row. */
	deferrable: boolean;
}

export interface ForeignKey {
	name: string;
	columns: string[];
	/** Id (see tableId) of the referenced table. */
	references: string;
	referencedColumns: string[];
	deferrable: boolean;
	/** 'a' no action, 'r' restrict, 'c' cascade, 'n' set null, 'd' set default. */
	onDelete: 'a' | 'r' | 'c' | 'n' | 'd';
}

/** A sequence that feeds a column: owned by it (serial, identity) or named in its DEFAULT nextval(). */
export interface ColumnSequence {
	column: string;
	/** Schema-qualified, quoted: ready for SQL. */
	sequence: string;
	/** The connected role may setval() it (UPDATE); USAGE alone allows only nextval(). */
	canUpdate: boolean;
}

export interface Table {
	/** `schema.name`, quoted where needed: the name users type and read. */
	id: string;
	schema: string;
	name: string;
	/** relkind 'p'. Plain tables are read, compared and deleted with ONLY, so INHERITS children stay out. */
	partitioned: boolean;
	columns: Column[];
	/** Unique indexes on NOT NULL plain columns: the keys rows can be matched on. */
	uniqueKeys: UniqueKey[];
	/** Every unique index on plain columns: what a written row must not collide with. */
	uniqueIndexes: UniqueIndex[];
	foreignKeys: ForeignKey[];
	sequences: ColumnSequence[];
	/** What the connected role may do on it (has_table_privilege). */
	privileges: {select: boolean; insert: boolean; update: boolean; delete: boolean};
	/** Row-level security applies to the connected role here (row_security_active): some rows may be hidden from it. */
	rowSecurityActive: boolean;
	/** User triggers that fire on write. */
	triggers: string[];
	rowSecurity: boolean;
	estimatedRows: number;
}

export interface Catalog {
	database: string;
	/** The connected role (current_user). */
	role: string;
	/** The role may create TEMP tables in this database (the apply stages rows in them). */
	canCreateTemp: boolean;
	/** Why no transaction here may write, if none can: a standby, or default_transaction_read_only. */
	readOnly?: 'standby' | 'default_transaction_read_only';
	/** max_locks_per_transaction: how many relations one transaction may lock before the shared lock table may run out. */
	maxLocksPerTransaction: number;
	/** Relations locked when a table is locked, by table id: the table, its partitions, their indexes and TOAST tables. */
	lockFootprint: Map<string, number>;
	/** Views, materialized views and foreign tables, by id, with their relkind: named so users learn why they are not synced. */
	otherRelations: Array<{id: string; schema: string; name: string; relkind: 'v' | 'm' | 'f'}>;
	/** server_version_num, e.g. 180004. */
	serverVersionNumber: number;
	serverVersion: string;
	tables: Map<string, Table>;
}
