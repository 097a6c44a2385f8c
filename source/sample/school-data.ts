import type pg from 'pg';
import {schoolTables, type SchoolTable} from './school-schema.js';

/** Rows written per school table. */
export type SeedSummary = Record<SchoolTable, number>;

export interface SeedOptions {
	/** Multiplies people, classes, QCMs and everything hanging off them; 1 ≈ 200 students and 20 teachers. */
	scale?: number;
	/** Same seed (and scale) → byte-identical data. */
	seed?: number;
}

type Row = Record<string, unknown>;
type Client = pg.Client | pg.PoolClient;

/** A small deterministic PRNG (mulberry32): sample data must not depend on Math.random. */
export class SeededRandom {
	#state: number;

	constructor(seed: number) {
		this.#state = (Math.imul(seed | 0, 0x9e3779b1) ^ 0x5bd1e995) >>> 0;
	}

	/** In [0, 1). */
	next(): number {
		this.#state = (this.#state + 0x6d2b79f5) >>> 0;
		let t = this.#state;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	}

	/** Integer in [min, max]. */
	int(min: number, max: number): number {
		return min + Math.floor(this.next() * (max - min + 1));
	}

	chance(probability: number): boolean {
		return this.next() < probability;
	}

	pick<T>(items: readonly T[]): T {
		return items[Math.floor(this.next() * items.length)];
	}

	shuffle<T>(items: readonly T[]): T[] {
		const copy = [...items];
		for (let i = copy.length - 1; i > 0; i--) {
			const j = Math.floor(this.next() * (i + 1));
			[copy[i], copy[j]] = [copy[j], copy[i]];
		}
		return copy;
	}

	/** Up to `count` distinct items. */
	sample<T>(items: readonly T[], count: number): T[] {
		return this.shuffle(items).slice(0, count);
	}

	/** A version-4 UUID drawn from this generator, so uuid keys are reproducible too. */
	uuid(): string {
		const bytes = Array.from({length: 16}, () => Math.floor(this.next() * 256));
		bytes[6] = (bytes[6] & 0x0f) | 0x40;
		bytes[8] = (bytes[8] & 0x3f) | 0x80;
		const hex = bytes.map((byte) => byte.toString(16).padStart(2, '0')).join('');
		return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
	}
}

const schoolYear = '2024-2025';
/** "Today" for the sample: sessions before it are over and graded, later ones are planned. */
const sampleToday = Date.UTC(2025, 4, 15);
const minute = 60_000;
const day = 86_400_000;

/** UTC timestamp text with microseconds, which a JS Date cannot hold: catches lossy round trips. */
export function timestampText(ms: number, micros = 0): string {
	return `${new Date(ms).toISOString().slice(0, 19)}.${String(micros).padStart(6, '0')}Z`;
}

function randomTimestamp(random: SeededRandom, fromMs: number, toMs: number): string {
	const ms = fromMs + Math.floor(random.next() * (toMs - fromMs));
	return timestampText(ms - (ms % 1000), random.int(0, 999_999));
}

function intervalText(seconds: number): string {
	const pad = (value: number) => String(value).padStart(2, '0');
	return `${pad(Math.floor(seconds / 3600))}:${pad(Math.floor((seconds % 3600) / 60))}:${pad(seconds % 60)}`;
}

/** Accents, apostrophes and spaces in names are the point: they must survive the sync untouched. */
export const firstNames = [
	'Élodie',
	'Jérôme',
	'Hélène',
	'Zoé',
	'Anaïs',
	'Noël',
	'François',
	'Gaëlle',
	'Loïc',
	'Maëlle',
	'Chloé',
	'Théo',
	'Léa',
	'Clément',
	'Inès',
	'Raphaël',
	'Benoît',
	'Cécile',
	'Agnès',
	'Joël',
	'Mathéo',
	'Léna',
	'Océane',
	'Anaëlle',
	'Thomas',
	'Camille',
	'Lucas',
	'Manon',
	'Hugo',
	'Sarah',
	'Louis',
	'Emma',
	'Nathan',
	'Julie',
	'Arthur',
	'Laura',
	'Antoine',
	'Marie',
	'Paul',
	'Juliette',
	'Maxime',
	'Pauline',
	'Adrien',
	'Margaux',
	'Yanis',
	'Aïcha',
	'Mehdi',
	'Fatoumata',
	'Sébastien',
	'Aurélie',
	'Grégoire',
	'Stéphanie',
	'Rémi',
	'Béatrice',
	'Frédéric',
	'Valérie',
	'Jean-Luc',
	'Marie-Hélène',
	'Éric',
	'Ève',
];

export const lastNames = [
	'Martin',
	'Bernard',
	'Dubois',
	'Thomas',
	'Robert',
	'Richard',
	'Petit',
	'Durand',
	'Leroy',
	'Moreau',
	'Simon',
	'Laurent',
	'Lefèvre',
	'Michel',
	'Garcia',
	'David',
	'Bertrand',
	'Roux',
	'Vincent',
	'Fournier',
	'Morel',
	'Girard',
	'André',
	'Mercier',
	'Dupont',
	'Lambert',
	'Bonnet',
	'François',
	'Martinez',
	'Legrand',
	'Garnier',
	'Faure',
	'Rousseau',
	'Blanc',
	'Guérin',
	'Muller',
	'Henry',
	'Roussel',
	'Nicolas',
	'Perrin',
	'Morin',
	'Mathieu',
	'Clément',
	'Gauthier',
	'Dumont',
	'Lopez',
	'Fontaine',
	'Chevalier',
	'Robin',
	'Masson',
	'Sánchez',
	'Gérard',
	'Nguyen',
	'Boyer',
	'Denis',
	'Lemaire',
	'Duval',
	'Joly',
	'Gautier',
	'Roger',
	'Le Gall',
	"N'Diaye",
	"D'Almeida",
	'Lefebvre-Hénaff',
	'Bréhéret',
	'Côté',
	'Schæffer',
];

const levels = [
	{code: 'L1', libelle: 'Licence 1', share: 0.28, cycle: 'licence'},
	{code: 'L2', libelle: 'Licence 2', share: 0.24, cycle: 'licence'},
	{code: 'L3', libelle: 'Licence 3', share: 0.2, cycle: 'licence'},
	{code: 'M1', libelle: 'Master 1', share: 0.16, cycle: 'master'},
	{code: 'M2', libelle: 'Master 2', share: 0.12, cycle: 'master'},
] as const;

/** [statement, right answer, three wrong ones, tags]. Backslashes, tabs and newlines are deliberate. */
type BankQuestion = [string, string, string, string, string, string[]];

interface Subject {
	code: string;
	nom: string;
	coefficient: string;
	description: string | null;
	bank: BankQuestion[];
	/** Makes fresh questions when the bank runs out. */
	generate?: (random: SeededRandom) => BankQuestion;
}

const subjects: Subject[] = [
	{
		code: 'MATH',
		nom: 'Mathématiques',
		coefficient: '3.0',
		description: 'Analyse, algèbre linéaire et probabilités.',
		bank: [
			['Quelle est la dérivée de f(x) = x² ?', '2x', 'x', 'x³/3', '2', ['analyse', 'dérivation']],
			['Combien vaut ∫₀¹ x dx ?', '1/2', '1', '0', '2', ['analyse', 'intégrales']],
			['Quel est le déterminant de la matrice [[1, 2], [3, 4]] ?', '-2', '2', '10', '-10', ['algèbre linéaire']],
			['Quelle est la limite de (1 + 1/n)ⁿ quand n → ∞ ?', 'e', '1', '∞', '0', ['analyse', 'suites']],
			[
				"On lance deux dés équilibrés. Quelle est la probabilité d'obtenir un double ?",
				'1/6',
				'1/36',
				'1/12',
				'1/3',
				['probabilités'],
			],
			['Combien de sous-ensembles possède un ensemble à n éléments ?', '2ⁿ', 'n²', 'n!', '2n', ['dénombrement']],
		],
		generate(random) {
			const a = random.int(3, 19);
			const b = random.int(3, 19);
			return [`Combien vaut ${a} × ${b} ?`, `${a * b}`, `${a * b + a}`, `${a * b - b}`, `${a + b}`, ['calcul']];
		},
	},
	{
		code: 'PHYS',
		nom: 'Physique',
		coefficient: '2.5',
		description: 'Mécanique, électricité et ondes.',
		bank: [
			[
				"Quelle est l'unité SI de la force ?",
				'Le newton (N)',
				'Le joule (J)',
				'Le watt (W)',
				'Le pascal (Pa)',
				['unités'],
			],
			[
				'Quelle est la vitesse de la lumière dans le vide ?',
				'≈ 3 × 10⁸ m/s',
				'≈ 3 × 10⁶ m/s',
				'≈ 340 m/s',
				'≈ 3 × 10¹⁰ m/s',
				['ondes', 'constantes'],
			],
			["Selon la loi d'Ohm, U = …", 'R × I', 'R / I', 'I / R', 'R + I', ['électricité']],
			[
				"Quelle grandeur se conserve lors d'un choc élastique ?",
				"L'énergie cinétique et la quantité de mouvement",
				'Seulement la quantité de mouvement',
				"Seulement l'énergie cinétique",
				'Aucune',
				['mécanique'],
			],
			[
				"L'accélération de la pesanteur à la surface de la Terre vaut environ :",
				'9,81 m/s²',
				'1,62 m/s²',
				'98,1 m/s²',
				'0,981 m/s²',
				['mécanique', 'constantes'],
			],
			[
				'Un objet de 2 kg subit une force de 10 N. Son accélération vaut :',
				'5 m/s²',
				'20 m/s²',
				'0,2 m/s²',
				'12 m/s²',
				['mécanique'],
			],
		],
	},
	{
		code: 'INFO',
		nom: 'Informatique',
		coefficient: '3.0',
		description: 'Algorithmique, programmation et bases de données.',
		bank: [
			['Qu\'affiche printf("%d\\n", 7 / 2) en C ?', '3', '3.5', '4', '3.0', ['C', 'programmation']],
			[
				'Quelle est la complexité moyenne du tri rapide ?',
				'O(n log n)',
				'O(n²)',
				'O(n)',
				'O(log n)',
				['algorithmique', 'complexité'],
			],
			[
				'Quelle structure de données suit le principe « dernier entré, premier sorti » ?',
				'Une pile',
				'Une file',
				'Un arbre',
				'Un tableau associatif',
				['structures de données'],
			],
			[
				'Que retourne cette fonction Python pour n = 3 ?\ndef f(n):\n\treturn n * 2',
				'6',
				'3',
				'9',
				'None',
				['Python', 'programmation'],
			],
			[
				'En SQL, quelle clause filtre les groupes après un GROUP BY ?',
				'HAVING',
				'WHERE',
				'ORDER BY',
				'LIMIT',
				['SQL', 'bases de données'],
			],
			['Quel séparateur de chemin utilise Windows ?', '\\', '/', ':', '|', ['systèmes']],
			["Que vaut l'expression JavaScript '1' + 1 ?", '"11"', '2', 'NaN', 'Une erreur', ['JavaScript', 'programmation']],
		],
		generate(random) {
			const value = random.int(5, 200);
			return [
				`Que vaut ${value} écrit en binaire ?`,
				value.toString(2),
				(value + 1).toString(2),
				(value >> 1).toString(2),
				value.toString(8),
				['numération', 'binaire'],
			];
		},
	},
	{
		code: 'CHIM',
		nom: 'Chimie',
		coefficient: '2.0',
		description: null,
		bank: [
			['Quel est le numéro atomique du carbone ?', '6', '12', '8', '14', ['atomistique']],
			["Quel est le pH d'une solution neutre à 25 °C ?", '7', '0', '14', '1', ['acides et bases']],
			["Quelle est la formule de l'eau oxygénée ?", 'H₂O₂', 'H₂O', 'HO', 'H₃O⁺', ['nomenclature']],
			[
				"Combien vaut le nombre d'Avogadro ?",
				'≈ 6,022 × 10²³ mol⁻¹',
				'≈ 3 × 10⁸ mol⁻¹',
				'≈ 1,6 × 10⁻¹⁹ mol⁻¹',
				'≈ 9,81 mol⁻¹',
				['constantes'],
			],
			[
				"Quelle liaison unit les atomes d'une molécule de dichlore ?",
				'Covalente',
				'Ionique',
				'Métallique',
				'Hydrogène',
				['liaisons'],
			],
		],
	},
	{
		code: 'BIO',
		nom: 'Biologie',
		coefficient: '2.0',
		description: 'Biologie cellulaire et génétique.',
		bank: [
			[
				'Quel organite est le siège de la respiration cellulaire ?',
				'La mitochondrie',
				'Le noyau',
				'Le ribosome',
				"L'appareil de Golgi",
				['cellule'],
			],
			[
				"Quelle base azotée est absente de l'ADN ?",
				"L'uracile",
				'La thymine',
				"L'adénine",
				'La guanine',
				['génétique'],
			],
			['Combien de chromosomes compte une cellule humaine diploïde ?', '46', '23', '44', '92', ['génétique']],
			[
				'Quel est le rôle principal des globules rouges ?',
				'Transporter le dioxygène',
				"Défendre l'organisme",
				'Coaguler le sang',
				'Produire des anticorps',
				['physiologie'],
			],
			[
				'La photosynthèse a lieu principalement dans :',
				'Les chloroplastes',
				'Les mitochondries',
				'Le noyau',
				'Les vacuoles',
				['végétal', 'cellule'],
			],
		],
	},
	{
		code: 'HIST',
		nom: 'Histoire',
		coefficient: '1.5',
		description: "Histoire moderne et contemporaine de la France et de l'Europe.",
		bank: [
			['En quelle année a eu lieu la prise de la Bastille ?', '1789', '1792', '1776', '1815', ['Révolution française']],
			[
				'Qui fut le premier président de la Vᵉ République ?',
				'Charles de Gaulle',
				'Georges Pompidou',
				'René Coty',
				'Vincent Auriol',
				['XXᵉ siècle'],
			],
			[
				"Quel traité met fin à la Première Guerre mondiale avec l'Allemagne ?",
				'Le traité de Versailles',
				'Le traité de Rome',
				'Le traité de Maastricht',
				'Le traité de Francfort',
				['XXᵉ siècle', 'guerres mondiales'],
			],
			["En quelle année l'édit de Nantes est-il promulgué ?", '1598', '1685', '1515', '1648', ['époque moderne']],
			[
				'Quelle dynastie règne sur la France au XVIIᵉ siècle ?',
				'Les Bourbons',
				'Les Valois',
				'Les Capétiens directs',
				'Les Carolingiens',
				['époque moderne'],
			],
		],
	},
	{
		code: 'GEO',
		nom: 'Géographie',
		coefficient: '1.5',
		description: null,
		bank: [
			[
				'Quel est le plus long fleuve de France ?',
				'La Loire',
				'La Seine',
				'Le Rhône',
				'La Garonne',
				['France', 'hydrographie'],
			],
			[
				'Quel est le point culminant de la France métropolitaine ?',
				'Le mont Blanc',
				'Le Vignemale',
				'Le puy de Sancy',
				'Le mont Ventoux',
				['France', 'relief'],
			],
			[
				'Combien de régions compte la France métropolitaine depuis 2016 ?',
				'13',
				'22',
				'18',
				'101',
				['France', 'territoires'],
			],
			["Quelle est la capitale de l'Australie ?", 'Canberra', 'Sydney', 'Melbourne', 'Perth', ['monde']],
		],
	},
	{
		code: 'ECO',
		nom: 'Économie',
		coefficient: '2.0',
		description: 'Macroéconomie et économie monétaire.',
		bank: [
			[
				'Que mesure le PIB ?',
				'La richesse produite sur un territoire en un an',
				'Le patrimoine des ménages',
				'La dette publique',
				'Le solde commercial',
				['macroéconomie'],
			],
			[
				"Qu'appelle-t-on l'inflation ?",
				'Une hausse générale et durable des prix',
				'Une baisse du chômage',
				"Une hausse des taux d'intérêt",
				'Une baisse de la production',
				['macroéconomie'],
			],
			[
				'Quelle institution fixe les taux directeurs de la zone euro ?',
				'La Banque centrale européenne',
				'La Commission européenne',
				'Le FMI',
				'La Banque de France',
				['monnaie'],
			],
			[
				'Un prix passe de 80 € à 100 €. De combien a-t-il augmenté ?',
				'25 %',
				'20 %',
				'80 %',
				'120 %',
				['calcul', 'pourcentages'],
			],
		],
	},
	{
		code: 'ANG',
		nom: 'Anglais',
		coefficient: '1.0',
		description: 'Anglais général et scientifique.',
		bank: [
			[
				"Traduisez « Je n'ai jamais vu ce film ».",
				'I have never seen this film.',
				'I never saw this film yesterday.',
				"I haven't never seen this film.",
				"I didn't never see this film.",
				['traduction'],
			],
			['Quel est le prétérit de « to go » ?', 'went', 'gone', 'goed', 'going', ['grammaire', 'verbes irréguliers']],
			['Complétez : « She has lived here ___ 2010. »', 'since', 'for', 'during', 'from', ['grammaire']],
			['Que signifie « actually » ?', 'En fait', 'Actuellement', 'Activement', 'Actuel', ['vocabulaire', 'faux amis']],
		],
	},
	// Subjects nobody has written a QCM for yet: the only rows that can go without touching exams.
	{
		code: 'PHILO',
		nom: 'Philosophie',
		coefficient: '1.0',
		description: 'Épistémologie et éthique des sciences.',
		bank: [],
	},
	{code: 'LAT', nom: 'Latin', coefficient: '0.5', description: null, bank: []},
];

const examKinds = ['Contrôle continu', 'Partiel', 'Entraînement', 'Rattrapage', 'Examen final'];
const durations = [20, 30, 45, 60, 90];
/** Exam start times in UTC (08:00, 10:15, 14:00, 16:15 in Paris, winter time). */
const slots = [7 * 60, 9 * 60 + 15, 13 * 60, 15 * 60 + 15];
const answerKeys = ['A', 'B', 'C', 'D'];

function slug(text: string): string {
	return text
		.normalize('NFD')
		.replace(/\p{Diacritic}/gu, '')
		.replace(/æ/g, 'ae')
		.toLowerCase()
		.replace(/[^a-z0-9]+/g, '-')
		.replace(/^-|-$/g, '');
}

type SchoolRows = Record<SchoolTable, Row[]>;

/** Builds every row in memory first: generation order is what makes the data reproducible. */
export function generateSchool(scale: number, seed: number): SchoolRows {
	const random = new SeededRandom(seed);
	const rows = Object.fromEntries(schoolTables.map((table) => [table, [] as Row[]])) as SchoolRows;

	levels.forEach((level, index) =>
		rows.niveaux.push({id: index + 1, code: level.code, libelle: level.libelle, ordre: index + 1}),
	);
	const levelIds = levels.map((_, index) => index + 1);

	subjects.forEach((subject, index) =>
		rows.matieres.push({
			id: index + 1,
			code: subject.code,
			nom: subject.nom,
			coefficient: subject.coefficient,
			description: subject.description,
		}),
	);
	const subjectIds = subjects.map((_, index) => index + 1);
	const examSubjectIds = subjectIds.filter((id) => subjects[id - 1].bank.length > 0);

	// People: admins, then teachers, then students, so every tutor id exists before it is referenced.
	const usedEmails = new Map<string, number>();
	const email = (prenom: string, nom: string, domain: string) => {
		const base = `${slug(prenom)}.${slug(nom)}`;
		const seen = (usedEmails.get(base) ?? 0) + 1;
		usedEmails.set(base, seen);
		return `${base}${seen > 1 ? seen : ''}@${domain}`;
	};
	const addUser = (role: string, domain: string, birthYears: [number, number] | null, extra: Row = {}) => {
		const prenom = random.pick(firstNames);
		const nom = random.pick(lastNames);
		const id = rows.users.length + 1;
		rows.users.push({
			id,
			email: email(prenom, nom, domain),
			prenom,
			nom,
			role,
			tuteur_id: null,
			date_naissance: birthYears
				? `${random.int(...birthYears)}-${String(random.int(1, 12)).padStart(2, '0')}-${String(random.int(1, 28)).padStart(2, '0')}`
				: null,
			actif: random.chance(0.97),
			cree_le: randomTimestamp(random, Date.UTC(2019, 0, 1), Date.UTC(2024, 8, 1)),
			derniere_connexion: random.chance(0.85) ? randomTimestamp(random, Date.UTC(2025, 0, 6), sampleToday) : null,
			...extra,
		});
		return id;
	};
	addUser('admin', 'univ-exemple.fr', null);
	addUser('admin', 'univ-exemple.fr', null);
	const teachers = Array.from({length: 20 * scale}, () => addUser('professeur', 'univ-exemple.fr', [1962, 1990]));
	const students: Array<{id: number; level: number; ability: number}> = [];
	for (let i = 0; i < 200 * scale; i++) {
		const roll = random.next();
		let cumulative = 0;
		const found = levels.findIndex((level) => roll < (cumulative += level.share));
		const levelIndex = found === -1 ? levels.length - 1 : found;
		const id = addUser('etudiant', 'etu.univ-exemple.fr', [2005 - levelIndex - 2, 2005 - levelIndex], {
			tuteur_id: random.chance(0.5) ? random.pick(teachers) : null,
		});
		students.push({id, level: levelIndex + 1, ability: 0.35 + random.next() * 0.6});
	}

	// Teachers' subjects and levels; teacher i's main subject rotates so every exam subject has one.
	const teachersBySubject = new Map<number, number[]>();
	const teachersByLevel = new Map<number, number[]>();
	teachers.forEach((teacher, index) => {
		const main = examSubjectIds[index % examSubjectIds.length];
		const others = random.sample(
			subjectIds.filter((id) => id !== main),
			random.int(0, 2),
		);
		for (const subject of [main, ...others]) {
			rows.professeur_matieres.push({professeur_id: teacher, matiere_id: subject, principale: subject === main});
			teachersBySubject.set(subject, [...(teachersBySubject.get(subject) ?? []), teacher]);
		}
		for (const level of random.sample(levelIds, random.int(1, 3))) {
			rows.professeur_niveaux.push({professeur_id: teacher, niveau_id: level});
			teachersByLevel.set(level, [...(teachersByLevel.get(level) ?? []), teacher]);
		}
	});

	// A promotion per level and TD groups of about 25 under it.
	const groupsByLevel = new Map<number, number[]>();
	const studentsByClass = new Map<number, number[]>();
	for (const level of levelIds) {
		const code = levels[level - 1].code;
		const members = students.filter((student) => student.level === level);
		const promotion = rows.classes.length + 1;
		rows.classes.push({
			id: promotion,
			nom: `Promotion ${code}`,
			niveau_id: level,
			annee_scolaire: schoolYear,
			classe_parente_id: null,
			capacite: null,
			salle: `Amphi ${String.fromCharCode(64 + level)}`,
		});
		const groupCount = Math.max(1, Math.ceil(members.length / 25));
		const groups: number[] = [];
		for (let g = 1; g <= groupCount; g++) {
			const id = rows.classes.length + 1;
			groups.push(id);
			studentsByClass.set(id, []);
			rows.classes.push({
				id,
				nom: `${code} – TD ${String(g).padStart(2, '0')}`,
				niveau_id: level,
				annee_scolaire: schoolYear,
				classe_parente_id: promotion,
				capacite: random.pick([25, 28, 30, 32]),
				salle: random.chance(0.9)
					? `Salle ${random.pick(['A', 'B', 'C'])}${random.int(1, 3)}${String(random.int(1, 20)).padStart(2, '0')}`
					: null,
			});
		}
		groupsByLevel.set(level, groups);
		const levelTeachers = teachersByLevel.get(level) ?? teachers;
		rows.professeur_classes.push({professeur_id: random.pick(levelTeachers), classe_id: promotion, role: 'titulaire'});
		for (const group of groups) {
			const [head, ...helpers] = random.sample(levelTeachers.length >= 3 ? levelTeachers : teachers, random.int(2, 3));
			rows.professeur_classes.push({professeur_id: head, classe_id: group, role: 'titulaire'});
			for (const helper of helpers)
				rows.professeur_classes.push({
					professeur_id: helper,
					classe_id: group,
					role: random.pick(['intervenant', 'charge_td']),
				});
		}
		random.shuffle(members).forEach((student, index) => {
			const group = groups[index % groups.length];
			studentsByClass.get(group)!.push(student.id);
			rows.etudiant_classes.push({
				etudiant_id: student.id,
				classe_id: group,
				inscrit_le: randomTimestamp(random, Date.UTC(2024, 8, 2), Date.UTC(2024, 8, 14)),
			});
		});
	}

	// Each student's level history within their cycle: earlier levels validated in earlier years.
	for (const student of students) {
		const cycleStart = levels[student.level - 1].cycle === 'licence' ? 1 : 4;
		for (let level = cycleStart; level <= student.level; level++) {
			const yearsAgo = student.level - level;
			const current = yearsAgo === 0;
			rows.etudiant_niveaux.push({
				etudiant_id: student.id,
				niveau_id: level,
				annee_scolaire: `${2024 - yearsAgo}-${2025 - yearsAgo}`,
				statut: current ? (random.chance(0.08) ? 'redoublant' : 'en_cours') : 'valide',
			});
		}
	}

	// QCMs, their questions and levels; then exam sessions and, for past sessions, graded results.
	const abilityOf = new Map(students.map((student) => [student.id, student.ability]));
	const answerStats = new Map<number, {answered: number; right: number}>();
	for (const subjectId of examSubjectIds) {
		const subject = subjects[subjectId - 1];
		const authors = teachersBySubject.get(subjectId) ?? teachers;
		for (let n = 1; n <= 4 * scale; n++) {
			const qcmId = rows.qcms.length + 1;
			const qcmLevels = [random.pick(levelIds)];
			if (qcmLevels[0] < levelIds.length && random.chance(0.25)) qcmLevels.push(qcmLevels[0] + 1);
			for (const level of qcmLevels) rows.qcm_niveaux.push({qcm_id: qcmId, niveau_id: level});

			const wanted = random.int(5, 10);
			const drawn = random.sample(subject.bank, wanted);
			while (subject.generate && drawn.length < wanted) drawn.push(subject.generate(random));
			const questions = drawn.map(([enonce, right, wrong1, wrong2, wrong3, tags], index) => {
				const texts = random.shuffle([right, wrong1, wrong2, wrong3]);
				const id = rows.questions.length + 1;
				const points = random.pick(['1.00', '1.00', '1.00', '2.00', '0.50']);
				rows.questions.push({
					id,
					qcm_id: qcmId,
					position: index + 1,
					enonce,
					choix: texts.map((texte, choice) => ({cle: answerKeys[choice], texte, correcte: texte === right})),
					tags: [subject.nom.toLowerCase(), ...tags],
					points,
					difficulte: random.chance(0.9) ? random.int(1, 5) : null,
					taux_reussite: null,
				});
				answerStats.set(id, {answered: 0, right: 0});
				return {id, points: Number(points), right: answerKeys[texts.indexOf(right)]};
			});

			const minutes = random.pick(durations);
			const bareme = random.chance(0.85) ? 20 : 10;
			const published = random.chance(0.85);
			const kind = random.pick(examKinds);
			const tags = [...new Set(drawn.flatMap((question) => question[5]))];
			rows.qcms.push({
				id: qcmId,
				titre: `${subject.nom} — ${kind} n°${n} (${qcmLevels.map((level) => levels[level - 1].code).join('/')})`,
				description: random.chance(0.7) ? `QCM portant sur : ${tags.join(', ')}.` : null,
				matiere_id: subjectId,
				auteur_id: random.pick(authors),
				duree: intervalText(minutes * 60),
				bareme: bareme.toFixed(2),
				parametres: {
					melanger_questions: random.chance(0.7),
					melanger_choix: random.chance(0.5),
					tentatives_max: random.pick([1, 1, 2]),
					afficher_correction: random.pick(['jamais', 'apres_session', 'immediat']),
				},
				publie: published,
				cree_le: randomTimestamp(random, Date.UTC(2024, 7, 20), Date.UTC(2025, 4, 1)),
			});
			if (!published) continue;

			for (const level of qcmLevels) {
				for (const classId of random.sample(groupsByLevel.get(level)!, random.int(1, 2))) {
					const dayStart = Date.UTC(2024, 9, 1) + random.int(0, 262) * day;
					const weekday = new Date(dayStart).getUTCDay();
					const start = dayStart + (weekday === 0 ? day : weekday === 6 ? 2 * day : 0) + random.pick(slots) * minute;
					const past = start < sampleToday;
					const cancelled = past && random.chance(0.03);
					const sessionId = random.uuid();
					rows.session_examens.push({
						id: sessionId,
						qcm_id: qcmId,
						classe_id: classId,
						surveillant_id: random.chance(0.9) ? random.pick(teachers) : null,
						debut: timestampText(start),
						fin: timestampText(start + (minutes + 15) * minute),
						salle: random.chance(0.85)
							? `Salle ${random.pick(['A', 'B', 'C'])}${random.int(1, 3)}${String(random.int(1, 20)).padStart(2, '0')}`
							: null,
						statut: cancelled ? 'annulee' : past ? 'terminee' : 'planifiee',
					});
					if (!past || cancelled) continue;

					for (const studentId of studentsByClass.get(classId)!) {
						if (!random.chance(0.92)) continue;
						const ability = abilityOf.get(studentId)!;
						const abandoned = random.chance(0.02);
						const reponses: Record<string, string | null> = {};
						let earned = 0;
						let total = 0;
						for (const question of questions) {
							total += question.points;
							if (abandoned && random.chance(0.5)) continue;
							if (random.chance(0.04)) {
								reponses[question.id] = null;
								continue;
							}
							const correct = random.chance(ability);
							const answer = correct ? question.right : random.pick(answerKeys.filter((key) => key !== question.right));
							reponses[question.id] = answer;
							const stats = answerStats.get(question.id)!;
							stats.answered++;
							if (correct) {
								stats.right++;
								earned += question.points;
							}
						}
						const seconds = random.int(Math.floor(minutes * 20), minutes * 60);
						rows.resultats.push({
							id: random.uuid(),
							session_id: sessionId,
							etudiant_id: studentId,
							note: abandoned ? null : (Math.round((earned / total) * bareme * 100) / 100).toFixed(2),
							reponses,
							duree: intervalText(seconds),
							soumis_le: abandoned ? null : timestampText(start + seconds * 1000, random.int(0, 999_999)),
						});
					}
				}
			}
		}
	}
	// Real success rates: long binary fractions, so float text round trips get exercised.
	for (const question of rows.questions) {
		const stats = answerStats.get(question.id as number)!;
		if (stats.answered > 0) question.taux_reussite = stats.right / stats.answered;
	}
	return rows;
}

/** Tables whose integer ids the seed writes explicitly: their sequences must move past them. */
const sequenceTables: SchoolTable[] = ['niveaux', 'matieres', 'users', 'classes', 'qcms', 'questions'];

async function insertRows(client: Client, table: SchoolTable, rows: Row[]): Promise<void> {
	if (rows.length === 0) return;
	const columns = Object.keys(rows[0])
		.map((column) => `"${column}"`)
		.join(', ');
	// matieres.id is GENERATED ALWAYS: explicit ids need the override.
	const overriding = table === 'matieres' ? 'OVERRIDING SYSTEM VALUE' : '';
	// One set-based statement per table: the rows travel as one JSON document and PostgreSQL parses each field.
	await client.query(
		`INSERT INTO public."${table}" (${columns}) ${overriding}
		SELECT ${columns} FROM json_populate_recordset(NULL::public."${table}", $1::json)`,
		[JSON.stringify(rows)],
	);
}

/**
 * Loads the sample school into a database that has `schoolSchemaSql` and no rows, in one transaction.
 * Same seed and scale → the same rows, byte for byte.
 */
export async function seedSchool(client: Client, options: SeedOptions = {}): Promise<SeedSummary> {
	const scale = Math.max(1, Math.round(options.scale ?? 1));
	const rows = generateSchool(scale, options.seed ?? 1);
	await client.query('BEGIN');
	try {
		for (const table of schoolTables) await insertRows(client, table, rows[table]);
		for (const table of sequenceTables) {
			await client.query(
				`SELECT setval(pg_get_serial_sequence('public."${table}"', 'id'), max(id)) FROM public."${table}" HAVING max(id) IS NOT NULL`,
			);
		}
		await client.query('COMMIT');
	} catch (error) {
		await client.query('ROLLBACK');
		throw error;
	}
	return Object.fromEntries(schoolTables.map((table) => [table, rows[table].length])) as SeedSummary;
}
