import type pg from 'pg';
import {schoolKeys, schoolTables, type SchoolTable} from './school-schema.js';
import {SeededRandom, firstNames, lastNames, timestampText} from './school-data.js';

type Client = pg.Client | pg.PoolClient;

export interface DivergenceOptions {
	/** Same seed on the same seeded data → the same divergence. */
	seed?: number;
}

/** Rows each statement touched directly; rows that ON DELETE CASCADE / SET NULL took along are not counted. */
export type DivergenceSummary = Record<SchoolTable, {deleted: number; updated: number; inserted: number}>;

/**
 * Turns a copy of the seeded school into an older, drifted one, as a production database would be:
 * rows the source has and it lacks (deleted here), rows whose non-key columns differ (updated here:
 * jsonb, arrays, numeric, float, interval, timestamptz down to the microsecond, enum, and the text that
 * feeds the generated column), and rows only it has (inserted here, with fresh keys and valid parents).
 * Unique columns of the new rows never collide with the source's, so every sync mode can apply cleanly.
 * Runs in one transaction.
 */
export async function divergeTarget(client: Client, options: DivergenceOptions = {}): Promise<DivergenceSummary> {
	const random = new SeededRandom((options.seed ?? 1) + 7919);
	const summary = Object.fromEntries(
		schoolTables.map((table) => [table, {deleted: 0, updated: 0, inserted: 0}]),
	) as DivergenceSummary;
	const keyText = (table: SchoolTable) =>
		`json_build_array(${schoolKeys[table].map((column) => `"${column}"`).join(', ')})::text`;

	/** A reproducible random share of a table's keys (at least `min`), as key JSON text. */
	const choose = async (table: SchoolTable, fraction: number, where = 'true', min = 1): Promise<string[]> => {
		const {rows} = await client.query<{k: string}>(
			`SELECT k FROM (SELECT ${keyText(table)} AS k FROM public."${table}" WHERE ${where}) s ORDER BY k COLLATE "C"`,
		);
		const count = Math.min(rows.length, Math.max(min, Math.round(rows.length * fraction)));
		return random.sample(
			rows.map((row) => row.k),
			count,
		);
	};
	const remove = async (table: SchoolTable, fraction: number, where?: string, min?: number) => {
		const keys = await choose(table, fraction, where, min);
		const result = await client.query(`DELETE FROM public."${table}" WHERE ${keyText(table)} = ANY($1)`, [keys]);
		summary[table].deleted += result.rowCount ?? 0;
	};
	/** `assignments` must change every chosen row, or the count of differing rows would be off. */
	const change = async (table: SchoolTable, assignments: string, fraction: number, where?: string, min?: number) => {
		const keys = await choose(table, fraction, where, min);
		const result = await client.query(`UPDATE public."${table}" SET ${assignments} WHERE ${keyText(table)} = ANY($1)`, [
			keys,
		]);
		summary[table].updated += result.rowCount ?? 0;
	};
	const insert = async (table: SchoolTable, sql: string, values: unknown[] = []) => {
		const result = await client.query(sql, values);
		summary[table].inserted += result.rowCount ?? 0;
		return result.rows;
	};

	await client.query('BEGIN');
	try {
		// Deletions, parents first so the cascades take their children along.
		await remove('matieres', 0, `NOT EXISTS (SELECT FROM public.qcms q WHERE q.matiere_id = matieres.id)`);
		await remove('users', 0.03, `role = 'etudiant'`);
		await remove('classes', 0, `classe_parente_id IS NOT NULL`);
		await remove('qcms', 0.05);
		await remove('questions', 0.03);
		await remove('session_examens', 0.04);
		await remove('resultats', 0.03);
		await remove('professeur_matieres', 0.05, `NOT principale`);
		await remove('professeur_niveaux', 0.05);
		await remove('etudiant_niveaux', 0.03, `statut = 'valide'`);
		await remove('etudiant_classes', 0.02);
		await remove('professeur_classes', 0.05, `role <> 'titulaire'`);
		await remove('qcm_niveaux', 0.05);

		// Changes to rows both sides keep; each assignment is sure to alter the row.
		await change('niveaux', `libelle = libelle || ' (ancienne maquette)'`, 0, `code = 'M2'`);
		await change(
			'matieres',
			`coefficient = coefficient + 0.5, description = coalesce(description || ' Programme 2023.', 'À compléter.')`,
			0.2,
		);
		// An import that lost the accents: also changes the generated nom_complet.
		await change(
			'users',
			`prenom = translate(prenom, 'éèêëàâäîïôöûüùçÉÈÊÎÔ', 'eeeeaaaiioouuucEEEIO')`,
			0.05,
			`prenom ~ '[éèêëàâäîïôöûüùçÉÈÊÎÔ]'`,
		);
		await change('users', `role = 'admin'`, 0, `role = 'professeur'`);
		await change(
			'users',
			`derniere_connexion = coalesce(derniere_connexion - interval '3 days', '2024-06-30 18:00:00+00')`,
			0.08,
		);
		await change(
			'users',
			`email = replace(email, '@etu.univ-exemple.fr', '@etu.univ-ancien.fr'), actif = NOT actif`,
			0.02,
			`email LIKE '%@etu.univ-exemple.fr'`,
		);
		await change(
			'classes',
			`capacite = capacite + 5, salle = coalesce(salle || ' bis', 'Salle provisoire')`,
			0.15,
			`capacite IS NOT NULL`,
		);
		await change(
			'qcms',
			`parametres = parametres || '{"tentatives_max": 3, "version": "ancienne"}', bareme = bareme / 2, duree = duree + interval '15 minutes'`,
			0.1,
		);
		await change('qcms', `titre = titre || ' (brouillon)', publie = NOT publie`, 0.05);
		// One trailing space inside a jsonb string, one extra tag, points and a float off by one part in 10⁹.
		await change('questions', `choix = jsonb_set(choix, '{0,texte}', to_jsonb((choix -> 0 ->> 'texte') || ' '))`, 0.04);
		await change('questions', `tags = array_append(tags, 'à revoir'), points = points + 0.5`, 0.04);
		await change('questions', `taux_reussite = taux_reussite + 1e-9`, 0.03, `taux_reussite IS NOT NULL`);
		await change('session_examens', `statut = 'annulee'`, 0.2, `statut = 'planifiee'`);
		await change(
			'session_examens',
			`debut = debut + interval '1 day', fin = fin + interval '1 day', salle = coalesce(salle || ' bis', 'Salle provisoire')`,
			0.05,
		);
		await change(
			'resultats',
			`note = CASE WHEN note >= 10 THEN note - 1.25 ELSE note + 1.25 END, reponses = reponses || '{"corrige_manuellement": true}'`,
			0.05,
			`note IS NOT NULL`,
		);
		// A microsecond and a second: differences a lossy timestamp or interval path would miss.
		await change(
			'resultats',
			`soumis_le = soumis_le + interval '1 microsecond', duree = duree + interval '1 second'`,
			0.03,
			`soumis_le IS NOT NULL`,
		);
		await change('professeur_matieres', `principale = NOT principale`, 0.05);
		await change('etudiant_niveaux', `statut = 'redoublant'`, 0.05, `statut = 'en_cours'`);
		await change('etudiant_classes', `inscrit_le = inscrit_le - interval '1 day'`, 0.05);
		await change(
			'professeur_classes',
			`role = CASE role WHEN 'intervenant' THEN 'charge_td' ELSE 'intervenant' END`,
			0.1,
			`role <> 'titulaire'`,
		);

		// Rows only production has: serial and identity keys come from the target's own sequences,
		// uuids from the seeded generator, and unique texts use names the seed never produces.
		await insert('niveaux', `INSERT INTO public.niveaux (code, libelle, ordre) VALUES ('D1', 'Doctorat 1', 6)`);
		const [music] = await insert(
			'matieres',
			`INSERT INTO public.matieres (code, nom, coefficient, description) VALUES ('MUS', 'Musicologie', 1.0, 'Option libre « écoute et analyse ».') RETURNING id`,
		);
		const [teacher] = await insert(
			'users',
			`INSERT INTO public.users (email, prenom, nom, role, date_naissance, cree_le)
			VALUES ('anne-sophie.deschamps-lefevre@univ-exemple.fr', 'Anne-Sophie', 'Deschamps-Lefèvre', 'professeur', '1979-03-08', $1) RETURNING id`,
			[timestampText(Date.UTC(2025, 2, 3, 9, 12, 5), 420_113)],
		);
		const studentCount = 4;
		const newStudents = await insert(
			'users',
			`INSERT INTO public.users (email, prenom, nom, tuteur_id, date_naissance, cree_le, derniere_connexion)
			SELECT email, prenom, nom, $1, naissance, cree_le, connexion
			FROM unnest($2::text[], $3::text[], $4::text[], $5::date[], $6::timestamptz[], $7::timestamptz[]) AS s(email, prenom, nom, naissance, cree_le, connexion)
			RETURNING id`,
			[
				teacher.id,
				...transpose(
					Array.from({length: studentCount}, (_, index) => {
						const prenom = random.pick(firstNames);
						const nom = random.pick(lastNames);
						return [
							`inscrit.${index + 1}.${random.int(1000, 9999)}@inscriptions-tardives.univ-exemple.fr`,
							prenom,
							nom,
							`2006-0${random.int(1, 9)}-1${random.int(0, 9)}`,
							timestampText(Date.UTC(2025, 1, 10 + index, 14, 3, 27), random.int(0, 999_999)),
							index === 0 ? null : timestampText(Date.UTC(2025, 4, 2 + index, 20, 41, 9), random.int(0, 999_999)),
						];
					}),
					6,
				),
			],
		);
		const studentIds = newStudents.map((row) => row.id as number);
		const [group] = await insert(
			'classes',
			`INSERT INTO public.classes (nom, niveau_id, annee_scolaire, classe_parente_id, capacite, salle)
			SELECT 'L1 – TD renfort', c.niveau_id, c.annee_scolaire, c.id, 15, 'Salle D001'
			FROM public.classes c JOIN public.niveaux n ON n.id = c.niveau_id
			WHERE n.code = 'L1' AND c.classe_parente_id IS NULL RETURNING id, niveau_id`,
		);
		await insert(
			'etudiant_classes',
			`INSERT INTO public.etudiant_classes (etudiant_id, classe_id, inscrit_le) SELECT unnest($1::int[]), $2, '2025-02-17 08:00:00+00'`,
			[studentIds, group.id],
		);
		await insert(
			'etudiant_niveaux',
			`INSERT INTO public.etudiant_niveaux (etudiant_id, niveau_id, annee_scolaire) SELECT unnest($1::int[]), $2, '2024-2025'`,
			[studentIds, group.niveau_id],
		);
		await insert(
			'professeur_classes',
			`INSERT INTO public.professeur_classes (professeur_id, classe_id, role) VALUES ($1, $2, 'titulaire')`,
			[teacher.id, group.id],
		);
		await insert(
			'professeur_matieres',
			`INSERT INTO public.professeur_matieres (professeur_id, matiere_id, principale) VALUES ($1, $2, true)`,
			[teacher.id, music.id],
		);
		await insert(
			'professeur_niveaux',
			`INSERT INTO public.professeur_niveaux (professeur_id, niveau_id) VALUES ($1, $2)`,
			[teacher.id, group.niveau_id],
		);
		// Pairs the source lacks among existing rows, for the key-only association tables.
		await insert(
			'professeur_niveaux',
			`INSERT INTO public.professeur_niveaux (professeur_id, niveau_id)
			SELECT u.id, n.id FROM public.users u CROSS JOIN public.niveaux n
			WHERE u.role = 'professeur' AND n.code <> 'D1'
			AND NOT EXISTS (SELECT FROM public.professeur_niveaux p WHERE p.professeur_id = u.id AND p.niveau_id = n.id)
			ORDER BY u.id, n.id LIMIT 3`,
		);
		await insert(
			'professeur_matieres',
			`INSERT INTO public.professeur_matieres (professeur_id, matiere_id)
			SELECT u.id, m.id FROM public.users u CROSS JOIN public.matieres m
			WHERE u.role = 'professeur' AND u.id <> $1 AND m.id <> $2
			AND NOT EXISTS (SELECT FROM public.professeur_matieres p WHERE p.professeur_id = u.id AND p.matiere_id = m.id)
			ORDER BY u.id DESC, m.id LIMIT 2`,
			[teacher.id, music.id],
		);
		await insert(
			'qcm_niveaux',
			`INSERT INTO public.qcm_niveaux (qcm_id, niveau_id)
			SELECT q.id, n.id FROM public.qcms q JOIN public.niveaux n ON n.code = 'M1'
			WHERE NOT EXISTS (SELECT FROM public.qcm_niveaux x WHERE x.qcm_id = q.id AND x.niveau_id = n.id)
			ORDER BY q.id LIMIT 2`,
		);

		// A QCM written in production only, with its questions, a past session in the new group and results.
		const [qcm] = await insert(
			'qcms',
			`INSERT INTO public.qcms (titre, description, matiere_id, auteur_id, duree, bareme, parametres, publie, cree_le)
			SELECT 'Informatique — Remise à niveau (L1)', NULL, m.id, $1, '00:40:00', 20, '{"melanger_questions": true, "tentatives_max": 2}', true, '2025-02-20 10:00:00+00'
			FROM public.matieres m WHERE m.code = 'INFO' RETURNING id`,
			[teacher.id],
		);
		await insert('qcm_niveaux', `INSERT INTO public.qcm_niveaux (qcm_id, niveau_id) VALUES ($1, $2)`, [
			qcm.id,
			group.niveau_id,
		]);
		const newQuestions = await insert(
			'questions',
			`INSERT INTO public.questions (qcm_id, position, enonce, choix, tags, points, difficulte)
			SELECT $1, position, enonce, choix, tags, 1, 2
			FROM json_to_recordset($2::json) AS q(position int, enonce text, choix jsonb, tags text[]) RETURNING id`,
			[
				qcm.id,
				JSON.stringify([
					{
						position: 1,
						enonce: "Combien d'octets compte un kibioctet (Kio) ?",
						choix: choices('1024', '1000', '512', '2048'),
						tags: ['informatique', 'unités'],
					},
					{
						position: 2,
						enonce: 'Quel protocole chiffre le trafic web ?',
						choix: choices('HTTPS', 'HTTP', 'FTP', 'SMTP'),
						tags: ['informatique', 'réseaux'],
					},
					{
						position: 3,
						enonce: 'Quel caractère échappe un guillemet dans une chaîne JSON ?',
						choix: choices('\\', '/', '"', "'"),
						tags: ['informatique', 'JSON'],
					},
				]),
			],
		);
		// Also a question appended to an existing QCM.
		await insert(
			'questions',
			`INSERT INTO public.questions (qcm_id, position, enonce, choix, tags)
			SELECT q.id, (SELECT max(position) + 1 FROM public.questions x WHERE x.qcm_id = q.id), 'Question ajoutée en production : laquelle est vraie ?', $1::jsonb, '{ajout}'
			FROM public.qcms q WHERE EXISTS (SELECT FROM public.questions x WHERE x.qcm_id = q.id) ORDER BY q.id LIMIT 1`,
			[JSON.stringify(choices('Celle-ci', 'Celle-là', 'Aucune', 'Toutes'))],
		);
		const sessionId = random.uuid();
		await insert(
			'session_examens',
			`INSERT INTO public.session_examens (id, qcm_id, classe_id, surveillant_id, debut, fin, salle, statut)
			VALUES ($1, $2, $3, $4, '2025-03-10 13:00:00+00', '2025-03-10 13:55:00+00', 'Salle D001', 'terminee')`,
			[sessionId, qcm.id, group.id, teacher.id],
		);
		// And a session planned in production for an existing QCM and group.
		await insert(
			'session_examens',
			`INSERT INTO public.session_examens (id, qcm_id, classe_id, debut, fin, statut)
			SELECT $1, s.qcm_id, s.classe_id, '2025-06-23 07:00:00+00', '2025-06-23 08:30:00+00', 'planifiee'
			FROM public.session_examens s ORDER BY s.id LIMIT 1`,
			[random.uuid()],
		);
		const answers = newQuestions.map((row) => row.id as number);
		await insert(
			'resultats',
			`INSERT INTO public.resultats (id, session_id, etudiant_id, note, reponses, duree, soumis_le)
			SELECT id, $1, etudiant_id, note, reponses, duree, soumis_le
			FROM json_to_recordset($2::json) AS r(id uuid, etudiant_id int, note numeric, reponses jsonb, duree interval, soumis_le timestamptz)`,
			[
				sessionId,
				JSON.stringify(
					studentIds.map((studentId, index) => {
						const right = random.int(0, answers.length);
						return {
							id: random.uuid(),
							etudiant_id: studentId,
							note: ((right / answers.length) * 20).toFixed(2),
							reponses: Object.fromEntries(answers.map((id, position) => [id, position < right ? 'A' : 'B'])),
							duree: `00:${20 + index}:${String(random.int(0, 59)).padStart(2, '0')}`,
							soumis_le: timestampText(
								Date.UTC(2025, 2, 10, 13, 20 + index, random.int(0, 59)),
								random.int(0, 999_999),
							),
						};
					}),
				),
			],
		);
		await client.query('COMMIT');
	} catch (error) {
		await client.query('ROLLBACK');
		throw error;
	}
	return summary;
}

/** QCM choices with the first one right, in the seed's jsonb shape. */
function choices(right: string, ...wrong: string[]) {
	return [right, ...wrong].map((texte, index) => ({cle: 'ABCD'[index], texte, correcte: index === 0}));
}

/** Rows → one array per column, for unnest(). */
function transpose(rows: unknown[][], width: number): unknown[][] {
	return Array.from({length: width}, (_, column) => rows.map((row) => row[column]));
}
