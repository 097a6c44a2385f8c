/** What pgconvoy knows of one database's tables, read once per run. */
export interface Column {
	name: string;
	/** format_type(): `integer`, `character varying(40)`, `public.role_kind`. */
	type: string;
	typeOid: number;
	/** A built-in type (or array of one): its binary COPY form is the same on any server. */
	builtIn: boolean;
	/** Its values can go through hash_record_extended / row `=` directly; otherwise they go as text. */
	hashable: boolean;
	notNull: boolean;
	hasDefault: boolean;
	/** `GENERATED ALWAYS AS (...) STORED`: computed by the server, never written. */
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

export interface OwnedSequence {
	column: string;
	/** Schema-qualified, quoted: ready for SQL. */
	sequence: string;
}

export interface Table {
	/** `schema.name`, quoted where needed: the name users type and read. */
	id: string;
	schema: string;
	name: string;
	partitioned: boolean;
	columns: Column[];
	uniqueKeys: UniqueKey[];
	foreignKeys: ForeignKey[];
	sequences: OwnedSequence[];
	/** User triggers that fire on write. */
	triggers: string[];
	rowSecurity: boolean;
	estimatedRows: number;
}

export interface Catalog {
	database: string;
	/** server_version_num, e.g. 180004. */
	serverVersionNumber: number;
	serverVersion: string;
	tables: Map<string, Table>;
}
