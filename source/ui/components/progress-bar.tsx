import {Text} from 'ink';
import {barParts} from '../format.js';

export function ProgressBar({ratio, width, color = 'green'}: {ratio: number; width: number; color?: string}) {
	const {filled, empty} = barParts(ratio, width);
	return (
		<Text>
			<Text color={color}>{filled}</Text>
			<Text color="gray">{empty}</Text>
		</Text>
	);
}
