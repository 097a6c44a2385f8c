/**
 * The school QCM schema that pgconvoy grew out of, used by the demo, the tests and the benchmark.
 * It is deliberately awkward to sync: serial, identity-always and uuid keys, composite keys, an enum,
 * jsonb, arrays, numeric, interval, float, a stored generated column, self-references, CASCADE and
 * SET NULL foreign keys, and unique constraints besides the primary keys.
 * Everything is schema-qualified so it also runs with `search_path = ''`.
 */

export type SchoolTable =
	| 'niveaux'
	| 'matieres'
	| 'users'
	| 'classes'
	| 'qcms'
	| 'questions'
	| 'session_examens'
	| 'resultats'
	| 'professeur_matieres'
	| 'professeur_niveaux'
	| 'etudiant_niveaux'
	| 'etudiant_classes'
	| 'professeur_classes'
	| 'qcm_niveaux';

/** Every school table in a valid foreign-key order: parents first. */
export const schoolTables: SchoolTable[] = [
	'niveaux',
	'matieres',
	'users',
	'classes',
	'qcms',
	'questions',
	'session_examens',
	'resultats',
	'professeur_matieres',
	'professeur_niveaux',
	'etudiant_niveaux',
	'etudiant_classes',
	'professeur_classes',
	'qcm_niveaux',
];

/** Primary key columns of each school table. */
export const schoolKeys: Record<SchoolTable, string[]> = {
	niveaux: ['id'],
	matieres: ['id'],
	users: ['id'],
	classes: ['id'],
	qcms: ['id'],
	questions: ['id'],
	session_examens: ['id'],
	resultats: ['id'],
	professeur_matieres: ['professeur_id', 'matiere_id'],
	professeur_niveaux: ['professeur_id', 'niveau_id'],
	etudiant_niveaux: ['etudiant_id', 'niveau_id'],
	etudiant_classes: ['etudiant_id', 'classe_id'],
	professeur_classes: ['professeur_id', 'classe_id'],
	qcm_niveaux: ['qcm_id', 'niveau_id'],
};

