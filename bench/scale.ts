/**
 * The scale line (`--scale`): 1% changed, the exact dry run and the upsert at `--rows` and at
 * `--scale-rows`, each size bracketed by B samples of its own size, and whether peak RSS stays flat.
 */
import {sampleB} from './baseline.js';
import {changed1, derivedTemplate, fingerprint, prepareSource} from './fixture.js';
import {log} from './log.js';
import {BracketedSeries, median, round} from './ratios.js';
import type {ScaleLine, ScenarioRow} from './report.js';
import {timeScenario} from './rounds.js';
import {scaleScenarios} from './scenarios.js';
import {type Servers, sql} from './servers.js';
import {secondsSince} from './spawn.js';

export interface ScaleSizes {
	rows: number;
	scaleRows: number;
	runs: number;
	/** Peak RSS at the larger size at most this many times the smaller size's: "flat". */
	flatRssFactor: number;
}

/** `series` is the main B series (of `rows`); the larger size gets its own. */
export async function timeScaleLine(
	servers: Servers,
	profileDir: string | undefined,
	series: BracketedSeries,
	sizes: ScaleSizes,
): Promise<ScaleLine> {
	const {rows, scaleRows, runs, flatRssFactor} = sizes;
	const {source, target} = servers;
	const small: ScenarioRow[] = [];
	const expectedSmall = await fingerprint(source, 'src');
	for (const scenario of scaleScenarios(rows, 'src', 'tpl_changed1'))
		small.push(await timeScenario(servers, profileDir, series, scenario, runs, rows, expectedSmall));
	log(`scale line: generating ${scaleRows.toLocaleString('en')} rows on the source`);
	const start = process.hrtime.bigint();
	await prepareSource(source, 'src_scale', scaleRows, false);
	await derivedTemplate(servers, 'src_scale', 'scale_tpl_changed1', changed1);
	await sql(target, 'postgres', 'CHECKPOINT');
	log(`scale line ready in ${round(secondsSince(start), 1)} s`);
	const expectedLarge = await fingerprint(source, 'src_scale');
	const scaleSeries = new BracketedSeries(sampleB(servers, 'src_scale'));
	const large: ScenarioRow[] = [];
	for (const scenario of scaleScenarios(scaleRows, 'src_scale', 'scale_tpl_changed1'))
		large.push(await timeScenario(servers, profileDir, scaleSeries, scenario, runs, scaleRows, expectedLarge));
	return {
		rows,
		scaleRows,
		runs,
		B: round(median(series.b)),
		scaleB: round(median(scaleSeries.b)),
		scenarios: [...small, ...large],
		rssFlat: small.map((row, index) => {
			const factor = large[index]!.peakRssMb / row.peakRssMb;
			return {
				id: row.id,
				smallMb: row.peakRssMb,
				largeMb: large[index]!.peakRssMb,
				factor: round(factor, 2),
				met: factor <= flatRssFactor,
			};
		}),
	};
}
