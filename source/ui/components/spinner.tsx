import {Text} from 'ink';
import InkSpinner from 'ink-spinner';

export function Spinner() {
	return (
		<Text color="cyan">
			<InkSpinner type="dots" />
		</Text>
	);
}
