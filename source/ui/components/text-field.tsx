import {useRef, useState} from 'react';
import {Text} from 'ink';
import {useKeys} from '../hooks/use-keys.js';

export interface TextFieldProps {
	value: string;
	onChange: (value: string) => void;
	onSubmit?: (value: string) => void;
	focus?: boolean;
	placeholder?: string;
	/**
	 * What is shown for the value; must keep its length (one shown character per typed one) so the
	 * cursor lands in the right place. Used to mask passwords, whole or inside a URL.
	 */
	display?: (value: string) => string;
}

export const maskAll = (value: string) => '•'.repeat(value.length);

/**
 * A one-line input. Not ink-text-input: a URL being typed must show with its password part masked,
 * which needs control over what is displayed, not just a single mask character.
 */
export function TextField({
	value,
	onChange,
	onSubmit,
	focus = true,
	placeholder,
	display = (text) => text,
}: TextFieldProps) {
	const [cursor, setCursor] = useState(value.length);
	// Outside the wizard's KeysProvider keys can arrive faster than React re-renders: each one must
	// edit the result of the previous one, not the value of the last render.
	const latest = useRef({value, cursor});
	// Adopt the value only when the parent changes it: a render in between (the cursor moved, the
	// parent has not seen onChange yet) must not roll the text back to the previous value.
	const given = useRef(value);
	if (given.current !== value) {
		given.current = value;
		latest.current = {value, cursor: Math.min(latest.current.cursor, value.length)};
	}
	const update = (next: string, position: number) => {
		latest.current = {value: next, cursor: position};
		setCursor(position);
		if (next !== value) onChange(next);
	};
	useKeys(
		(input, key) => {
			const {value: current, cursor: position} = latest.current;
			if (key.return) {
				onSubmit?.(current);
				return;
			}
			if (key.leftArrow) update(current, Math.max(0, position - 1));
			else if (key.rightArrow) update(current, Math.min(current.length, position + 1));
			else if (key.home || (key.ctrl && input === 'a')) update(current, 0);
			else if (key.end || (key.ctrl && input === 'e')) update(current, current.length);
			else if (key.ctrl && input === 'u') update(current.slice(position), 0);
			else if (key.backspace || key.delete) {
				if (position > 0) update(current.slice(0, position - 1) + current.slice(position), position - 1);
			} else if (input && !key.ctrl && !key.meta && !key.tab && !key.upArrow && !key.downArrow) {
				update(current.slice(0, position) + input + current.slice(position), position + input.length);
			}
		},
		{isActive: focus},
	);
	const position = Math.min(cursor, value.length);
	if (value === '' && placeholder) {
		return (
			<Text>
				{focus ? <Text inverse> </Text> : null}
				<Text color="gray">{placeholder}</Text>
			</Text>
		);
	}
	const shown = display(value);
	if (!focus) return <Text>{shown}</Text>;
	return (
		<Text>
			{shown.slice(0, position)}
			<Text inverse>{position < shown.length ? shown[position] : ' '}</Text>
			{shown.slice(position + 1)}
		</Text>
	);
}
