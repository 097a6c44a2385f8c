import {createInterface} from 'node:readline';
import {UserError} from '../../core/errors.js';
import type {ProfileCommandIo} from './index.js';

export interface Form {
	/** Asks until answered; an empty answer takes `defaultValue` when there is one. */
	ask(question: string, defaultValue?: string): Promise<string>;
	close(): void;
}

/** A plain readline form on stderr; required answers are asked again until given. */
export function openForm(io: Pick<ProfileCommandIo, 'stdin' | 'stderr'>): Form {
	const lines = createInterface({input: io.stdin, output: io.stderr, terminal: Boolean(io.stdin.isTTY)});
	let closed = false;
	lines.once('close', () => (closed = true));
	const askOnce = (prompt: string) =>
		new Promise<string>((resolve, reject) => {
			const formClosed = () =>
				new UserError(
					'usage',
					'The form was closed before it was complete; nothing was saved.',
					'Run it again and answer each question, or give every field as an option: pgconvoy profile add NAME --url postgresql://user@host:5432/database',
				);
			if (closed) return reject(formClosed());
			const onClose = () => reject(formClosed());
			lines.once('close', onClose);
			lines.question(prompt, (answer) => {
				lines.off('close', onClose);
				resolve(answer.trim());
			});
		});
	return {
		async ask(question, defaultValue) {
			for (;;) {
				const answer = await askOnce(defaultValue ? `${question} [${defaultValue}]: ` : `${question}: `);
				if (answer) return answer;
				if (defaultValue) return defaultValue;
			}
		},
		close() {
			if (!closed) lines.close();
		},
	};
}
