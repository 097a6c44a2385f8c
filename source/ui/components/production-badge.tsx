import {Text} from 'ink';

export function ProductionBadge() {
	return (
		<Text backgroundColor="red" color="whiteBright" bold>
			{' PRODUCTION '}
		</Text>
	);
}
