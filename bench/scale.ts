/**
 * The scale line (`--scale`): 1% changed, the exact dry run and the upsert at `--rows` and at
 * `--scale-rows`, each size bracketed by B samples of its own size, and whether peak RSS stays flat.
 */
import {sampleB} from './baseline.js';
import {changed1, derivedTemplate, prepareSource} from './fixture.js';
import {log} from './log.js';
import {BracketedSeries, median, round} from './ratios.js';
import type {ScaleLine, ScenarioRow} from './report.js';
import {type RoundsSetup, timeScenario} from './rounds.js';
import {scaleScenarios} from './scenarios.js';
import {sql} from './servers.js';
import {secondsSince} from './spawn.js';

export interface ScaleSizes {
	rows: number;
	scaleRows: number;
	runs: number;
	/** Peak RSS at the larger size at most this many times the smaller size's: "flat". */
	flatRssFactor: number;
}

/** `setup.series` is the main B series (of `rows`); the larger size gets its own. */
export async function timeScaleLine(setup: RoundsSetup, sizes: ScaleSizes): Promise<ScaleLine> {
	const {rows, scaleRows, runs, flatRssFactor} = sizes;
	const {servers, series} = setup;
	const {source, target} = servers;
	const small: ScenarioRow[] = [];
	for (const scenario of scaleScenarios(rows, 'src', 'tpl_changed1', false))
		small.push(await timeScenario(setup, scenario, runs));
	log(`scale line: generating ${scaleRows.toLocaleString('en')} rows on the source`);
	const start = process.hrtime.bigint();
	await prepareSource(source, 'src_scale', scaleRows, false);
	await derivedTemplate(servers, 'src_scale', 'scale_tpl_changed1', changed1);
	await sql(target, 'postgres', 'CHECKPOINT');
	log(`scale line ready in ${round(secondsSince(start), 1)} s`);
	const scaleSeries = new BracketedSeries(sampleB(servers, 'src_scale'));
	const large: ScenarioRow[] = [];
	for (const scenario of scaleScenarios(scaleRows, 'src_scale', 'scale_tpl_changed1', true))
		large.push(await timeScenario({...setup, series: scaleSeries}, scenario, runs));
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
