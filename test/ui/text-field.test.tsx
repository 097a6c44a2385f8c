import {useState} from 'react';
import {afterEach, describe, expect, test} from 'vitest';
import {cleanup, render} from 'ink-testing-library';
import {TextField, maskAll} from '../../source/ui/components/text-field.js';
import {maskUrlPassword} from '../../source/ui/format.js';
import {allFrames, frameText, keys, press, settle, type} from './helpers.js';

afterEach(() => cleanup());

function Field({display, onSubmit}: {display?: (value: string) => string; onSubmit: (value: string) => void}) {
	const [value, setValue] = useState('');
	return <TextField value={value} onChange={setValue} onSubmit={onSubmit} display={display} placeholder="type here" />;
}

describe('TextField', () => {
	test('edits at the cursor: arrows, backspace, ctrl-u', async () => {
		const submitted: string[] = [];
		const app = render(<Field onSubmit={(value) => submitted.push(value)} />);
		await settle();
		expect(frameText(app)).toContain('type here');
		await type(app, 'helo');
		await press(app, '\u001B[D', 'l', '\u001B[C', '!', keys.backspace);
		expect(frameText(app)).toBe('hello');
		await press(app, keys.enter);
		expect(submitted).toEqual(['hello']);
		await press(app, '\u0015');
		expect(frameText(app)).toContain('type here');
	});

	test('a paste that ends with Enter inserts, then submits', async () => {
		const submitted: string[] = [];
		const app = render(<Field onSubmit={(value) => submitted.push(value)} />);
		await settle();
		app.stdin.write('postgres://app@db/x\r');
		await settle();
		expect(submitted).toEqual(['postgres://app@db/x']);
	});

	test('masks: the whole value, or only the password of a URL; the secret is in no frame', async () => {
		const masked = render(<Field display={maskAll} onSubmit={() => {}} />);
		await type(masked, 'Secr3t');
		expect(frameText(masked)).toBe('••••••');
		const url = render(<Field display={maskUrlPassword} onSubmit={() => {}} />);
		await type(url, 'postgres://app:Secr3t@db/x');
		expect(frameText(url)).toBe('postgres://app:••••••@db/x');
		for (const app of [masked, url]) expect(allFrames(app)).not.toMatch(/Sec|cr3|r3t/);
	});
});