export const schoolSchemaSql = `
CREATE TYPE public.role_utilisateur AS ENUM ('etudiant', 'professeur', 'admin');

CREATE TABLE public.niveaux (
	id serial PRIMARY KEY,
	code text NOT NULL UNIQUE,
	libelle text NOT NULL,
	ordre smallint NOT NULL
);

-- Identity ALWAYS: writing explicit ids needs OVERRIDING SYSTEM VALUE.
CREATE TABLE public.matieres (
	id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	code text NOT NULL UNIQUE,
	nom text NOT NULL,
	coefficient numeric(3,1) NOT NULL DEFAULT 1.0,
	description text
);

CREATE TABLE public.users (
	id serial PRIMARY KEY,
	email text NOT NULL UNIQUE,
	prenom text NOT NULL,
	nom text NOT NULL,
	-- Computed by the server: a sync must never write it.
	nom_complet text GENERATED ALWAYS AS (prenom || ' ' || nom) STORED,
	role public.role_utilisateur NOT NULL DEFAULT 'etudiant',
	-- Students are followed by a teacher: a self-reference, filled in the same statement.
	tuteur_id integer REFERENCES public.users (id) ON DELETE SET NULL,
	date_naissance date,
	actif boolean NOT NULL DEFAULT true,
	cree_le timestamptz NOT NULL DEFAULT now(),
	derniere_connexion timestamptz
);

CREATE TABLE public.classes (
	id serial PRIMARY KEY,
	nom text NOT NULL,
	niveau_id integer NOT NULL REFERENCES public.niveaux (id),
	annee_scolaire text NOT NULL,
	-- A TD group belongs to its year's promotion.
	classe_parente_id integer REFERENCES public.classes (id) ON DELETE CASCADE,
	capacite integer CHECK (capacite > 0),
	salle text,
	UNIQUE (nom, annee_scolaire)
);

CREATE TABLE public.qcms (
	id serial PRIMARY KEY,
	titre text NOT NULL,
	description text,
	matiere_id integer NOT NULL REFERENCES public.matieres (id),
	auteur_id integer NOT NULL REFERENCES public.users (id),
	duree interval NOT NULL,
	bareme numeric(5,2) NOT NULL DEFAULT 20,
	parametres jsonb NOT NULL DEFAULT '{}',
	publie boolean NOT NULL DEFAULT false,
	cree_le timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE public.questions (
	id serial PRIMARY KEY,
	qcm_id integer NOT NULL REFERENCES public.qcms (id) ON DELETE CASCADE,
	position integer NOT NULL,
	enonce text NOT NULL,
	choix jsonb NOT NULL,
	tags text[] NOT NULL DEFAULT '{}',
	points numeric(4,2) NOT NULL DEFAULT 1,
	difficulte smallint CHECK (difficulte BETWEEN 1 AND 5),
	-- Share of students who answered right so far; a float on purpose (text form depends on extra_float_digits).
	taux_reussite double precision
);

CREATE TABLE public.session_examens (
	id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	qcm_id integer NOT NULL REFERENCES public.qcms (id) ON DELETE CASCADE,
	classe_id integer NOT NULL REFERENCES public.classes (id) ON DELETE CASCADE,
	surveillant_id integer REFERENCES public.users (id) ON DELETE SET NULL,
	debut timestamptz NOT NULL,
	fin timestamptz NOT NULL,
	salle text,
	statut text NOT NULL DEFAULT 'planifiee' CHECK (statut IN ('planifiee', 'en_cours', 'terminee', 'annulee')),
	CHECK (fin > debut)
);

CREATE TABLE public.resultats (
	id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	session_id uuid NOT NULL REFERENCES public.session_examens (id) ON DELETE CASCADE,
	etudiant_id integer NOT NULL REFERENCES public.users (id) ON DELETE CASCADE,
	note numeric(5,2) CHECK (note BETWEEN 0 AND 20),
	reponses jsonb NOT NULL DEFAULT '{}',
	duree interval,
	soumis_le timestamptz,
	UNIQUE (session_id, etudiant_id)
);

CREATE TABLE public.professeur_matieres (
	professeur_id integer NOT NULL REFERENCES public.users (id) ON DELETE CASCADE,
	matiere_id integer NOT NULL REFERENCES public.matieres (id) ON DELETE CASCADE,
	principale boolean NOT NULL DEFAULT false,
	PRIMARY KEY (professeur_id, matiere_id)
);

CREATE TABLE public.professeur_niveaux (
	professeur_id integer NOT NULL REFERENCES public.users (id) ON DELETE CASCADE,
	niveau_id integer NOT NULL REFERENCES public.niveaux (id) ON DELETE CASCADE,
	PRIMARY KEY (professeur_id, niveau_id)
);

CREATE TABLE public.etudiant_niveaux (
	etudiant_id integer NOT NULL REFERENCES public.users (id) ON DELETE CASCADE,
	niveau_id integer NOT NULL REFERENCES public.niveaux (id) ON DELETE CASCADE,
	annee_scolaire text NOT NULL,
	statut text NOT NULL DEFAULT 'en_cours' CHECK (statut IN ('en_cours', 'valide', 'redoublant')),
	PRIMARY KEY (etudiant_id, niveau_id)
);

CREATE TABLE public.etudiant_classes (
	etudiant_id integer NOT NULL REFERENCES public.users (id) ON DELETE CASCADE,
	classe_id integer NOT NULL REFERENCES public.classes (id) ON DELETE CASCADE,
	inscrit_le timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (etudiant_id, classe_id)
);

CREATE TABLE public.professeur_classes (
	professeur_id integer NOT NULL REFERENCES public.users (id) ON DELETE CASCADE,
	classe_id integer NOT NULL REFERENCES public.classes (id) ON DELETE CASCADE,
	role text NOT NULL DEFAULT 'intervenant' CHECK (role IN ('titulaire', 'intervenant', 'charge_td')),
	PRIMARY KEY (professeur_id, classe_id)
);

CREATE TABLE public.qcm_niveaux (
	qcm_id integer NOT NULL REFERENCES public.qcms (id) ON DELETE CASCADE,
	niveau_id integer NOT NULL REFERENCES public.niveaux (id) ON DELETE CASCADE,
	PRIMARY KEY (qcm_id, niveau_id)
);
`;

/**
 * Installed on the target only: an audit table outside the school tables and a trigger on `resultats`,
 * so tests can prove that target triggers fire normally during a sync.
 */
export const targetTriggerSql = `
CREATE TABLE public.audit_sync (
	id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	nom_table text NOT NULL,
	operation text NOT NULL,
	cle text NOT NULL,
	horodatage timestamptz NOT NULL DEFAULT clock_timestamp()
);

-- Written as applications write audit triggers: unqualified names, no pinned search_path.
CREATE FUNCTION public.audit_resultats() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO audit_sync (nom_table, operation, cle) VALUES (TG_TABLE_NAME, TG_OP, NEW.id::text);
	RETURN NULL;
END
$$;

CREATE TRIGGER resultats_audit AFTER INSERT OR UPDATE ON public.resultats
FOR EACH ROW EXECUTE FUNCTION public.audit_resultats();
`;
